import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_TOPIC_ENV } from '../../lambdas/shared/notification-types.js';
import { HEALER_METRICS, healerMetric } from '../../lib/healer-metrics.js';
import { WORKFLOW_FUNCTIONS, type WorkflowFunctionId } from '../../lib/workflow-functions.js';
import { POSTGRES_CONFIG, RUNBOOKS_ONLY_CONFIG, synthesizeTestStack, TEST_CONFIG, type SynthesizedStack } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown };

let synthesized: SynthesizedStack;
let runbooksOnly: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeTestStack(TEST_CONFIG);
  runbooksOnly = synthesizeTestStack(RUNBOOKS_ONLY_CONFIG);
});

const resourcesOfType = (type: string, from = synthesized) => from.template.findResources(type) as Record<string, Resource>;
const logicalIdOf = (construct: IConstruct, from = synthesized) => from.stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
const resolve = (value: unknown, from = synthesized) => from.stack.resolve(value);

/** The dashboard body as one string, tokens rendered as `<Ref>` / `<GetAtt>`. */
function dashboardBody(from: SynthesizedStack): string {
  const dashboards = Object.values(resourcesOfType('AWS::CloudWatch::Dashboard', from));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]!.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof body === 'string') return body;
  return body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
}

describe('dashboard', () => {
  it('is one CloudWatch dashboard, named after the stack, with its name and URL as outputs', () => {
    synthesized.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'SelfHealing-SelfHealing' });
    synthesized.template.hasOutput('DashboardName', { Value: 'SelfHealing-SelfHealing' });
    synthesized.template.hasOutput('DashboardUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('#dashboards:name=SelfHealing-SelfHealing$')])] },
    });
  });

  it('graphs incidents opened, resolved and escalated, time to recover p50 and p90, actions by type, decisions, tokens and circuits', () => {
    const body = dashboardBody(synthesized);
    for (const metric of [
      '"SelfHealing","IncidentsOpened","service","self-healing"',
      '"SelfHealing","IncidentsClosed","outcome","resolved","service","self-healing"',
      '"SelfHealing","IncidentsEscalated","service","self-healing"',
      '"SelfHealing","Decisions","service","self-healing","source","bedrock"',
      '"SelfHealing","Decisions","service","self-healing","source","runbook"',
      '"SelfHealing","ModelInputTokens","service","self-healing","source","bedrock"',
      '"SelfHealing","ModelOutputTokens","service","self-healing","source","bedrock"',
      '"SelfHealing","CircuitsOpened","service","self-healing"',
    ]) {
      expect(body, metric).toContain(metric);
    }
    expect(body).toMatch(/TimeToRecoverSeconds[^\]]*"stat\\?":\\?"p50/);
    expect(body).toMatch(/TimeToRecoverSeconds[^\]]*"stat\\?":\\?"p90/);
    // Every action type the functions report, whichever actions the stack registers.
    expect(body).toMatch(/SEARCH\('\{\\"SelfHealing\\",\\"service\\",\\"action\\"\} [^']*MetricName=\\"ActionsTaken\\"', 'Sum', 300\)/);
    expect(body).toContain("${PROP('Dim.action')} taken");
  });

  it('graphs the workflow, the intake functions and every dead-letter queue, and shows the self-monitoring alarms', () => {
    const body = dashboardBody(synthesized);
    const { selfHealing } = synthesized.stack;
    expect(body).toContain(`"AWS/States","ExecutionsFailed","StateMachineArn","{"Ref":"${logicalIdOf(selfHealing.stateMachine)}"}"`);
    for (const fn of [selfHealing.intakeFunction, selfHealing.logIntake!.function]) expect(body).toContain(logicalIdOf(fn as never));
    expect(body).toContain(logicalIdOf(selfHealing.deadLetterQueue as never));
    expect(body).toContain(logicalIdOf(selfHealing.logIntake!.deadLetterQueue.queue));
    expect(body).toContain(logicalIdOf(selfHealing.incidentReports!.deadLetterQueue.queue));
    expect(body).toContain('"type":"alarm"');
    for (const alarm of selfHealing.selfMonitoring.alarms) expect(body).toContain(logicalIdOf(alarm as never));
  });

  it('leaves the model out of a stack whose runbooks decide alone', () => {
    const body = dashboardBody(runbooksOnly);
    expect(body).not.toContain('ModelInputTokens');
    expect(body).not.toContain('bedrock');
    expect(body).toContain('Decisions');
  });

  it('graphs the index advisor only where a PostgreSQL database is registered', () => {
    expect(dashboardBody(synthesized)).not.toContain('IndexesRecommended');
    const body = dashboardBody(synthesizeTestStack(POSTGRES_CONFIG));
    for (const metric of ['IndexesRecommended', 'IndexesNotRecommended', 'IndexesEffective', 'IndexesNotEffective']) expect(body, metric).toContain(metric);
    expect(body).toContain('built, not effective (undone)');
  });
});

describe('self-monitoring alarms', () => {
  const alarmResource = (alarm: cloudwatch.IAlarm, from = synthesized) =>
    resourcesOfType('AWS::CloudWatch::Alarm', from)[logicalIdOf(alarm as never, from)]!;
  const topicRef = (from = synthesized) => resolve(from.stack.selfHealing.topic.topicArn, from);

  it('are each an alarm that notifies the topic, existing dead-letter alarms reused rather than duplicated', () => {
    const { selfMonitoring, logIntake } = synthesized.stack.selfHealing;
    // Workflow failures and timeouts, two intakes, Bedrock throttling, undelivered notifications; the intake DLQ and the log intake's two.
    expect(selfMonitoring.alarms).toHaveLength(9);
    expect(new Set(selfMonitoring.alarms).size).toBe(9);
    expect(selfMonitoring.alarms).toContain(logIntake!.deadLetterQueue.alarm);
    expect(selfMonitoring.alarms).toContain(logIntake!.destinationFailureAlarm);
    for (const alarm of selfMonitoring.alarms) {
      expect(alarmResource(alarm).Properties.AlarmActions, alarm.node.path).toEqual([topicRef()]);
    }
    const queueAlarms = Object.values(resourcesOfType('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    // The intake's and the log intake's, each once; and the incident reports' own (a report not written is no healer failure).
    expect(queueAlarms).toHaveLength(3);
    expect(alarmResource(synthesized.stack.selfHealing.incidentReports!.deadLetterAlarm).Properties.AlarmActions).toEqual([topicRef()]);
    expect(selfMonitoring.alarms).not.toContain(synthesized.stack.selfHealing.incidentReports!.deadLetterAlarm);
  });

  it('count failed runs net of escalations, which end the run in a Fail state on purpose', () => {
    const alarm = alarmResource(synthesized.stack.selfHealing.selfMonitoring.workflowFailures);
    const metrics = alarm.Properties.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string } } }[];
    expect(metrics.find((metric) => metric.Expression !== undefined)?.Expression).toBe('MAX([0, FILL(failed, 0) - FILL(escalated, 0)])');
    expect(metrics.filter((metric) => metric.MetricStat).map((metric) => [metric.Id, metric.MetricStat!.Metric.Namespace, metric.MetricStat!.Metric.MetricName]).sort()).toEqual([
      ['escalated', 'SelfHealing', 'IncidentsEscalated'],
      ['failed', 'AWS/States', 'ExecutionsFailed'],
    ]);
    expect(alarm.Properties.OKActions).toEqual([topicRef()]);
  });

  it('watch timeouts, each intake function, and undelivered notifications', () => {
    const { selfMonitoring, stateMachine, intakeFunction, logIntake } = synthesized.stack.selfHealing;
    expect(alarmResource(selfMonitoring.workflowTimeouts).Properties).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsTimedOut',
      Dimensions: [{ Name: 'StateMachineArn', Value: resolve(stateMachine.stateMachineArn) }],
      Threshold: 1,
    });
    expect(selfMonitoring.intakeErrors.map((alarm) => alarmResource(alarm).Properties.Dimensions)).toEqual([
      [{ Name: 'FunctionName', Value: resolve((intakeFunction as never as { functionName: string }).functionName) }],
      [{ Name: 'FunctionName', Value: resolve(logIntake!.function.functionName) }],
    ]);
    const undelivered = alarmResource(selfMonitoring.undeliveredNotifications).Properties.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[];
    expect(undelivered.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : [])).sort()).toEqual(['EscalationsUndelivered', 'NotificationsUndelivered']);
  });

  it('alarm on the BedrockThrottles EMF metric Decide emits when a model decides, and not otherwise, with no log metric filter', () => {
    const { selfMonitoring } = synthesized.stack.selfHealing;
    expect(alarmResource(selfMonitoring.bedrockThrottles!).Properties).toMatchObject({
      Namespace: 'SelfHealing',
      MetricName: 'BedrockThrottles',
      // The dimensions Decide's single metric carries: the service alone.
      Dimensions: [{ Name: 'service', Value: 'self-healing' }],
      Statistic: 'Sum',
      Period: 900,
      Threshold: 3,
    });
    synthesized.template.resourceCountIs('AWS::Logs::MetricFilter', 0);

    expect(runbooksOnly.stack.selfHealing.selfMonitoring.bedrockThrottles).toBeUndefined();
    runbooksOnly.template.resourceCountIs('AWS::Logs::MetricFilter', 0);
  });
});

describe('lifecycle notifications', () => {
  const publishers: readonly WorkflowFunctionId[] = ['ScaleOutAsg', 'BlockIpInWaf', 'ActOnEks', 'CreatePostgresIndex', 'RecordAttemptResult', 'RecordOutcome'];

  function publishGrants(role: IConstruct): Statement[] {
    return Object.values(resourcesOfType('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as unknown[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: logicalIdOf(role) })))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
      .filter((statement) => [statement.Action].flat().includes('sns:Publish'));
  }

  it('let the functions that announce what they did publish to the topic, and only to it', () => {
    const { workflowFunctions, topic, intakeFunction } = synthesized.stack.selfHealing;
    const variables = (fn: IConstruct) => (resourcesOfType('AWS::Lambda::Function')[logicalIdOf(fn)]!.Properties.Environment.Variables as Record<string, unknown>);
    for (const id of publishers) {
      expect(variables(workflowFunctions[id])[NOTIFICATION_TOPIC_ENV], id).toEqual(resolve(topic.topicArn));
      expect(publishGrants(workflowFunctions[id].role).map((statement) => statement.Resource), id).toEqual([resolve(topic.topicArn)]);
    }
    expect(variables(intakeFunction as never)[NOTIFICATION_TOPIC_ENV]).toEqual(resolve(topic.topicArn));
    expect(publishGrants((intakeFunction as never as { role: IConstruct }).role)).toHaveLength(1);
  });

  it('give every other workflow function no publish permission', () => {
    const { workflowFunctions } = synthesized.stack.selfHealing;
    const silent = WORKFLOW_FUNCTIONS.map(({ id }) => id).filter((id) => !publishers.includes(id) && id !== 'EscalateIncident' && id !== 'RequestApproval');
    expect(silent.sort()).toEqual(['AcquireLease', 'BuildContext', 'CheckPolicy', 'Decide', 'InspectPostgres', 'VerifyRecovery']);
    for (const id of silent) expect(publishGrants(workflowFunctions[id].role), id).toEqual([]);
  });

  it('create no experiment template and no chat channel unless asked', () => {
    synthesized.template.resourceCountIs('AWS::FIS::ExperimentTemplate', 0);
    synthesized.template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    expect(synthesized.stack.selfHealing.gameDay).toBeUndefined();
  });
});

describe('healerMetric', () => {
  it('queries a metric with exactly the dimensions its function emits it with', () => {
    const stack = new Stack();
    expect(stack.resolve(healerMetric('ActionsTaken', { dimensions: { action: 'scaleOutAsg' } }).dimensions)).toEqual({ service: 'self-healing', action: 'scaleOutAsg' });
    expect(() => healerMetric('ActionsTaken')).toThrow(/ActionsTaken is emitted with dimensions \[service, action\], not \[service\]/);
    expect(() => healerMetric('IncidentsOpened', { dimensions: { outcome: 'resolved' } })).toThrow(/not \[service, outcome\]/);
    expect(Object.keys(HEALER_METRICS)).toEqual(expect.arrayContaining(['IncidentsOpened', 'TimeToRecoverSeconds', 'ActionsTaken', 'Decisions', 'CircuitsOpened', 'BedrockThrottles']));
  });
});
