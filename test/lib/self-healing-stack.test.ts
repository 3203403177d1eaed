import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScopeSchema } from '../../lambdas/shared/scope.js';
import { REMEDIATE_INCIDENT_ASL, WORKFLOW_FUNCTIONS } from '../../lib/workflow-functions.js';
import { synthesizeTestStack, type SynthesizedStack } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
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

function resourcesOfType(type: string): Record<string, Resource> {
  return synthesized.template.findResources(type) as Record<string, Resource>;
}

function onlyResourceOfType(type: string): Resource {
  const found = Object.values(resourcesOfType(type));
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The function resource behind a construct, by logical id. */
function functionResource(fn: { node: { defaultChild?: unknown } }): Resource {
  const logicalId = stack.getLogicalId(fn.node.defaultChild as never);
  return synthesized.template.toJSON().Resources[logicalId] as Resource;
}

function statementsOf(policies: Record<string, Resource>): { Action: string | string[]; Resource: unknown }[] {
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: { Action: string | string[] }) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

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
    for (const state of ['BuildContext', 'Decide', 'AcquireLease', 'ScaleOutAsg', 'VerifyRecovery', 'IsHealthy', 'EscalateIncident']) {
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

describe('alarm intake', () => {
  it('matches ALARM state changes of exactly the registered alarms', () => {
    const rule = onlyResourceOfType('AWS::Events::Rule');
    const alarmArn = (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      resources: ['web-cpu-high', 'web-latency-high', 'api-cpu-high'].map(alarmArn),
      detail: { state: { value: ['ALARM'] } },
    });
  });

  it('invokes the intake function with retries and a dead-letter queue', () => {
    const rule = onlyResourceOfType('AWS::Events::Rule');
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
    const functions = Object.values(resourcesOfType('AWS::Lambda::Function'));
    expect(functions).toHaveLength(WORKFLOW_FUNCTIONS.length + 1);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 256,
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
    for (const state of Object.values(asl.States)) {
      const key = state.Resource?.match(/^\$\{(\w+)\}$/)?.[1];
      if (key !== undefined) {
        expect(state.TimeoutSeconds, `a state calling ${key} has no TimeoutSeconds`).toBeDefined();
        stateTimeouts.set(key, Math.min(stateTimeouts.get(key) ?? Infinity, state.TimeoutSeconds!));
      }
    }
    for (const { id, substitutionKey } of WORKFLOW_FUNCTIONS) {
      const timeout = functionResource(synthesized.stack.selfHealing.workflowFunctions[id]).Properties.Timeout as number;
      expect(timeout, id).toBeLessThan(stateTimeouts.get(substitutionKey)!);
    }
  });

  it('get exactly the environment variables their handlers read', () => {
    const shared = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'NODE_OPTIONS'];
    const expected: Record<string, string[]> = {
      BuildContext: ['TABLE_NAME', 'RESOURCE_SCOPE'],
      Decide: ['RESOURCE_SCOPE'],
      AcquireLease: ['TABLE_NAME'],
      ScaleOutAsg: ['TABLE_NAME', 'RESOURCE_SCOPE'],
      VerifyRecovery: [],
      RecordOutcome: ['TABLE_NAME'],
      EscalateIncident: ['TABLE_NAME', 'TOPIC_ARN'],
    };
    const variablesOf = (fn: { node: { defaultChild?: unknown } }) =>
      Object.keys(functionResource(fn).Properties.Environment.Variables).sort();
    for (const { id } of WORKFLOW_FUNCTIONS) {
      expect(variablesOf(synthesized.stack.selfHealing.workflowFunctions[id]), id).toEqual([...shared, ...expected[id]!].sort());
    }
    expect(variablesOf(synthesized.stack.selfHealing.intakeFunction as never)).toEqual(
      [...shared, 'TABLE_NAME', 'STATE_MACHINE_ARN', 'RESOURCE_SCOPE'].sort(),
    );
  });
});

describe('RESOURCE_SCOPE', () => {
  it('parses with ScopeSchema and carries the configured limits and defaults', () => {
    const scopes = Object.values(resourcesOfType('AWS::Lambda::Function'))
      .map((fn) => fn.Properties.Environment.Variables.RESOURCE_SCOPE)
      .filter((value): value is string => value !== undefined);
    expect(scopes).toHaveLength(4);
    expect(new Set(scopes).size).toBe(1);

    const scope = ScopeSchema.parse(JSON.parse(scopes[0]!));
    expect(scope).toEqual({
      mode: 'auto',
      resources: [
        {
          kind: 'autoscaling-group',
          name: 'web',
          alarmNames: ['web-cpu-high', 'web-latency-high'],
          maxStep: 3,
          maxCapacity: 12,
          maxAttempts: 4,
          leaseSeconds: 45 * 60,
          cooldownSeconds: 20 * 60,
          verifyAfterSeconds: 240,
        },
        {
          kind: 'autoscaling-group',
          name: 'api',
          alarmNames: ['api-cpu-high'],
          maxStep: 2,
          maxAttempts: 3,
          leaseSeconds: 30 * 60,
          cooldownSeconds: 15 * 60,
          verifyAfterSeconds: 300,
        },
      ],
    });
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

    const scaleOutRoleId = stack.getLogicalId(synthesized.stack.selfHealing.workflowFunctions.ScaleOutAsg.role.node.defaultChild as never);
    const owner = Object.values(resourcesOfType('AWS::IAM::Policy')).find((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).some((s) => actionsOf(s).includes('autoscaling:SetDesiredCapacity')),
    );
    expect(owner!.Properties.Roles).toEqual([{ Ref: scaleOutRoleId }]);
  });

  it('grants "*" only to actions that support no resource-level permissions', () => {
    const unscopable = /^(xray:|autoscaling:Describe|logs:(Create|Get|Update|Delete|List)LogDelivery|logs:ListLogDeliveries|logs:PutResourcePolicy|logs:DescribeResourcePolicies|logs:DescribeLogGroups)/;
    for (const statement of allStatements()) {
      if ([statement.Resource].flat().includes('*')) {
        for (const action of actionsOf(statement)) expect(action).toMatch(unscopable);
      }
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*$/);
    }
  });

  it('scopes alarm reads to the registered alarms', () => {
    const reads = allStatements().filter((statement) => actionsOf(statement).some((a) => a.startsWith('cloudwatch:Describe')));
    expect(reads).toHaveLength(2);
    const expected = ['web-cpu-high', 'web-latency-high', 'api-cpu-high'].map((name) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`);
    for (const statement of reads) {
      expect([statement.Resource].flat().map((resource) => resolve(resource)).sort()).toEqual(expected.sort());
    }
  });
});
