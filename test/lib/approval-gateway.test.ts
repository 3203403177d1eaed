import { Duration, type PolicyViolation, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks, NagPack, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ApprovalGateway } from '../../lib/approval-gateway.js';
import { NotificationTopic } from '../../lib/notification-topic.js';
import { RemediationFunction } from '../../lib/remediation-function.js';
import { StateTable } from '../../lib/state-table.js';
import { acknowledgementsIn, testApp } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/**
 * The approval gateway in a minimal stack: a state table, an encrypted
 * topic, a stand-in state machine, and a RequestApproval function wired
 * with `configureRequestApproval`, as `SelfHealing` wires its own.
 */
function buildStack() {
  const app = testApp();
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const table = new StateTable(stack, 'StateTable');
  const topic = new NotificationTopic(stack, 'Notifications').topic;
  const stateMachine = new sfn.StateMachine(stack, 'Workflow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Wait')),
  });
  const gateway = new ApprovalGateway(stack, 'Approvals', { table, topic, stateMachine });
  const requestApproval = new RemediationFunction(stack, 'RequestApproval', {
    directory: 'request-approval',
    description: 'Sends a plan for approval',
    timeout: Duration.seconds(25),
  });
  gateway.configureRequestApproval(requestApproval);
  // As SelfHealing does for every function the state machine calls.
  Validations.of(requestApproval).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason: 'Only the state machine invokes this function, synchronously; its Retry and Catch handle failures.',
  });
  return { app, stack, table, topic, stateMachine, gateway, requestApproval, template: Template.fromStack(stack) };
}

let built: ReturnType<typeof buildStack>;
let ref: (construct: { node: { defaultChild?: unknown } }) => string;

beforeAll(() => {
  built = buildStack();
  ref = (construct) => built.stack.getLogicalId(construct.node.defaultChild as never);
});

/** Every statement of the policies attached to a function's role. */
function statementsOf(fn: RemediationFunction): Statement[] {
  const roleId = built.stack.getLogicalId(fn.role.node.defaultChild as never);
  const policies = built.template.findResources('AWS::IAM::Policy') as Record<string, Resource>;
  return Object.values(policies)
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).sort();

/** Actions by resource, without the logs and X-Ray statements every function has. */
function grantsOf(fn: RemediationFunction): { actions: string[]; resource: unknown }[] {
  return statementsOf(fn)
    .filter((statement) => !actionsOf(statement).some((action) => action.startsWith('xray:') || action.startsWith('logs:')))
    .map((statement) => ({ actions: actionsOf(statement), resource: statement.Resource }));
}

const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });

function describeViolations(violations: PolicyViolation[]): string {
  return violations
    .map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)
    .join('\n');
}

describe('ApprovalGateway', () => {
  it('signs with a KMS HMAC-SHA-256 key used only to generate and verify MACs', () => {
    built.template.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
      EnableKeyRotation: Match.absent(),
    });
    expect(built.stack.resolve(built.gateway.key.keyArn)).toEqual(getAtt(ref(built.gateway.key)));
  });

  it('exposes the callback through a function URL that only the URL may invoke, without IAM auth', () => {
    const callbackId = ref(built.gateway.callbackFunction);
    built.template.resourceCountIs('AWS::Lambda::Url', 1);
    built.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: getAtt(callbackId) });

    const permissions = Object.values(built.template.findResources('AWS::Lambda::Permission') as Record<string, Resource>).map(
      (permission) => permission.Properties,
    );
    expect(permissions).toEqual([
      { Action: 'lambda:InvokeFunctionUrl', FunctionName: getAtt(callbackId), FunctionUrlAuthType: 'NONE', Principal: '*' },
      { Action: 'lambda:InvokeFunction', FunctionName: getAtt(callbackId), InvokedViaFunctionUrl: true, Principal: '*' },
    ]);
  });

  it('lets the callback verify MACs, read and update the table, and answer tasks of this state machine only', () => {
    expect(grantsOf(built.gateway.callbackFunction)).toEqual([
      { actions: ['kms:VerifyMac'], resource: getAtt(ref(built.gateway.key)) },
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: getAtt(ref(built.table)) },
      { actions: ['states:SendTaskFailure', 'states:SendTaskSuccess'], resource: { Ref: ref(built.stateMachine) } },
    ]);
  });

  it('gives the callback its table and key, and no secret', () => {
    const callback = built.template.toJSON().Resources[ref(built.gateway.callbackFunction)] as Resource;
    expect(callback.Properties.Environment.Variables).toMatchObject({
      TABLE_NAME: { Ref: ref(built.table) },
      APPROVAL_KEY_ID: getAtt(ref(built.gateway.key)),
    });
    expect(callback.Properties.Environment.Variables.APPROVAL_URL).toBeUndefined();
  });
});

describe('configureRequestApproval', () => {
  it('lets RequestApproval generate MACs, put the pending approval (and its idempotency record) and publish to the encrypted topic, nothing more', () => {
    expect(grantsOf(built.requestApproval)).toEqual([
      { actions: ['kms:GenerateMac'], resource: getAtt(ref(built.gateway.key)) },
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: getAtt(ref(built.table)) },
      { actions: ['sns:Publish'], resource: { Ref: ref(built.topic as never) } },
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resource: getAtt(expect.stringMatching(/^NotificationsKey/) as never) },
    ]);
  });

  it('hands over the table, topic, key and the callback URL', () => {
    const fn = built.template.toJSON().Resources[ref(built.requestApproval)] as Resource;
    expect(fn.Properties.Environment.Variables).toMatchObject({
      TABLE_NAME: { Ref: ref(built.table) },
      TOPIC_ARN: { Ref: ref(built.topic as never) },
      APPROVAL_KEY_ID: getAtt(ref(built.gateway.key)),
      APPROVAL_URL: getAtt(ref(built.gateway.functionUrl), 'FunctionUrl'),
    });
  });

  it('keeps the callback independent of RequestApproval, so the state machine can depend on both', () => {
    const callback = JSON.stringify(built.template.toJSON().Resources[ref(built.gateway.callbackFunction)]);
    expect(callback).not.toContain(ref(built.requestApproval));
  });
});

describe('cdk-nag on the approval constructs', () => {
  const ours = (path: string | undefined) => path !== undefined && (path.startsWith('Test/Approvals/') || path.startsWith('Test/RequestApproval'));

  it.each([
    ['AwsSolutions', () => new AwsSolutionsChecks(built.app)],
    ['Serverless', () => new ServerlessChecks(built.app)],
  ])('%s reports no unacknowledged finding', (_pack, createPack) => {
    const violations = createPack()
      .validateScope(built.app)
      .violations.map((violation) => ({ ...violation, violatingResources: violation.violatingResources.filter((r) => ours(r.constructPath)) }))
      .filter((violation) => violation.violatingResources.length > 0);
    expect(violations, describeViolations(violations)).toEqual([]);
  });

  it('every acknowledgement in the gateway still silences a finding, and says why', () => {
    const spy = vi.spyOn(NagPack.prototype as any, 'isAcknowledged').mockReturnValue(false);
    let findings: { ruleName: string; path: string }[];
    try {
      findings = [new AwsSolutionsChecks(built.app), new ServerlessChecks(built.app)].flatMap((pack) =>
        pack.validateScope(built.app).violations.flatMap((violation) =>
          violation.violatingResources.map((resource) => ({ ruleName: violation.ruleName, path: resource.constructPath ?? '' })),
        ),
      );
    } finally {
      spy.mockRestore();
    }
    const acknowledgements = acknowledgementsIn(built.gateway);
    expect(acknowledgements.map(({ id }) => id).sort()).toEqual(['AwsSolutions-IAM5[Resource::*]', 'Serverless-LambdaDLQ']);
    for (const { id, path, reason } of acknowledgements) {
      expect(findings.some((finding) => finding.ruleName === id && (finding.path === path || finding.path.startsWith(`${path}/`))), `${id} at ${path}`).toBe(true);
      expect(reason.length).toBeGreaterThanOrEqual(40);
    }
  });
});
