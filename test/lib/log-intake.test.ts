import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOG_DETECTION_DETAIL_TYPE, LOG_DETECTION_SOURCE } from '../../lambdas/shared/log-detection.js';
import { MAX_SIGNATURES_BYTES } from '../../lib/log-intake.js';
import { InvalidResourceScopeError } from '../../lib/resource-scope.js';
import { SelfHealing, type SelfHealingProps } from '../../lib/self-healing.js';
import { parseSelfHealingConfig } from '../../lib/self-healing-config.js';
import {
  DECLINE_STORM_SIGNATURE,
  EKS_AND_WAF_CONFIG,
  OBSERVE_CONFIG,
  RUNBOOKS_ONLY_CONFIG,
  synthesizeTestStack,
  testStack,
  type SynthesizedStack,
} from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
type Construct = { node: { defaultChild?: unknown } };

/** A CloudFormation value as text: `Ref` as `<Id>`, `Fn::GetAtt` as `<Id.Attr>`, `Fn::Join` joined. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `<${String(object.Ref)}>`;
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** What the tests ask of one synthesized stack. */
function inspect({ stack, template }: { stack: Stack; template: Template }) {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const logicalId = (construct: Construct) => stack.getLogicalId(construct.node.defaultChild as never);
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const statementsOfRole = (role: Construct): Statement[] =>
    ofType('AWS::IAM::Policy')
      .filter(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === logicalId(role)))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
  /** Each statement of the role as `action, action → resource, resource`, sorted. */
  const grantsOfRole = (role: Construct) =>
    statementsOfRole(role)
      .map((statement) => `${[statement.Action].flat().sort().join(', ')} → ${[statement.Resource].flat().map(render).sort().join(', ')}`)
      .sort();
  const rulesFor = (source: string) => ofType('AWS::Events::Rule').filter(([, rule]) => rule.Properties.EventPattern.source?.includes(source));
  return { resources, logicalId, ofType, statementsOfRole, grantsOfRole, rulesFor };
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

/** `SelfHealing` with one group, `web`, reading `logGroupNames`, and `props` on top. */
function build(logGroupNames: string[], props: Partial<SelfHealingProps> = {}) {
  const stack = testStack();
  const alarm = cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high');
  const make = () => new SelfHealing(stack, 'SelfHealing', { autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [alarm], logGroupNames }], ...props });
  return { stack, make };
}

describe('log intake, on by default for the declared log groups (TEST_CONFIG)', () => {
  let synthesized: SynthesizedStack;
  let view: ReturnType<typeof inspect>;
  let selfHealing: SelfHealing;

  beforeAll(() => {
    synthesized = synthesizeTestStack();
    view = inspect(synthesized);
    selfHealing = synthesized.stack.selfHealing;
  });

  it('runs the log-intake handler with the table and the default bus, and the handler defaults for everything else', () => {
    const fn = view.resources[view.logicalId(selfHealing.logIntake!.function)]!;
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.Environment.Variables).toEqual({
      POWERTOOLS_SERVICE_NAME: 'self-healing',
      POWERTOOLS_METRICS_NAMESPACE: 'SelfHealing',
      NODE_OPTIONS: '--enable-source-maps',
      TABLE_NAME: { Ref: view.logicalId(selfHealing.table) },
      EVENT_BUS_NAME: 'default',
    });
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('may read and write table items and put events on the default bus, and nothing else beyond its log, X-Ray and its dead-letter queue', () => {
    const { logIntake } = selfHealing;
    const table = view.logicalId(selfHealing.table);
    const queue = view.logicalId(logIntake!.deadLetterQueue.queue);
    expect(view.grantsOfRole(logIntake!.function.role)).toEqual(
      [
        'xray:PutTelemetryRecords, xray:PutTraceSegments → *',
        `logs:CreateLogStream, logs:PutLogEvents → <${view.logicalId(logIntake!.function.node.scope!.node.findChild('FunctionLogGroup') as Construct)}.Arn>`,
        `sqs:GetQueueAttributes, sqs:GetQueueUrl, sqs:SendMessage → <${queue}.Arn>`,
        `dynamodb:GetItem, dynamodb:PutItem → <${table}.Arn>`,
        'events:PutEvents → arn:aws:events:eu-west-1:123456789012:event-bus/default',
      ].sort(),
    );
  });

  it('is the only function that may put events', () => {
    const putters = view
      .ofType('AWS::IAM::Policy')
      .filter(([, policy]) => (policy.Properties.PolicyDocument.Statement as Statement[]).some((statement) => [statement.Action].flat().includes('events:PutEvents')))
      .map(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).map((ref) => ref.Ref));
    expect(putters).toEqual([[view.logicalId(selfHealing.logIntake!.function.role)]]);
  });

  it('subscribes the function to each declared log group, every event, once the invoke permission exists', () => {
    const fnArn = { 'Fn::GetAtt': [view.logicalId(selfHealing.logIntake!.function), 'Arn'] };
    const filters = view.ofType('AWS::Logs::SubscriptionFilter');
    expect(filters.map(([, filter]) => filter.Properties.LogGroupName).sort()).toEqual(['/ecs/web', '/ecs/web-proxy']);
    const permissions = view.ofType('AWS::Lambda::Permission').filter(([, permission]) => permission.Properties.Principal === 'logs.amazonaws.com');
    for (const [, filter] of filters) {
      expect(filter.Properties).toMatchObject({ DestinationArn: fnArn, FilterPattern: '' });
      const [permissionId] = filter.DependsOn!;
      const permission = permissions.find(([id]) => id === permissionId)![1];
      expect(permission.Properties).toEqual({
        Action: 'lambda:InvokeFunction',
        FunctionName: fnArn,
        Principal: 'logs.amazonaws.com',
        SourceArn: `arn:aws:logs:eu-west-1:123456789012:log-group:${filter.Properties.LogGroupName}:*`,
      });
    }
    expect(permissions).toHaveLength(2);
  });

  it('keeps failed batches, with their payload, in an encrypted TLS-only queue after two retries within an hour', () => {
    const { logIntake } = selfHealing;
    const queue = view.logicalId(logIntake!.deadLetterQueue.queue);
    synthesized.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: view.logicalId(logIntake!.function) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3_600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    expect(view.resources[queue]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    const policy = view.ofType('AWS::SQS::QueuePolicy').find(([, candidate]) => candidate.Properties.Queues[0].Ref === queue)![1];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('alarms the topic at the first dead letter, and when Lambda could not deliver one', () => {
    const { logIntake } = selfHealing;
    const topic = { Ref: view.logicalId(selfHealing.topic as never) };
    expect(view.resources[view.logicalId(logIntake!.deadLetterQueue.alarm)]!.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [view.logicalId(logIntake!.deadLetterQueue.queue), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
    });
    expect(view.resources[view.logicalId(logIntake!.destinationFailureAlarm)]!.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'DestinationDeliveryFailures',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: view.logicalId(logIntake!.function) } }],
      Threshold: 0,
      AlarmActions: [topic],
    });
  });

  it('routes detections about the declared log groups to the incident intake', () => {
    const rules = view.rulesFor(LOG_DETECTION_SOURCE);
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual({
      source: [LOG_DETECTION_SOURCE],
      'detail-type': [LOG_DETECTION_DETAIL_TYPE],
      detail: { logGroup: ['/ecs/web', '/ecs/web-proxy'] },
    });
  });

  it('retries and dead-letters detections exactly as it does alarm events', () => {
    const [[, detections]] = view.rulesFor(LOG_DETECTION_SOURCE) as [[string, Resource]];
    const [[, alarms]] = view.rulesFor('aws.cloudwatch') as [[string, Resource]];
    expect(detections.Properties.Targets).toEqual(alarms.Properties.Targets);
    expect(detections.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [view.logicalId(selfHealing.intakeFunction as never), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [view.logicalId(selfHealing.deadLetterQueue as never), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3_600 },
      }),
    ]);
    // EventBridge may invoke the intake for each rule, and may write to the dead-letter queue for each.
    const ruleArns = [...view.rulesFor(LOG_DETECTION_SOURCE), ...view.rulesFor('aws.cloudwatch')].map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    const invokes = view.ofType('AWS::Lambda::Permission').filter(([, permission]) => permission.Properties.Principal === 'events.amazonaws.com');
    expect(invokes.map(([, permission]) => permission.Properties.SourceArn)).toEqual(expect.arrayContaining(ruleArns));
    const queuePolicy = view
      .ofType('AWS::SQS::QueuePolicy')
      .find(([, policy]) => policy.Properties.Queues[0].Ref === view.logicalId(selfHealing.deadLetterQueue as never))![1];
    const sources = (queuePolicy.Properties.PolicyDocument.Statement as { Condition?: { ArnEquals?: { 'aws:SourceArn': unknown } } }[])
      .map((statement) => statement.Condition?.ArnEquals?.['aws:SourceArn'])
      .filter((source) => source !== undefined);
    expect(sources).toEqual(expect.arrayContaining(ruleArns));
  });
});

describe('log intake with no declared log group (RUNBOOKS_ONLY_CONFIG)', () => {
  it('creates no log intake, subscription or detection rule', () => {
    const synthesized = synthesizeTestStack(RUNBOOKS_ONLY_CONFIG);
    const view = inspect(synthesized);
    expect(synthesized.stack.selfHealing.logIntake).toBeUndefined();
    expect(view.ofType('AWS::Logs::SubscriptionFilter')).toEqual([]);
    expect(view.rulesFor(LOG_DETECTION_SOURCE)).toEqual([]);
    // The alarm rule, and the rule that sends finished runs to the report writer.
    expect(view.ofType('AWS::Events::Rule')).toHaveLength(2);
    expect(view.ofType('AWS::Lambda::Function')).toHaveLength(17);
  });
});

describe('log intake for EKS and WAF targets (EKS_AND_WAF_CONFIG)', () => {
  it("subscribes the Deployment's container log group and the web ACL's WAF log group", () => {
    const view = inspect(synthesizeTestStack(EKS_AND_WAF_CONFIG));
    expect(view.ofType('AWS::Logs::SubscriptionFilter').map(([, filter]) => filter.Properties.LogGroupName).sort()).toEqual([
      '/aws/containerinsights/prod/application',
      'aws-waf-logs-site',
    ]);
    expect(view.rulesFor(LOG_DETECTION_SOURCE)[0]![1].Properties.EventPattern.detail.logGroup.sort()).toEqual([
      '/aws/containerinsights/prod/application',
      'aws-waf-logs-site',
    ]);
  });
});

describe('log intake options (OBSERVE_CONFIG, through cdk.json)', () => {
  let synthesized: SynthesizedStack;
  let view: ReturnType<typeof inspect>;

  beforeAll(() => {
    synthesized = synthesizeTestStack(OBSERVE_CONFIG);
    view = inspect(synthesized);
  });

  it('hands the signatures, the flood threshold and the burst settings to the function, and reserves its concurrency', () => {
    const fn = view.resources[view.logicalId(synthesized.stack.selfHealing.logIntake!.function)]!;
    const variables = fn.Properties.Environment.Variables;
    expect(JSON.parse(variables.SIGNATURES)).toEqual([DECLINE_STORM_SIGNATURE]);
    expect(variables).toMatchObject({ FLOOD_THRESHOLD_PER_MINUTE: '600', BURST_MIN_COUNT: '30', BURST_STD_DEVS: '5', EVENT_BUS_NAME: 'default' });
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(5);
  });

  it('delivers only the events that pass the filter pattern', () => {
    const filters = view.ofType('AWS::Logs::SubscriptionFilter');
    expect(filters.map(([, filter]) => [filter.Properties.LogGroupName, filter.Properties.FilterPattern])).toEqual([['/ecs/web', '?ERROR ?Exception ?declined']]);
  });

  it('outputs the log intake dead-letter queue', () => {
    synthesized.template.hasOutput('LogIntakeDeadLetterQueueUrl', { Value: { Ref: view.logicalId(synthesized.stack.selfHealing.logIntake!.deadLetterQueue.queue) } });
  });

  it('refuses unknown log-intake keys and a signature the schema rejects', () => {
    expect(() => parseSelfHealingConfig({ ...OBSERVE_CONFIG, logIntake: { enable: true } })).toThrow(/logIntake/);
    expect(() => parseSelfHealingConfig({ ...OBSERVE_CONFIG, logIntake: { signatures: [{ ...DECLINE_STORM_SIGNATURE, flags: 'g' }] } })).toThrow(/flags/);
  });
});

describe('log intake wiring', () => {
  it('subscribes a log group shared by Deployments of one cluster once', () => {
    const stack = testStack();
    const alarm = (name: string) => cloudwatch.Alarm.fromAlarmName(stack, name, name);
    const shared = '/aws/containerinsights/prod/application';
    const selfHealing = new SelfHealing(stack, 'SelfHealing', {
      eksDeployments: [
        { cluster: 'prod', namespace: 'payments', deployment: 'checkout', alarms: [alarm('checkout-5xx')], logGroupNames: [shared] },
        { cluster: 'prod', namespace: 'payments', deployment: 'refunds', alarms: [alarm('refunds-5xx')], logGroupNames: [shared, '/custom/refunds'] },
      ],
      guardrails: { allowedNamespaces: ['payments'] },
    });
    const filters = Template.fromStack(stack).findResources('AWS::Logs::SubscriptionFilter');
    expect(Object.values(filters).map((filter) => filter.Properties.LogGroupName).sort()).toEqual([shared, '/custom/refunds'].sort());
    expect([...selfHealing.logIntake!.subscriptions.subscriptionFilters.keys()]).toEqual([shared, '/custom/refunds']);
  });

  it('publishes on, is granted, and listens on a bus of your own', () => {
    const stack = testStack();
    const bus = new events.EventBus(stack, 'Bus');
    const alarm = cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high');
    const selfHealing = new SelfHealing(stack, 'SelfHealing', {
      autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [alarm], logGroupNames: ['/ecs/web'] }],
      logIntake: { eventBus: bus },
    });
    const view = inspect({ stack, template: Template.fromStack(stack) });
    const busId = stack.getLogicalId(bus.node.defaultChild as never);
    expect(view.resources[view.logicalId(selfHealing.logIntake!.function)]!.Properties.Environment.Variables.EVENT_BUS_NAME).toEqual({ Ref: busId });
    expect(view.grantsOfRole(selfHealing.logIntake!.function.role)).toContain(`events:PutEvents → <${busId}.Arn>`);
    const [[, rule]] = view.rulesFor(LOG_DETECTION_SOURCE) as [[string, Resource]];
    expect(rule.Properties.EventBusName).toEqual({ Ref: busId });
    // The alarm rule stays on the default bus, where CloudWatch publishes.
    expect(view.rulesFor('aws.cloudwatch')[0]![1].Properties.EventBusName).toBeUndefined();
  });

  it('can be turned off: no subscription, no rule, while BuildContext still reads the log groups', () => {
    const { stack, make } = build(['/ecs/web'], { logIntake: { enabled: false } });
    const selfHealing = make();
    const view = inspect({ stack, template: Template.fromStack(stack) });
    expect(selfHealing.logIntake).toBeUndefined();
    expect(view.ofType('AWS::Logs::SubscriptionFilter')).toEqual([]);
    expect(view.rulesFor(LOG_DETECTION_SOURCE)).toEqual([]);
    expect(view.grantsOfRole(selfHealing.workflowFunctions.BuildContext.role).some((grant) => grant.startsWith('logs:FilterLogEvents'))).toBe(true);
  });

  it('refuses to be turned on with nothing to subscribe to', () => {
    expect(errorOf(build([], { logIntake: { enabled: true } }).make).problems).toEqual([
      'logIntake.enabled: no target declares logGroupNames, so there is nothing to subscribe to',
    ]);
  });

  it('checks the options at synth as the function would at start-up, listing every problem', () => {
    const error = errorOf(
      build(['/ecs/web'], {
        logIntake: {
          filterPattern: 'x'.repeat(1_025),
          floodThresholdPerMinute: 0,
          burstMinCount: -1,
          burstStdDevs: Number.NaN,
          reservedConcurrentExecutions: 0.5,
          signatures: [{ id: 'broken', title: 'Broken', pattern: '(unclosed', severity: 'high' }],
        },
      }).make,
    );
    expect(error.problems).toEqual([
      'logIntake.filterPattern: at most 1024 characters, got 1025',
      'logIntake.floodThresholdPerMinute: must be a number above 0, got 0',
      'logIntake.burstMinCount: must be a number above 0, got -1',
      'logIntake.burstStdDevs: must be a number above 0, got NaN',
      'logIntake.reservedConcurrentExecutions: must be a whole number of at least 1, got 0.5',
      expect.stringMatching(/^logIntake\.signatures: signature broken: the pattern does not compile/),
    ]);
  });

  it('refuses a signature that matches every line, one the schema rejects, and signatures too large for the environment', () => {
    const everything = errorOf(build(['/ecs/web'], { logIntake: { signatures: [{ id: 'any', title: 'Any', pattern: '.*', severity: 'low' }] } }).make);
    expect(everything.problems).toEqual([expect.stringMatching(/^logIntake\.signatures: .*matches an empty line/)]);
    const badId = errorOf(build(['/ecs/web'], { logIntake: { signatures: [{ id: 'Not An Id', title: 'x', pattern: 'x', severity: 'low' }] } }).make);
    expect(badId.problems).toEqual([expect.stringMatching(/^logIntake\.signatures: invalid signatures: .*id/)]);
    const many = Array.from({ length: 20 }, (_, index) => ({ id: `sig-${index}`, title: 'A long title '.repeat(10), pattern: `error ${index}`, severity: 'low' as const }));
    const large = errorOf(build(['/ecs/web'], { logIntake: { signatures: many } }).make);
    expect(large.problems).toEqual([expect.stringMatching(new RegExp(`^logIntake\\.signatures: \\d+ bytes of JSON, more than the ${MAX_SIGNATURES_BYTES}`))]);
  });

  it('ignores the options when it is off', () => {
    expect(() => build(['/ecs/web'], { logIntake: { enabled: false, floodThresholdPerMinute: 0 } }).make()).not.toThrow();
  });
});
