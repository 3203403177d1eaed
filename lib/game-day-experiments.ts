import { Aws, Duration, Names, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { InvalidResourceScopeError } from './resource-scope.js';

/** CPU stress on the instances of Auto Scaling groups: what the scale-out remediation exists for. */
export interface CpuStressExperimentProps {
  /**
   * The groups to stress, one experiment template each; every one must be a
   * registered Auto Scaling group, so the healer has something to heal.
   *
   * @default - every registered Auto Scaling group
   */
  readonly autoScalingGroupNames?: readonly string[];

  /**
   * How long the stress runs on each instance.
   *
   * @default Duration.minutes(10)
   */
  readonly duration?: Duration;

  /**
   * CPU load the stress holds on each instance, in percent.
   *
   * @default 90
   */
  readonly loadPercent?: number;

  /**
   * Share of the group's running instances to stress, in percent.
   *
   * @default 100
   */
  readonly instancePercent?: number;
}

/** The faults FIS can inject into the EC2 API calls of an IAM role. */
export type ApiFault = 'throttle' | 'internal-error' | 'unavailable';

/**
 * Errors injected into the EC2 API calls a role makes (FIS injects API
 * faults into the `ec2` namespace only). Point it at your workload's role:
 * its failures trip its alarms, and the healer should open an incident and,
 * with no safe action for an API outage, escalate it with the context.
 */
export interface ApiErrorExperimentProps {
  /** The IAM role whose EC2 calls fail: your workload's role, not the healer's. */
  readonly roleArn: string;

  /** EC2 API operations to fail, e.g. `DescribeInstances`. */
  readonly operations: readonly string[];

  /**
   * Which error the calls get.
   *
   * @default 'throttle'
   */
  readonly fault?: ApiFault;

  /**
   * Share of the calls that fail, in percent.
   *
   * @default 100
   */
  readonly percentage?: number;

  /**
   * How long the calls fail.
   *
   * @default Duration.minutes(10)
   */
  readonly duration?: Duration;
}

/** Opt-in AWS FIS experiment templates to prove the loop in your own account. */
export interface GameDayProps {
  /**
   * CPU stress on the instances of registered Auto Scaling groups.
   *
   * @default - one template per registered Auto Scaling group, 90 % CPU for 10 minutes on every running instance
   */
  readonly cpuStress?: CpuStressExperimentProps;

  /**
   * API error injection into a role's EC2 calls.
   *
   * @default - no API error experiment
   */
  readonly apiErrors?: ApiErrorExperimentProps;

  /**
   * Your own alarms that stop every experiment when they fire (the
   * customer-facing error rate, say), on top of the healer's own.
   *
   * @default - only the healer's alarms
   */
  readonly stopConditionAlarms?: readonly cloudwatch.IAlarm[];

  /**
   * Whether FIS writes each experiment's log to a CloudWatch Logs group.
   *
   * @default true
   */
  readonly experimentLogs?: boolean;
}

export interface GameDayExperimentsProps extends GameDayProps {
  /** The registered Auto Scaling groups. */
  readonly registeredAutoScalingGroups: readonly string[];

  /**
   * The healer's own "something is broken" alarms, first in the stop
   * conditions: if the healer breaks during a game day, the fault goes away.
   */
  readonly healerAlarms: readonly cloudwatch.IAlarm[];

  /**
   * How long the experiment log group keeps its events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** FIS accepts at most 5 stop conditions per experiment template. */
export const MAX_STOP_CONDITIONS = 5;

/** The SSM document FIS runs for CPU stress (stress-ng on Linux). */
export const CPU_STRESS_DOCUMENT = 'AWSFIS-Run-CPU-Stress';

const FAULT_ACTIONS: Readonly<Record<ApiFault, { actionId: string; permission: string }>> = {
  throttle: { actionId: 'aws:fis:inject-api-throttle-error', permission: 'fis:InjectApiThrottleError' },
  'internal-error': { actionId: 'aws:fis:inject-api-internal-error', permission: 'fis:InjectApiInternalError' },
  unavailable: { actionId: 'aws:fis:inject-api-unavailable-error', permission: 'fis:InjectApiUnavailableError' },
};

/** Log delivery for experiment logs: none of these actions supports resource-level permissions. */
const LOG_DELIVERY_ACTIONS = ['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'];

/**
 * Game-day experiment templates for AWS Fault Injection Service. They are
 * only templates: nothing happens until someone runs
 * `aws fis start-experiment --experiment-template-id <id>`.
 *
 * - `cpuStress`: per registered Auto Scaling group, `aws:ssm:send-command`
 *   with `AWSFIS-Run-CPU-Stress` on the group's running instances (found by
 *   their `aws:autoscaling:groupName` tag; the instances need the SSM agent
 *   and an instance profile that lets Systems Manager manage them).
 * - `apiErrors`: `aws:fis:inject-api-*-error` on a role's EC2 calls.
 *
 * Every template stops when any of the healer's alarms fires (or one of
 * yours), and runs under a role of its own that may do exactly what its
 * action needs, on its targets only.
 */
export class GameDayExperiments extends Construct {
  /** The CPU stress template of each group, by group name. */
  readonly cpuStress: Readonly<Record<string, fis.CfnExperimentTemplate>>;
  readonly apiErrors?: fis.CfnExperimentTemplate;
  /** Every template, with a short name for outputs: `cpu-stress-<group>`, `api-errors`. */
  readonly templates: readonly { readonly name: string; readonly template: fis.CfnExperimentTemplate }[];
  /** Where FIS writes the experiments' logs, when on. */
  readonly logGroup?: logs.LogGroup;
  /** The alarms that stop every experiment. */
  readonly stopConditionAlarms: readonly cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: GameDayExperimentsProps) {
    super(scope, id);
    const problems = gameDayProblems(props);
    if (problems.length > 0) throw new InvalidResourceScopeError(problems);

    const own = props.stopConditionAlarms ?? [];
    // The healer's first, then yours, up to the FIS limit (the checks above keep yours in).
    this.stopConditionAlarms = [...props.healerAlarms.slice(0, MAX_STOP_CONDITIONS - own.length), ...own];
    const stopConditions = this.stopConditionAlarms.map((alarm) => ({ source: 'aws:cloudwatch:alarm', value: alarm.alarmArn }));

    if (props.experimentLogs ?? true) {
      this.logGroup = new logs.LogGroup(this, 'ExperimentLogs', {
        // The vended-logs prefix keeps FIS from adding a statement per group to the account's CloudWatch Logs resource policy.
        logGroupName: `/aws/vendedlogs/fis/${Names.uniqueResourceName(this, { maxLength: 200 })}`,
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    const logConfiguration =
      this.logGroup === undefined ? undefined : { cloudWatchLogsConfiguration: { LogGroupArn: this.logGroup.logGroupArn }, logSchemaVersion: 2 };

    const templates: { name: string; template: fis.CfnExperimentTemplate }[] = [];
    const cpuStress: Record<string, fis.CfnExperimentTemplate> = {};
    const stress = props.cpuStress ?? {};
    (stress.autoScalingGroupNames ?? props.registeredAutoScalingGroups).forEach((group, index) => {
      const role = this.experimentRole(`CpuStressRole${index}`, `Runs the self-healing CPU stress game day on Auto Scaling group ${group}`);
      const documentArn = `arn:${Aws.PARTITION}:ssm:${Aws.REGION}::document/${CPU_STRESS_DOCUMENT}`;
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [documentArn] }));
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:SendCommand'],
          resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/*`],
          // Only the group's own instances, by the tag Auto Scaling puts on them.
          conditions: { StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': group } },
        }),
      );
      Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason:
          `The group's instances come and go with their ids, so SendCommand names them by "*"; the condition on their ` +
          `aws:autoscaling:groupName tag confines it to the instances of "${group}".`,
      });
      this.unscoped(
        role,
        'CpuStressUnscoped' + index,
        ['ec2:DescribeInstances', 'ssm:ListCommands', 'ssm:CancelCommand'],
        'FIS resolves the target instances with ec2:DescribeInstances and follows and cancels its command with ' +
          'ssm:ListCommands and ssm:CancelCommand; none of them supports resource-level permissions.',
      );
      this.allowLogDelivery(role, `CpuStressLogs${index}`);

      const duration = stress.duration ?? Duration.minutes(10);
      const template = new fis.CfnExperimentTemplate(this, `CpuStress${index}`, {
        description: `Self-healing game day: ${stress.loadPercent ?? 90}% CPU on the instances of ${group} for ${duration.toHumanString()}`,
        roleArn: role.roleArn,
        stopConditions,
        targets: {
          Instances: {
            resourceType: 'aws:ec2:instance',
            resourceTags: { 'aws:autoscaling:groupName': group },
            filters: [{ path: 'State.Name', values: ['running'] }],
            selectionMode: `PERCENT(${stress.instancePercent ?? 100})`,
          },
        },
        actions: {
          CpuStress: {
            actionId: 'aws:ssm:send-command',
            description: `${CPU_STRESS_DOCUMENT} on every targeted instance`,
            parameters: {
              documentArn,
              documentParameters: JSON.stringify({
                DurationSeconds: String(duration.toSeconds()),
                CPU: '0',
                LoadPercent: String(stress.loadPercent ?? 90),
                InstallDependencies: 'True',
              }),
              // The action waits for the command a minute longer than the stress runs.
              duration: duration.plus(Duration.minutes(1)).toIsoString(),
            },
            targets: { Instances: 'Instances' },
          },
        },
        // No running instance in the group: the experiment fails instead of passing without a fault.
        experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
        ...(logConfiguration === undefined ? {} : { logConfiguration }),
        tags: { Name: `self-healing-cpu-stress-${group}` },
      });
      cpuStress[group] = template;
      templates.push({ name: `cpu-stress-${group}`, template });
    });
    this.cpuStress = cpuStress;

    if (props.apiErrors !== undefined) {
      const faults = props.apiErrors;
      const fault = FAULT_ACTIONS[faults.fault ?? 'throttle'];
      const role = this.experimentRole('ApiErrorsRole', 'Runs the self-healing API error game day');
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [fault.permission],
          resources: [`arn:${Aws.PARTITION}:fis:${Aws.REGION}:${Aws.ACCOUNT_ID}:experiment/*`],
        }),
      );
      Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:fis:<AWS::Region>:<AWS::AccountId>:experiment/*]',
        reason:
          `${fault.permission} is authorised on the experiment, whose id FIS assigns when it starts; the "*" is ` +
          "confined to this account's and region's experiments, and the template names the one target role.",
      });
      this.allowLogDelivery(role, 'ApiErrorsLogs');
      const duration = faults.duration ?? Duration.minutes(10);
      this.apiErrors = new fis.CfnExperimentTemplate(this, 'ApiErrors', {
        description: `Self-healing game day: ${faults.fault ?? 'throttle'} errors on ${faults.percentage ?? 100}% of EC2 ${faults.operations.join(', ')} calls for ${duration.toHumanString()}`,
        roleArn: role.roleArn,
        stopConditions,
        targets: {
          Roles: { resourceType: 'aws:iam:role', resourceArns: [faults.roleArn], selectionMode: 'ALL' },
        },
        actions: {
          InjectApiErrors: {
            actionId: fault.actionId,
            parameters: {
              service: 'ec2',
              operations: faults.operations.join(','),
              percentage: String(faults.percentage ?? 100),
              duration: duration.toIsoString(),
            },
            targets: { Roles: 'Roles' },
          },
        },
        experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail' },
        ...(logConfiguration === undefined ? {} : { logConfiguration }),
        tags: { Name: 'self-healing-api-errors' },
      });
      templates.push({ name: 'api-errors', template: this.apiErrors });
    }
    this.templates = templates;
  }

  /** A role only FIS may assume, and only for this account's experiments. */
  private experimentRole(id: string, description: string): iam.Role {
    return new iam.Role(this, id, {
      description,
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:fis:${Aws.REGION}:${Aws.ACCOUNT_ID}:experiment/*` },
        },
      }),
    });
  }

  /** Actions without resource-level permissions, in a policy of their own whose acknowledgement says why. */
  private unscoped(role: iam.Role, id: string, actions: string[], reason: string): void {
    const policy = new iam.Policy(this, id, { statements: [new iam.PolicyStatement({ actions, resources: ['*'] })] });
    policy.attachToRole(role);
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
  }

  private allowLogDelivery(role: iam.Role, id: string): void {
    if (this.logGroup === undefined) return;
    this.unscoped(
      role,
      id,
      LOG_DELIVERY_ACTIONS,
      'FIS delivers the experiment log through CloudWatch Logs vended log delivery: CreateLogDelivery, ' +
        'PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups support no resource-level permissions.',
    );
  }
}

/** Problems with the game-day props, each naming the prop. */
export function gameDayProblems(props: GameDayExperimentsProps, where = 'gameDay'): string[] {
  const problems: string[] = [];
  const stress = props.cpuStress ?? {};
  for (const group of stress.autoScalingGroupNames ?? []) {
    if (!Token.isUnresolved(group) && !props.registeredAutoScalingGroups.includes(group)) {
      problems.push(`${where}.cpuStress.autoScalingGroupNames: "${group}" is not a registered Auto Scaling group, so nothing would heal it`);
    }
  }
  const percent = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= 100)) problems.push(`${where}.${name}: must be a whole number from 1 to 100, got ${value}`);
  };
  const minutes = (name: string, value: Duration | undefined) => {
    if (value !== undefined && (value.toSeconds() < 60 || value.toSeconds() > 43_200)) problems.push(`${where}.${name}: must be from 1 minute to 12 hours, got ${value.toHumanString()}`);
  };
  percent('cpuStress.loadPercent', stress.loadPercent);
  percent('cpuStress.instancePercent', stress.instancePercent);
  minutes('cpuStress.duration', stress.duration);
  if (props.apiErrors !== undefined) {
    const faults = props.apiErrors;
    if (faults.operations.length === 0) problems.push(`${where}.apiErrors.operations: name at least one EC2 API operation`);
    for (const operation of faults.operations) {
      if (!/^[A-Z][A-Za-z0-9]+$/.test(operation)) problems.push(`${where}.apiErrors.operations: "${operation}" is not an EC2 API operation name (e.g. DescribeInstances)`);
    }
    if (!Token.isUnresolved(faults.roleArn) && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(faults.roleArn)) {
      problems.push(`${where}.apiErrors.roleArn: not an IAM role ARN: ${faults.roleArn}`);
    }
    percent('apiErrors.percentage', faults.percentage);
    minutes('apiErrors.duration', faults.duration);
  }
  const own = props.stopConditionAlarms?.length ?? 0;
  if (own > MAX_STOP_CONDITIONS - 2) {
    problems.push(`${where}.stopConditionAlarms: at most ${MAX_STOP_CONDITIONS - 2} (FIS takes ${MAX_STOP_CONDITIONS} stop conditions, 2 are the healer's), got ${own}`);
  }
  if (props.healerAlarms.length === 0) problems.push(`${where}: the healer has no alarm to stop an experiment with`);
  if ((stress.autoScalingGroupNames ?? props.registeredAutoScalingGroups).length === 0 && props.apiErrors === undefined) {
    problems.push(`${where}: no experiment to template; register an Auto Scaling group (for cpuStress) or set apiErrors`);
  }
  return problems;
}
