import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoScalingGroupScopeSchema, ScopeSchema } from '../../lambdas/shared/scope.js';
import { DEFAULT_MODEL_ID } from '../../lib/self-healing.js';
import { REMEDIATE_INCIDENT_ASL, WORKFLOW_FUNCTIONS } from '../../lib/workflow-functions.js';
import { RUNBOOKS_ONLY_CONFIG, synthesizeTestStack, type SynthesizedStack } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Effect?: string };
type Construct = { node: { defaultChild?: unknown } };

interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}

const asl = JSON.parse(readFileSync(REMEDIATE_INCIDENT_ASL, 'utf8')) as { States: Record<string, AslState> };

let synthesized: SynthesizedStack;
let stack: Stack;
let resolve: (value: unknown) => any;

beforeAll(() => {
  synthesized = synthesizeTestStack();
  stack = synthesized.stack;
  resolve = (value) => stack.resolve(value);
});

function resourcesOfType(type: string, from: SynthesizedStack = synthesized): Record<string, Resource> {
  return from.template.findResources(type) as Record<string, Resource>;
}

function onlyResourceOfType(type: string): Resource {
  const found = Object.values(resourcesOfType(type));
  expect(found).toHaveLength(1);
  return found[0]!;
}

const logicalIdOf = (construct: Construct, from: SynthesizedStack = synthesized) =>
  from.stack.getLogicalId(construct.node.defaultChild as never);

/** The function resource behind a construct, by logical id. */
function functionResource(fn: Construct, from: SynthesizedStack = synthesized): Resource {
  return from.template.toJSON().Resources[logicalIdOf(fn, from)] as Resource;
}

function statementsOf(policies: Record<string, Resource>): Statement[] {
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** Every statement of every policy attached to a function's role. */
function statementsOfRole(fn: { role: Construct }, from: SynthesizedStack = synthesized): Statement[] {
  const roleId = logicalIdOf(fn.role, from);
  return statementsOf(
    Object.fromEntries(
      Object.entries(resourcesOfType('AWS::IAM::Policy', from)).filter(([, policy]) =>
        (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
      ),
    ),
  );
}

/** The policies (by logical id) that hold a statement granting `action`. */
function policiesGranting(action: string, from: SynthesizedStack = synthesized): Resource[] {
  return Object.values(resourcesOfType('AWS::IAM::Policy', from)).filter((policy) =>
    (policy.Properties.PolicyDocument.Statement as Statement[]).some((statement) => actionsOf(statement).includes(action)),
  );
}

const actionsOf = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** An ARN as text, pseudo parameters written `<AWS::Region>` as cdk-nag writes them. */
function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) throw new Error(`not an ARN: ${JSON.stringify(value)}`);
  return join[1]
    .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`))
    .join(join[0]);
}

const variablesOf = (fn: Construct, from: SynthesizedStack = synthesized): Record<string, unknown> =>
  functionResource(fn, from).Properties.Environment.Variables;

/** The placeholder of the function a Task state calls: in `Resource`, or in `Parameters.FunctionName` for the lambda:invoke integrations. */
function calledFunctionKey(state: AslState): string | undefined {
  const placeholder = (value: unknown) => (typeof value === 'string' ? value.match(/^\$\{(\w+)\}$/)?.[1] : undefined);
  return placeholder(state.Resource) ?? placeholder(state.Parameters?.FunctionName);
}

describe('remediation state machine', () => {
  it('is a STANDARD state machine with X-Ray tracing and ALL-level logging with execution data', () => {
    synthesized.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
  });

  it('is defined by the ASL file', () => {
    const definition = onlyResourceOfType('AWS::StepFunctions::StateMachine').Properties.DefinitionString as string;
    for (const state of [
      'BuildContext',
      'Decide',
      'CheckPolicy',
      'IsPlanAllowed',
      'IsObserveOnly',
      'IsRecommendOnly',
      'NeedsApproval',
      'RequestApproval',
      'AcquireLease',
      'ScaleOutAsg',
      'VerifyRecovery',
      'IsHealthy',
      'RecordObservation',
      'RecommendPlan',
      'PlanRecommended',
      'EscalateIncident',
    ]) {
      expect(definition).toContain(`"${state}"`);
    }
    expect(JSON.parse(definition)).toEqual(asl);
  });

  it('substitutes every placeholder with the ARN of the function built from its directory', () => {
    const machine = onlyResourceOfType('AWS::StepFunctions::StateMachine');
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(substitutions).sort()).toEqual(WORKFLOW_FUNCTIONS.map((fn) => fn.substitutionKey).sort());

    const placeholders = [...(machine.Properties.DefinitionString as string).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    expect(new Set(placeholders)).toEqual(new Set(Object.keys(substitutions)));

    for (const { id, substitutionKey } of WORKFLOW_FUNCTIONS) {
      const fn = synthesized.stack.selfHealing.workflowFunctions[id];
      expect(substitutions[substitutionKey]).toEqual(resolve(fn.functionArn));
      expect(functionResource(fn).Type).toBe('AWS::Lambda::Function');
    }
  });

  it('may invoke exactly the workflow functions, by unqualified ARN', () => {
    const machineRoleArn = onlyResourceOfType('AWS::StepFunctions::StateMachine').Properties.RoleArn;
    const machineRoleId = machineRoleArn['Fn::GetAtt'][0] as string;
    const invokes = statementsOf(
      synthesized.template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: machineRoleId }] } }) as Record<string, Resource>,
    ).filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
    expect(invokes).toHaveLength(1);
    const expected = WORKFLOW_FUNCTIONS.map(({ id }) => resolve(synthesized.stack.selfHealing.workflowFunctions[id].functionArn));
    expect(invokes[0]!.Resource).toEqual(expect.arrayContaining(expected));
    expect(invokes[0]!.Resource).toHaveLength(expected.length);
  });
});

describe('state table', () => {
  it('has string pk/sk keys, on-demand billing, TTL on `ttl`, PITR and KMS encryption, and is retained', () => {
    const table = onlyResourceOfType('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key means SSE-KMS with the AWS-managed key `alias/aws/dynamodb`.
      SSESpecification: { SSEEnabled: true },
    });
  });
});

/** The EventBridge rule whose pattern matches events of `source`; there is exactly one. */
function ruleFor(source: string, from: SynthesizedStack = synthesized): Resource {
  const rules = Object.values(resourcesOfType('AWS::Events::Rule', from)).filter((rule) => rule.Properties.EventPattern.source?.includes(source));
  expect(rules).toHaveLength(1);
  return rules[0]!;
}

describe('alarm intake', () => {
  it('has one rule for alarms, with log groups declared one for log detections, and one for finished runs (reports)', () => {
    expect(Object.keys(resourcesOfType('AWS::Events::Rule'))).toHaveLength(3);
    ruleFor('aws.cloudwatch');
    ruleFor('self-healing.logs');
    ruleFor('aws.states');
  });

  it('matches ALARM state changes of exactly the registered alarms', () => {
    const rule = ruleFor('aws.cloudwatch');
    const alarmArn = (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      resources: ['web-cpu-high', 'web-latency-high', 'api-cpu-high'].map(alarmArn),
      detail: { state: { value: ['ALARM'] } },
    });
  });

  it('invokes the intake function with retries and a dead-letter queue', () => {
    const rule = ruleFor('aws.cloudwatch');
    const queueArn = resolve(synthesized.stack.selfHealing.deadLetterQueue.queueArn);
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: resolve(synthesized.stack.selfHealing.intakeFunction.functionArn),
        DeadLetterConfig: { Arn: queueArn },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
      }),
    ]);
    synthesized.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: resolve(synthesized.stack.selfHealing.intakeFunction.functionName),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
  });

  it('keeps failures in an encrypted, TLS-only queue and alarms as soon as one arrives', () => {
    synthesized.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    synthesized.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [resolve(synthesized.stack.selfHealing.topic.topicArn)],
    });
  });
});

describe('notifications', () => {
  it('uses a KMS-encrypted topic with an email subscription that has a redrive policy', () => {
    synthesized.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    synthesized.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    synthesized.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      RedrivePolicy: { deadLetterTargetArn: resolve(synthesized.stack.selfHealing.deadLetterQueue.queueArn) },
    });
  });
});

describe('functions', () => {
  it('all run Node.js 24 on arm64 with tracing, explicit memory and their own log group', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    // The workflow's functions, the intake function, the approval callback, (log groups are declared) the log intake and the report writer; nothing else.
    const { selfHealing } = synthesized.stack;
    const logIntakeId = logicalIdOf(selfHealing.logIntake!.function);
    const expectedIds = [
      ...WORKFLOW_FUNCTIONS.map(({ id }) => logicalIdOf(selfHealing.workflowFunctions[id])),
      logicalIdOf(selfHealing.intakeFunction as never),
      logicalIdOf(selfHealing.approvals.callbackFunction),
      logIntakeId,
      logicalIdOf(selfHealing.incidentReports!.function),
    ];
    expect(expectedIds).toHaveLength(18);
    expect(Object.keys(functions).sort()).toEqual(expectedIds.sort());
    for (const [logicalId, fn] of Object.entries(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        // The log intake decompresses batches of up to 10 MiB and runs every line through the signatures.
        MemorySize: logicalId === logIntakeId ? 512 : 256,
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
      });
    }
    for (const group of Object.values(resourcesOfType('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });

  it('time out before every ASL state that calls them', () => {
    const stateTimeouts = new Map<string, number>();
    const waitingStates = new Map<string, AslState>();
    for (const [name, state] of Object.entries(asl.States)) {
      const key = calledFunctionKey(state);
      if (key === undefined) continue;
      if (state.TimeoutSeconds !== undefined) {
        stateTimeouts.set(key, Math.min(stateTimeouts.get(key) ?? Infinity, state.TimeoutSeconds));
      } else {
        // Only a callback task may time out by path: its timeout is how long a human may take.
        expect(state.Resource, `${name} calls ${key} with neither TimeoutSeconds nor a callback`).toBe(
          'arn:aws:states:::lambda:invoke.waitForTaskToken',
        );
        expect(state.TimeoutSecondsPath, `${name} calls ${key} without a timeout`).toBeDefined();
        waitingStates.set(key, state);
      }
    }

    for (const { id, substitutionKey } of WORKFLOW_FUNCTIONS) {
      const timeout = functionResource(synthesized.stack.selfHealing.workflowFunctions[id]).Properties.Timeout as number;
      expect(stateTimeouts.has(substitutionKey) || waitingStates.has(substitutionKey), `no state calls ${id}`).toBe(true);
      if (stateTimeouts.has(substitutionKey)) expect(timeout, id).toBeLessThan(stateTimeouts.get(substitutionKey)!);
      if (waitingStates.has(substitutionKey)) expect(timeout, id).toBeLessThan(30);
    }

    expect([...waitingStates.keys()]).toEqual(['RequestApprovalFunctionArn']);
    const requestApproval = asl.States.RequestApproval!;
    expect(waitingStates.get('RequestApprovalFunctionArn')).toBe(requestApproval);
    // The path names the scope's approval timeout, whose shortest allowed value outlasts the function.
    expect(requestApproval.TimeoutSecondsPath).toBe('$.context.limits.approvalTimeoutSeconds');
    const shortestApproval = AutoScalingGroupScopeSchema.shape.approvalTimeoutSeconds.unwrap().minValue!;
    expect(functionResource(synthesized.stack.selfHealing.workflowFunctions.RequestApproval).Properties.Timeout).toBeLessThan(shortestApproval);
    // Lambda errors are retried; a rejection, the timeout or any other failure escalates.
    expect(requestApproval.Retry?.length).toBeGreaterThan(0);
    expect(requestApproval.Retry!.flatMap((retry) => retry.ErrorEquals)).toEqual(
      expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']),
    );
    const caught = new Map(requestApproval.Catch!.flatMap((c) => c.ErrorEquals.map((error) => [error, c.Next] as const)));
    expect(caught.get('ApprovalRejected')).toBe('EscalateIncident');
    expect(caught.get('States.Timeout')).toBe('EscalateIncident');
    expect(caught.get('States.ALL')).toBe('EscalateIncident');
  });

  it('get exactly the environment variables their handlers read', () => {
    const shared = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'NODE_OPTIONS'];
    const expected: Record<string, string[]> = {
      BuildContext: ['TABLE_NAME', 'RESOURCE_SCOPE'],
      // RUNBOOKS_JSON is embedded in the bundle (esbuild `define`), not passed as a variable.
      Decide: ['BEDROCK_MODEL_ID', 'BEDROCK_MAX_TOKENS', 'BEDROCK_TIMEOUT_MS', 'DECISION_MIN_CONFIDENCE', 'DECISION_MAX_PROMPT_CHARS'],
      CheckPolicy: ['RESOURCE_SCOPE'],
      RequestApproval: ['TABLE_NAME', 'TOPIC_ARN', 'APPROVAL_KEY_ID', 'APPROVAL_URL'],
      AcquireLease: ['TABLE_NAME'],
      // NOTIFICATION_TOPIC_ARN: the functions that announce what they did (best effort).
      ScaleOutAsg: ['TABLE_NAME', 'RESOURCE_SCOPE', 'NOTIFICATION_TOPIC_ARN'],
      // No web ACL registered: no WAF_SETTINGS (see waf-and-eks.test.ts for a stack with one).
      BlockIpInWaf: ['TABLE_NAME', 'RESOURCE_SCOPE', 'NOTIFICATION_TOPIC_ARN'],
      ActOnEks: ['TABLE_NAME', 'RESOURCE_SCOPE', 'NOTIFICATION_TOPIC_ARN'],
      // NODE_EXTRA_CA_CERTS: TLS to RDS, verified against the RDS certificate authorities the runtime ships.
      InspectPostgres: ['RESOURCE_SCOPE', 'NODE_EXTRA_CA_CERTS'],
      CreatePostgresIndex: ['TABLE_NAME', 'RESOURCE_SCOPE', 'NOTIFICATION_TOPIC_ARN', 'NODE_EXTRA_CA_CERTS'],
      VerifyRecovery: ['RESOURCE_SCOPE'],
      RecordAttemptResult: ['TABLE_NAME', 'NOTIFICATION_TOPIC_ARN'],
      RecordOutcome: ['TABLE_NAME', 'NOTIFICATION_TOPIC_ARN'],
      EscalateIncident: ['TABLE_NAME', 'TOPIC_ARN'],
    };
    expect(Object.keys(expected).sort()).toEqual(WORKFLOW_FUNCTIONS.map(({ id }) => id).sort());
    const names = (fn: Construct) => Object.keys(variablesOf(fn)).sort();
    for (const { id } of WORKFLOW_FUNCTIONS) {
      expect(names(synthesized.stack.selfHealing.workflowFunctions[id]), id).toEqual([...shared, ...expected[id]!].sort());
    }
    expect(names(synthesized.stack.selfHealing.intakeFunction as never)).toEqual(
      [...shared, 'TABLE_NAME', 'STATE_MACHINE_ARN', 'RESOURCE_SCOPE', 'NOTIFICATION_TOPIC_ARN'].sort(),
    );
    expect(names(synthesized.stack.selfHealing.approvals.callbackFunction)).toEqual([...shared, 'TABLE_NAME', 'APPROVAL_KEY_ID'].sort());
  });

  it('give Decide the default model and decision limits, with the model timing out well before the function', () => {
    const decide = synthesized.stack.selfHealing.workflowFunctions.Decide;
    expect(variablesOf(decide)).toMatchObject({
      BEDROCK_MODEL_ID: DEFAULT_MODEL_ID,
      BEDROCK_MAX_TOKENS: '1024',
      BEDROCK_TIMEOUT_MS: '20000',
      DECISION_MIN_CONFIDENCE: '0.6',
      DECISION_MAX_PROMPT_CHARS: '16000',
    });
    expect(DEFAULT_MODEL_ID).toBe('global.anthropic.claude-sonnet-4-6');
    expect(Number(variablesOf(decide).BEDROCK_TIMEOUT_MS)).toBeLessThan(functionResource(decide).Properties.Timeout * 1_000);
  });
});

describe('RESOURCE_SCOPE', () => {
  it('parses with ScopeSchema and carries the configured limits and defaults', () => {
    const scopes = Object.values(resourcesOfType('AWS::Lambda::Function'))
      .map((fn) => fn.Properties.Environment.Variables.RESOURCE_SCOPE)
      .filter((value): value is string => value !== undefined);
    // Intake, BuildContext, CheckPolicy, ScaleOutAsg, BlockIpInWaf, ActOnEks, InspectPostgres, CreatePostgresIndex
    // and VerifyRecovery: the functions that call parseScope.
    expect(scopes).toHaveLength(9);
    expect(new Set(scopes).size).toBe(1);
    const { workflowFunctions } = synthesized.stack.selfHealing;
    for (const fn of [
      workflowFunctions.BuildContext,
      workflowFunctions.CheckPolicy,
      workflowFunctions.ScaleOutAsg,
      workflowFunctions.BlockIpInWaf,
      workflowFunctions.ActOnEks,
      workflowFunctions.VerifyRecovery,
    ]) {
      expect(variablesOf(fn).RESOURCE_SCOPE).toBe(scopes[0]);
    }

    const expected = {
      mode: 'auto',
      resources: [
        {
          kind: 'autoscaling-group',
          name: 'web',
          alarmNames: ['web-cpu-high', 'web-latency-high'],
          dependentAlarmNames: [],
          maxStep: 3,
          maxCapacity: 12,
          maxAttempts: 4,
          leaseSeconds: 45 * 60,
          cooldownSeconds: 20 * 60,
          verifyAfterSeconds: 240,
          autonomy: { scaleOutAsg: 'approve' },
          dependencies: ['waf-ip-set/REGIONAL/web-blocklist'],
          logGroupNames: ['/ecs/web', '/ecs/web-proxy'],
          relatedMetrics: [
            { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/0123456789abcdef' }, stat: 'p99' },
          ],
          approvalTimeoutSeconds: 30 * 60,
          flapGuard: { attemptBudget: 3, budgetWindowSeconds: 21_600, circuitFailureThreshold: 3, maxCooldownSeconds: 21_600 },
        },
        {
          kind: 'autoscaling-group',
          name: 'api',
          alarmNames: ['api-cpu-high'],
          dependentAlarmNames: [],
          maxStep: 2,
          maxAttempts: 3,
          leaseSeconds: 30 * 60,
          cooldownSeconds: 15 * 60,
          verifyAfterSeconds: 300,
          autonomy: {},
          dependencies: [],
          logGroupNames: [],
          relatedMetrics: [],
          approvalTimeoutSeconds: 3_600,
          flapGuard: { attemptBudget: 3, budgetWindowSeconds: 21_600, circuitFailureThreshold: 3, maxCooldownSeconds: 21_600 },
        },
      ],
      autonomy: { blockIpInWaf: 'recommend' },
      guardrails: { protectedCidrs: ['203.0.113.0/24', '2001:db8::/32'], allowedNamespaces: ['web'] },
    };
    // Serialised with every default filled in, so the functions never depend on ScopeSchema's defaults…
    expect(JSON.parse(scopes[0]!)).toEqual(expected);
    // …and it is what the functions will parse.
    const scope = ScopeSchema.parse(JSON.parse(scopes[0]!));
    expect(scope).toEqual(expected);
    expect(synthesized.stack.selfHealing.resourceScope).toEqual(scope);
  });
});

describe('least privilege', () => {
  const allStatements = () => statementsOf(resourcesOfType('AWS::IAM::Policy'));

  it('scopes SetDesiredCapacity to the registered groups, in the ScaleOutAsg role only', () => {
    const grants = allStatements().filter((statement) => actionsOf(statement).some((a) => a.startsWith('autoscaling:Set')));
    expect(grants).toHaveLength(1);
    expect(actionsOf(grants[0]!)).toEqual(['autoscaling:SetDesiredCapacity']);
    const resources = [grants[0]!.Resource].flat();
    expect(resources).not.toContain('*');
    const groupNames = resources.map((resource) => JSON.stringify(resource).match(/:autoScalingGroup:\*:autoScalingGroupName\/([\w-]+)"/)?.[1]);
    expect(groupNames.sort()).toEqual(['api', 'web']);

    const scaleOutRoleId = logicalIdOf(synthesized.stack.selfHealing.workflowFunctions.ScaleOutAsg.role);
    const owners = policiesGranting('autoscaling:SetDesiredCapacity');
    expect(owners).toHaveLength(1);
    expect(owners[0]!.Properties.Roles).toEqual([{ Ref: scaleOutRoleId }]);
  });

  it('grants "*" only to actions that support no resource-level permissions', () => {
    const unscopable =
      /^(xray:|autoscaling:Describe|logs:(Create|Get|Update|Delete|List)LogDelivery|logs:ListLogDeliveries|logs:PutResourcePolicy|logs:DescribeResourcePolicies|logs:DescribeLogGroups|cloudwatch:GetMetricData$|cloudtrail:LookupEvents$)/;
    for (const statement of allStatements()) {
      if ([statement.Resource].flat().includes('*')) {
        for (const action of actionsOf(statement)) expect(action).toMatch(unscopable);
      }
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*$/);
    }
  });

  it('keeps the unscoped context reads in a policy of their own, on the BuildContext role only', () => {
    const buildContext = synthesized.stack.selfHealing.workflowFunctions.BuildContext;
    const reads = ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities', 'cloudwatch:GetMetricData', 'cloudtrail:LookupEvents'];
    const owners = policiesGranting('cloudtrail:LookupEvents');
    expect(owners).toHaveLength(1);
    expect(owners[0]!.Properties.Roles).toEqual([{ Ref: logicalIdOf(buildContext.role) }]);
    expect(owners[0]!.Properties.PolicyDocument.Statement).toEqual([{ Action: expect.any(Array), Effect: 'Allow', Resource: '*' }]);
    expect([...owners[0]!.Properties.PolicyDocument.Statement[0].Action].sort()).toEqual(reads.sort());
    expect(policiesGranting('cloudwatch:GetMetricData')).toEqual(owners);
    expect(policiesGranting('autoscaling:DescribeScalingActivities')).toEqual(owners);
  });

  it('lets every idempotent step keep its Powertools Idempotency records in the state table, and no read-only step', () => {
    const functions = synthesized.stack.selfHealing.workflowFunctions;
    const tableActionsOf = (fn: { role: Construct }) =>
      new Set(statementsOfRole(fn).flatMap((statement) => actionsOf(statement)).filter((action) => action.startsWith('dynamodb:')));
    for (const id of ['AcquireLease', 'ScaleOutAsg', 'BlockIpInWaf', 'ActOnEks', 'RecordAttemptResult', 'RecordOutcome', 'EscalateIncident'] as const) {
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
        expect(tableActionsOf(functions[id]), `${id} ${action}`).toContain(action);
      }
    }
    expect([...tableActionsOf(functions.VerifyRecovery)]).toEqual([]);
  });

  it('scopes alarm reads to the registered alarms', () => {
    const reads = allStatements().filter((statement) => actionsOf(statement).some((a) => a.startsWith('cloudwatch:Describe')));
    expect(reads).toHaveLength(2);
    const expected = ['web-cpu-high', 'web-latency-high', 'api-cpu-high'].map((name) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`);
    for (const statement of reads) {
      expect([statement.Resource].flat().map((resource) => resolve(resource)).sort()).toEqual(expected.sort());
    }
    const { BuildContext, VerifyRecovery } = synthesized.stack.selfHealing.workflowFunctions;
    const alarmReadsOf = (fn: typeof BuildContext) =>
      statementsOfRole(fn)
        .filter((statement) => actionsOf(statement).some((a) => a.startsWith('cloudwatch:Describe')))
        .map((statement) => actionsOf(statement).sort());
    expect(alarmReadsOf(BuildContext)).toEqual([['cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms']]);
    // Verification reads each alarm's history since the action, to see a flap it would otherwise miss.
    expect(alarmReadsOf(VerifyRecovery)).toEqual([['cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms']]);
  });

  it('scopes FilterLogEvents to the declared log groups, in the BuildContext role only', () => {
    const grants = allStatements().filter((statement) => actionsOf(statement).some((a) => a.startsWith('logs:FilterLogEvents')));
    expect(grants).toHaveLength(1);
    expect(actionsOf(grants[0]!)).toEqual(['logs:FilterLogEvents']);
    expect([grants[0]!.Resource].flat().map(arnText).sort()).toEqual(
      ['/ecs/web', '/ecs/web-proxy'].map((name) => `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${name}:*`).sort(),
    );
    const owners = policiesGranting('logs:FilterLogEvents');
    expect(owners).toHaveLength(1);
    expect(owners[0]!.Properties.Roles).toEqual([{ Ref: logicalIdOf(synthesized.stack.selfHealing.workflowFunctions.BuildContext.role) }]);
  });
});

describe('Bedrock', () => {
  it('lets Decide, and only Decide, invoke exactly the default model through its inference profile', () => {
    const grants = allBedrockStatements(synthesized);
    expect(grants).toHaveLength(1);
    expect(actionsOf(grants[0]!)).toEqual(['bedrock:InvokeModel']);
    expect([grants[0]!.Resource].flat().map(arnText)).toEqual([
      'arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/global.anthropic.claude-sonnet-4-6',
      // The profile routes to the model in any region of its geography; the model id stays pinned.
      'arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-sonnet-4-6',
      'arn:<AWS::Partition>:bedrock:::foundation-model/anthropic.claude-sonnet-4-6',
    ]);
    const owners = policiesGranting('bedrock:InvokeModel');
    expect(owners).toHaveLength(1);
    expect(owners[0]!.Properties.Roles).toEqual([{ Ref: logicalIdOf(synthesized.stack.selfHealing.workflowFunctions.Decide.role) }]);
  });
});

function allBedrockStatements(from: SynthesizedStack): Statement[] {
  return statementsOf(resourcesOfType('AWS::IAM::Policy', from)).filter((statement) =>
    actionsOf(statement).some((action) => action.startsWith('bedrock:')),
  );
}

describe('with the model off in the config', () => {
  let runbooksOnly: SynthesizedStack;
  beforeAll(() => {
    runbooksOnly = synthesizeTestStack(RUNBOOKS_ONLY_CONFIG);
  });

  it('grants no Bedrock permission at all', () => {
    expect(allBedrockStatements(runbooksOnly)).toEqual([]);
    expect(JSON.stringify(runbooksOnly.template.toJSON())).not.toContain('bedrock');
  });

  it('tells Decide there is no model, and passes the configured confidence and timeout', () => {
    const decide = runbooksOnly.stack.selfHealing.workflowFunctions.Decide;
    expect(variablesOf(decide, runbooksOnly)).toMatchObject({
      BEDROCK_MODEL_ID: '',
      BEDROCK_MAX_TOKENS: '1024',
      BEDROCK_TIMEOUT_MS: '40000',
      DECISION_MIN_CONFIDENCE: '0.75',
      DECISION_MAX_PROMPT_CHARS: '16000',
    });
    // The longest timeout the config allows still leaves Decide time to fall back to the runbooks.
    expect(40_000).toBeLessThan(functionResource(decide, runbooksOnly).Properties.Timeout * 1_000);
  });

  it('grants no log reads when no group declares a log group', () => {
    expect(
      statementsOf(resourcesOfType('AWS::IAM::Policy', runbooksOnly)).filter((statement) => actionsOf(statement).includes('logs:FilterLogEvents')),
    ).toEqual([]);
  });

  it('still carries the default autonomy and guardrails in RESOURCE_SCOPE', () => {
    const scope = JSON.parse(variablesOf(runbooksOnly.stack.selfHealing.workflowFunctions.CheckPolicy, runbooksOnly).RESOURCE_SCOPE as string);
    expect(scope).toMatchObject({ mode: 'dry-run', autonomy: {}, guardrails: { protectedCidrs: [], allowedNamespaces: [] } });
  });
});

describe('approval gateway', () => {
  it('exposes the callback through one function URL, without IAM auth (the links carry KMS-verified signatures)', () => {
    synthesized.template.resourceCountIs('AWS::Lambda::Url', 1);
    synthesized.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: resolve(synthesized.stack.selfHealing.approvals.callbackFunction.functionArn),
    });
  });

  it('lets only the callback answer waiting tasks, and only of this state machine', () => {
    const grants = statementsOf(resourcesOfType('AWS::IAM::Policy')).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('states:SendTask')),
    );
    expect(grants).toHaveLength(1);
    expect(actionsOf(grants[0]!).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
    expect(grants[0]!.Resource).toEqual(resolve(synthesized.stack.selfHealing.stateMachine.stateMachineArn));

    const owners = policiesGranting('states:SendTaskSuccess');
    expect(owners).toHaveLength(1);
    expect(owners[0]!.Properties.Roles).toEqual([{ Ref: logicalIdOf(synthesized.stack.selfHealing.approvals.callbackFunction.role) }]);
  });

  it("points RequestApproval's links at the function URL and lets it sign, and the callback verify, with the HMAC key", () => {
    const { approvals, workflowFunctions, table, topic } = synthesized.stack.selfHealing;
    const requestApproval = workflowFunctions.RequestApproval;
    expect(variablesOf(requestApproval)).toMatchObject({
      APPROVAL_URL: { 'Fn::GetAtt': [logicalIdOf(approvals.functionUrl), 'FunctionUrl'] },
      APPROVAL_KEY_ID: resolve(approvals.key.keyArn),
      TABLE_NAME: resolve(table.tableName),
      TOPIC_ARN: resolve(topic.topicArn),
    });
    synthesized.template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });

    const macGrants = (action: string) =>
      policiesGranting(action).map((policy) => ({
        roles: policy.Properties.Roles,
        resources: (policy.Properties.PolicyDocument.Statement as Statement[]).filter((s) => actionsOf(s).includes(action)).map((s) => s.Resource),
      }));
    expect(macGrants('kms:GenerateMac')).toEqual([{ roles: [{ Ref: logicalIdOf(requestApproval.role) }], resources: [resolve(approvals.key.keyArn)] }]);
    expect(macGrants('kms:VerifyMac')).toEqual([
      { roles: [{ Ref: logicalIdOf(approvals.callbackFunction.role) }], resources: [resolve(approvals.key.keyArn)] },
    ]);

    const grants = statementsOfRole(requestApproval)
      .filter((statement) => !actionsOf(statement).some((action) => action.startsWith('xray:') || action.startsWith('logs:')))
      .map((statement) => actionsOf(statement).sort());
    expect(grants).toEqual([
      ['kms:GenerateMac'],
      // The pending approval, and the idempotency record keyed on the task token.
      ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ['sns:Publish'],
      ['kms:Decrypt', 'kms:GenerateDataKey'],
    ]);
  });
});
