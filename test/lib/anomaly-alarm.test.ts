import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseScope } from '../../lambdas/shared/scope.js';
import type { AutoScalingGroupTarget } from '../../lib/auto-scaling-group-target.js';
import { InvalidResourceScopeError } from '../../lib/resource-scope.js';
import { SelfHealing, type SelfHealingProps } from '../../lib/self-healing.js';
import { parseSelfHealingConfig } from '../../lib/self-healing-config.js';
import { OBSERVE_CONFIG, synthesizeTestStack, testStack, type SynthesizedStack } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any> };
type MetricQuery = { Id: string; Expression?: string; MetricStat?: Record<string, any>; ReturnData?: boolean };

const LATENCY = {
  namespace: 'AWS/ApplicationELB',
  metricName: 'TargetResponseTime',
  dimensions: { LoadBalancer: 'app/web/0123456789abcdef' },
  statistic: 'p99',
  period: Duration.minutes(1),
} as const;

/** `SelfHealing` with one group, `web`, with `group` on top; the stack is `Test` in eu-west-1. */
function build(group: Partial<AutoScalingGroupTarget> = {}, props: Partial<SelfHealingProps> = {}) {
  const stack = testStack();
  const alarm = cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high');
  const make = () => new SelfHealing(stack, 'SelfHealing', { autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [alarm], ...group }], ...props });
  return { stack, make };
}

function synth(group: Partial<AutoScalingGroupTarget>) {
  const { stack, make } = build(group);
  const selfHealing = make();
  return { stack, selfHealing, template: Template.fromStack(stack) };
}

function errorOf(construct: () => unknown): InvalidResourceScopeError {
  try {
    construct();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidResourceScopeError);
    return error as InvalidResourceScopeError;
  }
  throw new Error('expected the construct to throw');
}

/** The alarm resources, by `AlarmName`. */
function alarmsByName(template: Template): Map<string, Resource> {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
  return new Map(alarms.filter((alarm) => typeof alarm.Properties.AlarmName === 'string').map((alarm) => [alarm.Properties.AlarmName as string, alarm]));
}

/** The band expression of an anomaly alarm, the metric it is drawn around, and the width. */
function bandOf(alarm: Resource) {
  const queries = alarm.Properties.Metrics as MetricQuery[];
  const band = queries.find((query) => query.Expression?.startsWith('ANOMALY_DETECTION_BAND('))!;
  const [, metricId, width] = /^ANOMALY_DETECTION_BAND\((\w+), ([\d.]+)\)$/.exec(band.Expression!)!;
  const metric = queries.find((query) => query.Id === metricId)!;
  return { queries, band, metric, width: Number(width) };
}

const variablesOf = (stack: Stack, template: Template, fn: { node: { defaultChild?: unknown } }) =>
  (template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)] as Resource).Properties.Environment.Variables;

describe('an anomaly alarm on a declared metric', () => {
  let built: ReturnType<typeof synth>;
  let alarm: Resource;

  beforeAll(() => {
    built = synth({ anomalyAlarms: [{ metric: LATENCY }] });
    alarm = alarmsByName(built.template).get('Test-web-TargetResponseTime-anomaly')!;
  });

  it('compares the metric with ANOMALY_DETECTION_BAND(metric, 2), the band as ThresholdMetricId, above the band by default', () => {
    expect(alarm).toBeDefined();
    const { queries, band, metric, width } = bandOf(alarm);
    expect(queries).toHaveLength(2);
    expect(width).toBe(2);
    expect(alarm.Properties.ThresholdMetricId).toBe(band.Id);
    expect(alarm.Properties.ComparisonOperator).toBe('GreaterThanUpperThreshold');
    expect(alarm.Properties.Threshold).toBeUndefined();
    expect(metric).toMatchObject({
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'TargetResponseTime',
          Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web/0123456789abcdef' }],
        },
        Period: 60,
        Stat: 'p99',
      },
    });
    expect(band.ReturnData).toBe(true);
  });

  it('needs 3 of 3 periods outside the band and treats missing data as not breaching', () => {
    expect(alarm.Properties).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: 'notBreaching' });
  });

  it('creates no AnomalyDetector: CloudWatch models the band for the alarm', () => {
    expect(built.template.findResources('AWS::CloudWatch::AnomalyDetector')).toEqual({});
  });

  it("registers the alarm's name in RESOURCE_SCOPE's alarmNames, after the group's own alarms", () => {
    expect(built.selfHealing.resourceScope.resources[0]!.alarmNames).toEqual(['web-cpu-high', 'Test-web-TargetResponseTime-anomaly']);
    const scope = parseScope(variablesOf(built.stack, built.template, built.selfHealing.intakeFunction as never).RESOURCE_SCOPE as string);
    expect(scope.resources[0]!.alarmNames).toContain('Test-web-TargetResponseTime-anomaly');
    expect(built.selfHealing.anomalyAlarms.map((made) => made.alarmName)).toEqual(['Test-web-TargetResponseTime-anomaly']);
  });

  it("routes the alarm's ALARM state changes to the intake, by name", () => {
    const rule = Object.values(built.template.findResources('AWS::Events::Rule')).find((candidate) =>
      (candidate.Properties.EventPattern.source as string[]).includes('aws.cloudwatch'),
    )!;
    expect(rule.Properties.EventPattern.resources).toEqual([
      'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-cpu-high',
      'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Test-web-TargetResponseTime-anomaly',
    ]);
  });

  it('lets BuildContext and VerifyRecovery describe it', () => {
    const policies = Object.values(built.template.findResources('AWS::IAM::Policy')) as Resource[];
    const describers = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).filter((statement) =>
        [statement.Action].flat().includes('cloudwatch:DescribeAlarms'),
      ),
    );
    expect(describers).toHaveLength(2);
    for (const statement of describers) expect(statement.Resource).toContain('arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Test-web-TargetResponseTime-anomaly');
  });
});

describe('anomaly alarm options', () => {
  it('maps each direction to its anomaly-detection comparison operator', () => {
    const { template } = synth({
      anomalyAlarms: [
        { metric: LATENCY, alarmName: 'latency-upper', direction: 'upper' },
        { metric: LATENCY, alarmName: 'latency-lower', direction: 'lower' },
        { metric: LATENCY, alarmName: 'latency-both', direction: 'both', bandWidth: 3.5, evaluationPeriods: 5, datapointsToAlarm: 2 },
      ],
    });
    const alarms = alarmsByName(template);
    expect(alarms.get('latency-upper')!.Properties.ComparisonOperator).toBe('GreaterThanUpperThreshold');
    expect(alarms.get('latency-lower')!.Properties.ComparisonOperator).toBe('LessThanLowerThreshold');
    const both = alarms.get('latency-both')!;
    expect(both.Properties).toMatchObject({ ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold', EvaluationPeriods: 5, DatapointsToAlarm: 2 });
    expect(bandOf(both).width).toBe(3.5);
  });

  it('takes a cloudwatch.Metric and defaults a metric reference to Average over 5 minutes', () => {
    const cpu = new cloudwatch.Metric({ namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensionsMap: { AutoScalingGroupName: 'web' }, statistic: 'Maximum', period: Duration.minutes(1) });
    const { template } = synth({
      anomalyAlarms: [{ metric: cpu }, { metric: { namespace: 'App', metricName: 'QueueDepth' } }],
    });
    const alarms = alarmsByName(template);
    expect(bandOf(alarms.get('Test-web-CPUUtilization-anomaly')!).metric.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web' }] },
      Period: 60,
      Stat: 'Maximum',
    });
    expect(bandOf(alarms.get('Test-web-QueueDepth-anomaly')!).metric.MetricStat).toEqual({
      Metric: { Namespace: 'App', MetricName: 'QueueDepth' },
      Period: 300,
      Stat: 'Average',
    });
  });

  it('lets a target rely on anomaly alarms alone', () => {
    const { selfHealing } = synth({ alarms: [], anomalyAlarms: [{ metric: LATENCY }] });
    expect(selfHealing.resourceScope.resources[0]!.alarmNames).toEqual(['Test-web-TargetResponseTime-anomaly']);
  });

  it('names EKS and WAF targets in default names, with only safe characters', () => {
    const stack = testStack();
    const alarm = (name: string) => cloudwatch.Alarm.fromAlarmName(stack, name, name);
    const selfHealing = new SelfHealing(stack, 'SelfHealing', {
      eksDeployments: [{ cluster: 'prod', namespace: 'payments', deployment: 'checkout', alarms: [alarm('checkout-5xx')], anomalyAlarms: [{ metric: { namespace: 'App', metricName: 'Checkout Errors' } }] }],
      guardrails: { allowedNamespaces: ['payments'] },
    });
    expect(selfHealing.anomalyAlarms.map((made) => made.alarmName)).toEqual(['Test-prod-payments-checkout-Checkout-Errors-anomaly']);
  });

  it('keeps an alarm (and its logical id) when another is added before it', () => {
    const first = synth({ anomalyAlarms: [{ metric: LATENCY }] });
    const second = synth({ anomalyAlarms: [{ metric: { namespace: 'App', metricName: 'QueueDepth' } }, { metric: LATENCY }] });
    const idOf = (built: ReturnType<typeof synth>) =>
      Object.entries(built.template.findResources('AWS::CloudWatch::Alarm')).find(([, alarm]) => alarm.Properties.AlarmName === 'Test-web-TargetResponseTime-anomaly')![0];
    expect(idOf(second)).toBe(idOf(first));
  });

  it('checks every spec, naming the target and the spec', () => {
    const error = errorOf(
      build({
        anomalyAlarms: [
          { metric: LATENCY, bandWidth: 0 },
          { metric: LATENCY, alarmName: 'b', direction: 'sideways' as never, evaluationPeriods: 2, datapointsToAlarm: 3 },
          { metric: { ...LATENCY, period: Duration.seconds(45) }, alarmName: 'c', evaluationPeriods: 0 },
          { metric: LATENCY, alarmName: Lazy.string({ produce: () => 'late' }) },
        ],
      }).make,
    );
    const where = 'autoScalingGroups[0] ("web").anomalyAlarms';
    expect(error.problems).toEqual([
      `${where}[0].bandWidth: must be a number of standard deviations above 0, got 0`,
      `${where}[1].direction: must be 'upper', 'lower' or 'both', got sideways`,
      `${where}[1].datapointsToAlarm: must be a whole number from 1 to evaluationPeriods (2), got 3`,
      `${where}[2].evaluationPeriods: must be a whole number of at least 1, got 0`,
      `${where}[2].metric.period: must be 10 s, 30 s or a whole number of minutes, got 45 s`,
      `${where}[3].alarmName: must be a literal string known at synth time, got a token`,
    ]);
  });

  it('refuses two alarms of one name, and an anomaly alarm named like a registered alarm of another target', () => {
    const twice = errorOf(build({ anomalyAlarms: [{ metric: LATENCY }, { metric: { ...LATENCY, statistic: 'Average' } }] }).make);
    expect(twice.problems).toEqual([
      'autoScalingGroups[0] ("web").anomalyAlarms[1]: alarm name "Test-web-TargetResponseTime-anomaly" is already taken by autoScalingGroups[0] ("web").anomalyAlarms[0]; set alarmName to tell them apart',
    ]);
    const stack = testStack();
    const other = cloudwatch.Alarm.fromAlarmName(stack, 'Other', 'api-latency');
    const clash = errorOf(
      () =>
        new SelfHealing(stack, 'SelfHealing', {
          autoScalingGroups: [
            { autoScalingGroupName: 'web', alarms: [], anomalyAlarms: [{ metric: LATENCY, alarmName: 'api-latency' }] },
            { autoScalingGroupName: 'api', alarms: [other] },
          ],
        }),
    );
    expect(clash.message).toMatch(/alarm "api-latency" is registered for both "autoscaling-group\/web" and "autoscaling-group\/api"/);
  });

  it('reports spec problems together with the other props problems', () => {
    const error = errorOf(build({ maxStep: 0, anomalyAlarms: [{ metric: LATENCY, bandWidth: -1 }] }).make);
    expect(error.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/\.maxStep/), expect.stringMatching(/anomalyAlarms\[0\]\.bandWidth/)]),
    );
  });
});

describe('anomaly alarms through cdk.json (OBSERVE_CONFIG)', () => {
  let synthesized: SynthesizedStack;

  beforeAll(() => {
    synthesized = synthesizeTestStack(OBSERVE_CONFIG);
  });

  it('creates the alarm with the stat, period, band, direction and datapoints of the config', () => {
    const alarm = alarmsByName(synthesized.template).get('SelfHealing-web-TargetResponseTime-anomaly')!;
    const { metric, width } = bandOf(alarm);
    expect(width).toBe(3);
    expect(metric.MetricStat).toMatchObject({ Period: 60, Stat: 'p99' });
    expect(alarm.Properties).toMatchObject({
      ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(synthesized.stack.selfHealing.resourceScope.resources[0]!.alarmNames).toEqual(['web-cpu-high', 'SelfHealing-web-TargetResponseTime-anomaly']);
  });

  it('refuses unknown keys in an anomaly alarm', () => {
    const [group] = OBSERVE_CONFIG.autoScalingGroups!;
    expect(() =>
      parseSelfHealingConfig({ ...OBSERVE_CONFIG, autoScalingGroups: [{ ...group, anomalyAlarms: [{ ...group!.anomalyAlarms![0], threshold: 5 }] }] }),
    ).toThrow(/anomalyAlarms/);
  });
});
