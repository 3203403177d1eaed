import { Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AnomalyAlarm, anomalyAlarmProblems, defaultAnomalyAlarmName } from './anomaly-alarm.js';
import type { RemediationTarget } from './remediation-target.js';

/**
 * The anomaly-detection alarms the targets declare (`anomalyAlarms`), one
 * `AnomalyAlarm` each, and the targets with those alarms added to their own
 * `alarms`, so they open incidents, are in `RESOURCE_SCOPE`'s `alarmNames`,
 * and are what verification waits on.
 *
 * Each alarm's construct id holds its name, so reordering or adding specs
 * never replaces another alarm (a replaced alarm of the same name would be
 * deleted by CloudFormation after its replacement was written).
 */
export class AnomalyAlarms extends Construct {
  /** Every alarm made, in declaration order. */
  readonly alarms: AnomalyAlarm[] = [];
  /** What was wrong with the specs; the specs concerned made no alarm. */
  readonly problems: string[] = [];
  private readonly namePrefix: string;
  private readonly owners = new Map<string, string>();

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.namePrefix = Token.isUnresolved(stackName) ? '' : stackName;
  }

  /**
   * Makes the target's anomaly alarms and returns the target with them
   * appended to its `alarms`.
   *
   * @param where the target as errors name it, e.g. `autoScalingGroups[0] ("web")`
   * @param resource the target's name in default alarm names, e.g. `web` or `prod-payments-checkout`
   */
  public register<T extends RemediationTarget>(where: string, resource: string, target: T): T {
    const specs = target.anomalyAlarms ?? [];
    if (specs.length === 0) return target;
    const made = specs.flatMap((spec, index) => {
      const at = `${where}.anomalyAlarms[${index}]`;
      const problems = anomalyAlarmProblems(at, spec);
      const alarmName = spec.alarmName ?? defaultAnomalyAlarmName(this.namePrefix, resource, spec);
      const owner = this.owners.get(alarmName);
      if (owner !== undefined) {
        problems.push(`${at}: alarm name "${alarmName}" is already taken by ${owner}; set alarmName to tell them apart`);
      }
      if (problems.length > 0) {
        this.problems.push(...problems);
        return [];
      }
      this.owners.set(alarmName, at);
      const alarm = new AnomalyAlarm(this, alarmName, { ...spec, alarmName });
      this.alarms.push(alarm);
      return [alarm.registeredAlarm];
    });
    return { ...target, alarms: [...target.alarms, ...made] };
  }
}
