import { readFileSync } from 'node:fs';
import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ScopeSchema } from '../../lambdas/shared/scope.js';
import { parseWafSettings } from '../../lambdas/shared/waf/waf-settings.js';
import { EKS_READER_GROUP, EKS_REMEDIATOR_GROUP, eksRbacManifest } from '../../lib/eks-access.js';
import { InvalidResourceScopeError } from '../../lib/resource-scope.js';
import { SelfHealing, type SelfHealingProps } from '../../lib/self-healing.js';
import { EXPIRY_RETRY_POLICY } from '../../lib/waf-block-expiry.js';
import { WORKFLOW_FUNCTIONS } from '../../lib/workflow-functions.js';
import { EKS_AND_WAF_CONFIG, SITE_IP_SET, synthesizeTestStack, testStack, type SynthesizedStack } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
type Construct = { node: { defaultChild?: unknown } };

const actionsOf = (statement: Statement) => [statement.Action].flat().sort();

/**
 * A CloudFormation value as text: `Ref` as `<Id>`, `Fn::GetAtt` as `<Id.Attr>`, `Fn::Join` joined,
 * pseudo parameters as cdk-nag writes them (`<AWS::Region>`).
 */
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

/** Everything about one synthesized stack the tests below ask. */
function inspect(synthesized: { stack: Stack; template: Template }) {
  const { stack, template } = synthesized;
  const logicalId = (construct: Construct) => stack.getLogicalId(construct.node.defaultChild as never);
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, Resource>;
  const statementsOfRole = (role: Construct): Statement[] =>
    Object.values(policies)
      .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === logicalId(role)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  /** The roles (logical ids) holding a statement that grants `action`, and the statement's resources as text. */
  const grantsOf = (action: string) =>
    Object.values(policies).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[])
        .filter((statement) => actionsOf(statement).includes(action))
        .map((statement) => ({
          roles: (policy.Properties.Roles as { Ref: string }[]).map((ref) => ref.Ref),
          resources: [statement.Resource].flat().map(render).sort(),
          condition: statement.Condition,
        })),
    );
  const variablesOf = (fn: Construct): Record<string, unknown> =>
    (template.toJSON().Resources[logicalId(fn)] as Resource).Properties.Environment.Variables;
  return { stack, template, logicalId, statementsOfRole, grantsOf, variablesOf };
}

/** `WAF_SETTINGS` as the function will read it, references written as `<LogicalId.Attr>`. */
function wafSettingsOf(value: unknown) {
  return parseWafSettings(render(value));
}

describe('a stack with one EKS Deployment and one web ACL (and no Auto Scaling group)', () => {
  let synthesized: SynthesizedStack;
  let view: ReturnType<typeof inspect>;
  let selfHealing: SelfHealing;

  beforeAll(() => {
    synthesized = synthesizeTestStack(EKS_AND_WAF_CONFIG);
    view = inspect(synthesized);
    selfHealing = synthesized.stack.selfHealing;
  });

  const scheduleArns = () => `arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${selfHealing.wafBlockExpiry!.scheduleGroupName}/*`;
  const roleId = (fn: { role: Construct }) => view.logicalId(fn.role);

  describe('WAF', () => {
    it('lets BlockIpInWaf and ExpireIpBlock, and nothing else, read and update exactly the declared IP set', () => {
      const expire = selfHealing.wafBlockExpiry!.function;
      const expected = [roleId(selfHealing.workflowFunctions.BlockIpInWaf), roleId(expire)].sort().map((role) => ({ roles: [role], resources: [SITE_IP_SET.arn] }));
      for (const action of ['wafv2:GetIPSet', 'wafv2:UpdateIPSet']) {
        const grants = view.grantsOf(action).map(({ roles, resources }) => ({ roles, resources }));
        expect(grants.sort((a, b) => a.roles[0]!.localeCompare(b.roles[0]!))).toEqual(expected);
      }
      const wafActions = Object.values(synthesized.template.findResources('AWS::IAM::Policy'))
        .flatMap((policy) => (policy as Resource).Properties.PolicyDocument.Statement as Statement[])
        .flatMap(actionsOf)
        .filter((action) => action.startsWith('wafv2:'));
      expect([...new Set(wafActions)].sort()).toEqual(['wafv2:GetIPSet', 'wafv2:UpdateIPSet']);
    });

    it('creates one schedule group and scopes the Scheduler calls to its schedules', () => {
      synthesized.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
      synthesized.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: selfHealing.wafBlockExpiry!.scheduleGroupName });
      expect(selfHealing.wafBlockExpiry!.scheduleGroupName).toMatch(/^[0-9A-Za-z-_.]{1,64}$/);

      const blockFn = selfHealing.workflowFunctions.BlockIpInWaf;
      const expireFn = selfHealing.wafBlockExpiry!.function;
      const block = roleId(blockFn);
      const expire = roleId(expireFn);
      const schedulerGrants = (fn: typeof blockFn) =>
        view
          .statementsOfRole(fn.role)
          .filter((statement) => actionsOf(statement).some((action) => action.startsWith('scheduler:')))
          .map((statement) => ({ actions: actionsOf(statement), resources: [statement.Resource].flat().map(render) }));
      expect(schedulerGrants(blockFn)).toEqual([
        { actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'], resources: [scheduleArns()] },
      ]);
      expect(schedulerGrants(expireFn)).toEqual([{ actions: ['scheduler:DeleteSchedule', 'scheduler:GetSchedule'], resources: [scheduleArns()] }]);
      // No other role may touch schedules.
      expect(view.grantsOf('scheduler:DeleteSchedule').flatMap(({ roles }) => roles).sort()).toEqual([block, expire].sort());
      expect(view.grantsOf('scheduler:CreateSchedule').flatMap(({ roles }) => roles)).toEqual([block]);
    });

    it('lets only BlockIpInWaf pass exactly the scheduler role, and only to EventBridge Scheduler', () => {
      const schedulerRole = selfHealing.wafBlockExpiry!.schedulerRole;
      expect(view.grantsOf('iam:PassRole')).toEqual([
        {
          roles: [roleId(selfHealing.workflowFunctions.BlockIpInWaf)],
          resources: [`<${view.logicalId(schedulerRole)}.Arn>`],
          condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
    });

    it('gives the scheduler role to EventBridge Scheduler of this account and group only, to invoke ExpireIpBlock and write to its DLQ, nothing else', () => {
      const expiry = selfHealing.wafBlockExpiry!;
      synthesized.template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: {
                  'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                  'aws:SourceArn': { 'Fn::GetAtt': [view.logicalId(expiry.scheduleGroup), 'Arn'] },
                },
              },
            },
          ],
        },
      });
      expect(view.statementsOfRole(expiry.schedulerRole).map((statement) => ({ actions: actionsOf(statement), resources: [statement.Resource].flat().map(render) }))).toEqual([
        { actions: ['lambda:InvokeFunction'], resources: [`<${view.logicalId(expiry.function)}.Arn>`] },
        { actions: ['sqs:SendMessage'], resources: [`<${view.logicalId(expiry.deadLetterQueue)}.Arn>`] },
      ]);
    });

    it('hands both WAF functions the same WAF_SETTINGS: the IP set, the caps, and the schedule target, role and DLQ', () => {
      const expiry = selfHealing.wafBlockExpiry!;
      const block = view.variablesOf(selfHealing.workflowFunctions.BlockIpInWaf);
      const expire = view.variablesOf(expiry.function);
      expect(Object.keys(block).sort()).toEqual(['NODE_OPTIONS', 'NOTIFICATION_TOPIC_ARN', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'RESOURCE_SCOPE', 'TABLE_NAME', 'WAF_SETTINGS']);
      // The expiry announces nothing: only BlockIpInWaf gets the notification topic.
      expect(Object.keys(expire).sort()).toEqual(Object.keys(block).filter((name) => name !== 'NOTIFICATION_TOPIC_ARN').sort());
      expect(expire.WAF_SETTINGS).toEqual(block.WAF_SETTINGS);
      expect(expire.RESOURCE_SCOPE).toEqual(block.RESOURCE_SCOPE);

      const settings = wafSettingsOf(block.WAF_SETTINGS);
      const functionName = view.template.toJSON().Resources[view.logicalId(expiry.function)].Properties.FunctionName as string;
      expect(settings).toEqual({
        ipSets: [{ ...SITE_IP_SET, scope: 'REGIONAL' }],
        limits: { maxPerHour: 10, maxTotal: 500 },
        schedule: {
          groupName: expiry.scheduleGroupName,
          // By name, not by reference: the function reads its own ARN.
          targetArn: `arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${functionName}`,
          roleArn: `<${view.logicalId(expiry.schedulerRole)}.Arn>`,
          // CreateSchedule's DeadLetterConfig and RetryPolicy.
          deadLetterArn: `<${view.logicalId(expiry.deadLetterQueue)}.Arn>`,
          retryPolicy: EXPIRY_RETRY_POLICY,
        },
      });
    });

    it('keeps failed expiries in an encrypted, TLS-only queue, alarmed at the first message, with Lambda retries first', () => {
      const expiry = selfHealing.wafBlockExpiry!;
      const queueId = view.logicalId(expiry.deadLetterQueue);
      expect(view.template.toJSON().Resources[queueId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
      synthesized.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [synthesized.stack.resolve(selfHealing.topic.topicArn)],
      });
      synthesized.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: view.logicalId(expiry.function) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
    });

    it('gives ExpireIpBlock the block ledger reads and conditional writes, and keeps it out of the state machine', () => {
      const expire = selfHealing.wafBlockExpiry!.function;
      const tableActions = view.statementsOfRole(expire.role).flatMap(actionsOf).filter((action) => action.startsWith('dynamodb:'));
      expect(tableActions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
      expect(WORKFLOW_FUNCTIONS.map(({ directory }) => directory)).not.toContain('expire-ip-block');
      const machineInvokes = view.grantsOf('lambda:InvokeFunction').filter(({ roles }) => roles.some((role) => role.includes('StateMachine')));
      expect(machineInvokes).toHaveLength(1);
      expect(machineInvokes[0]!.resources).not.toContain(`<${view.logicalId(expire)}.Arn>`);
    });
  });

  describe('EKS', () => {
    const clusterArn = 'arn:<AWS::Partition>:eks:<AWS::Region>:<AWS::AccountId>:cluster/prod';

    it('lets ActOnEks and BuildContext, and nothing else, describe exactly the declared cluster', () => {
      const grants = view.grantsOf('eks:DescribeCluster');
      expect(grants.map(({ roles }) => roles[0]).sort()).toEqual(
        [roleId(selfHealing.workflowFunctions.ActOnEks), roleId(selfHealing.workflowFunctions.BuildContext)].sort(),
      );
      for (const grant of grants) expect(grant.resources).toEqual([clusterArn]);
      const eksActions = Object.values(synthesized.template.findResources('AWS::IAM::Policy'))
        .flatMap((policy) => (policy as Resource).Properties.PolicyDocument.Statement as Statement[])
        .flatMap(actionsOf)
        .filter((action) => action.startsWith('eks:'));
      expect([...new Set(eksActions)]).toEqual(['eks:DescribeCluster']);
    });

    it('maps the ActOnEks role to the remediator group and the BuildContext role to the reader group, with no access policy', () => {
      const entries = Object.values(synthesized.template.findResources('AWS::EKS::AccessEntry') as Record<string, Resource>).map(
        (entry) => entry.Properties,
      );
      expect(entries).toHaveLength(2);
      expect(entries).toEqual(
        expect.arrayContaining([
          {
            ClusterName: 'prod',
            PrincipalArn: { 'Fn::GetAtt': [roleId(selfHealing.workflowFunctions.ActOnEks), 'Arn'] },
            Type: 'STANDARD',
            KubernetesGroups: [EKS_REMEDIATOR_GROUP],
          },
          {
            ClusterName: 'prod',
            PrincipalArn: { 'Fn::GetAtt': [roleId(selfHealing.workflowFunctions.BuildContext), 'Arn'] },
            Type: 'STANDARD',
            KubernetesGroups: [EKS_READER_GROUP],
          },
        ]),
      );
      for (const entry of entries) expect(entry.AccessPolicies).toBeUndefined();
    });
  });

  describe('alarms and logs', () => {
    const alarmArn = (name: string) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`;

    it('routes the targets’ own alarms to the intake, and not their dependent alarms', () => {
      synthesized.template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ resources: ['checkout-5xx-high', 'site-request-flood'].map(alarmArn) }),
      });
    });

    it('lets BuildContext and VerifyRecovery read every alarm and dependent alarm, each once', () => {
      const grants = view.grantsOf('cloudwatch:DescribeAlarms');
      expect(grants.map(({ roles }) => roles[0]).sort()).toEqual(
        [roleId(selfHealing.workflowFunctions.BuildContext), roleId(selfHealing.workflowFunctions.VerifyRecovery)].sort(),
      );
      for (const grant of grants) {
        expect(grant.resources).toEqual(['checkout-5xx-high', 'payments-db-connections-high', 'site-request-flood'].map(alarmArn).sort());
      }
    });

    it('lets BuildContext read the Deployment’s and the WAF’s log groups', () => {
      const [grant, ...others] = view.grantsOf('logs:FilterLogEvents');
      expect(others).toEqual([]);
      expect(grant!.roles).toEqual([roleId(selfHealing.workflowFunctions.BuildContext)]);
      expect(grant!.resources).toEqual(
        ['/aws/containerinsights/prod/application', 'aws-waf-logs-site'].map(
          (name) => `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${name}:*`,
        ),
      );
    });

    it('grants no scale-out when no group is registered', () => {
      expect(view.grantsOf('autoscaling:SetDesiredCapacity')).toEqual([]);
    });

    it('serialises both kinds into RESOURCE_SCOPE with their dependent alarms and block duration', () => {
      const scope = ScopeSchema.parse(JSON.parse(view.variablesOf(selfHealing.workflowFunctions.CheckPolicy).RESOURCE_SCOPE as string));
      expect(scope.resources).toEqual([
        expect.objectContaining({
          kind: 'eks-deployment',
          cluster: 'prod',
          namespace: 'payments',
          name: 'checkout',
          alarmNames: ['checkout-5xx-high'],
          dependentAlarmNames: ['payments-db-connections-high'],
          configMapDefaults: { 'checkout-config': { POOL_SIZE: '20' } },
        }),
        expect.objectContaining({
          kind: 'waf-web-acl',
          name: 'site',
          scope: 'REGIONAL',
          ipSetName: 'site-blocklist',
          blockMinutes: 30,
          alarmNames: ['site-request-flood'],
          dependentAlarmNames: ['checkout-5xx-high'],
        }),
      ]);
      expect(scope).toEqual(selfHealing.resourceScope);
    });
  });
});

describe('without a web ACL or an EKS Deployment', () => {
  let view: ReturnType<typeof inspect>;
  let selfHealing: SelfHealing;
  beforeAll(() => {
    const synthesized = synthesizeTestStack();
    view = inspect(synthesized);
    selfHealing = synthesized.stack.selfHealing;
  });

  it('creates no schedule group, scheduler role, expiry function or access entry, and grants no WAF, Scheduler or EKS action', () => {
    expect(selfHealing.wafBlockExpiry).toBeUndefined();
    view.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    view.template.resourceCountIs('AWS::EKS::AccessEntry', 0);
    const actions = Object.values(view.template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy as Resource).Properties.PolicyDocument.Statement as Statement[])
      .flatMap(actionsOf);
    expect(actions.filter((action) => /^(wafv2|scheduler|eks):|^iam:PassRole$/.test(action))).toEqual([]);
    expect(view.variablesOf(selfHealing.workflowFunctions.BlockIpInWaf).WAF_SETTINGS).toBeUndefined();
  });
});

describe('web ACL targets built in code', () => {
  it('takes a CfnIPSet (its ARN by reference) and defaults a CLOUDFRONT IP set’s ARN to us-east-1 in the stack’s account', () => {
    const stack = testStack();
    const cfnIpSet = new wafv2.CfnIPSet(stack, 'ApiBlocklist', { name: 'api-blocklist', scope: 'REGIONAL', ipAddressVersion: 'IPV4', addresses: [] });
    const alarm = (name: string) => cloudwatch.Alarm.fromAlarmName(stack, name, name);
    const selfHealing = new SelfHealing(stack, 'SelfHealing', {
      webAcls: [
        { webAclName: 'api', scope: 'REGIONAL', ipSet: cfnIpSet, alarms: [alarm('api-flood')] },
        { webAclName: 'cdn', scope: 'CLOUDFRONT', ipSet: { name: 'cdn-blocklist', id: 'b1b2c3d4-5678-90ab-cdef-000000000002' }, alarms: [alarm('cdn-flood')] },
      ],
      wafBlockLimits: { maxTotal: 50 },
    });
    const view = inspect({ stack, template: Template.fromStack(stack) });
    const [grant, ...others] = view.grantsOf('wafv2:UpdateIPSet').filter(({ roles }) => roles.includes(view.logicalId(selfHealing.workflowFunctions.BlockIpInWaf.role)));
    expect(others).toEqual([]);
    const cdnArn = 'arn:<AWS::Partition>:wafv2:us-east-1:<AWS::AccountId>:global/ipset/cdn-blocklist/b1b2c3d4-5678-90ab-cdef-000000000002';
    expect(grant!.resources).toEqual([`<${stack.getLogicalId(cfnIpSet)}.Arn>`, cdnArn].sort());
    const settings = wafSettingsOf(view.variablesOf(selfHealing.workflowFunctions.BlockIpInWaf).WAF_SETTINGS);
    expect(settings.ipSets).toEqual([
      { name: 'api-blocklist', id: `<${stack.getLogicalId(cfnIpSet)}.Id>`, scope: 'REGIONAL', arn: `<${stack.getLogicalId(cfnIpSet)}.Arn>` },
      { name: 'cdn-blocklist', id: 'b1b2c3d4-5678-90ab-cdef-000000000002', scope: 'CLOUDFRONT', arn: cdnArn },
    ]);
    expect(settings.limits).toEqual({ maxPerHour: 20, maxTotal: 50 });
    expect(selfHealing.resourceScope.resources.map((resource) => resource.kind === 'waf-web-acl' && [resource.ipSetName, resource.blockMinutes])).toEqual([
      ['api-blocklist', 60],
      ['cdn-blocklist', 60],
    ]);
  });
});

describe('props validation', () => {
  /** SelfHealing with one EKS Deployment and one web ACL, each overridden; props are checked before any resource is created. */
  function build(props: Partial<SelfHealingProps> & { eks?: object; waf?: object } = {}) {
    const stack = testStack();
    const alarm = (name: string) => cloudwatch.Alarm.fromAlarmName(stack, `Alarm-${name}`, name);
    const { eks, waf, ...rest } = props;
    return () =>
      new SelfHealing(stack, 'SelfHealing', {
        eksDeployments: [{ cluster: 'prod', namespace: 'payments', deployment: 'checkout', alarms: [alarm('checkout-5xx-high')], ...eks }],
        webAcls: [{ webAclName: 'site', scope: 'REGIONAL', ipSet: { ...SITE_IP_SET }, alarms: [alarm('site-request-flood')], ...waf }],
        guardrails: { allowedNamespaces: ['payments'] },
        ...rest,
      });
  }
  function problemsOf(construct: () => unknown): readonly string[] {
    try {
      construct();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidResourceScopeError);
      return (error as InvalidResourceScopeError).problems;
    }
    throw new Error('expected the construct to throw');
  }

  it('accepts the valid shape', () => {
    expect(build()).not.toThrow();
  });

  it('refuses an EKS namespace that is not allowlisted, naming the prop, the namespace and the allowlist, once', () => {
    expect(problemsOf(build({ guardrails: { allowedNamespaces: ['web'] } }))).toEqual([
      'eksDeployments[0] ("prod/payments/checkout").namespace: "payments" is not in guardrails.allowedNamespaces (allowed: web); ' +
        'add it there to let actions touch this namespace',
    ]);
    expect(problemsOf(build({ guardrails: {} }))).toEqual([expect.stringMatching(/"payments" is not in guardrails\.allowedNamespaces \(allowed: none\)/)]);
  });

  it('refuses a cluster ARN for another cluster or region, and an IP set ARN that does not match the set or its scope', () => {
    expect(problemsOf(build({ eks: { clusterArn: 'arn:aws:eks:eu-west-1:123456789012:cluster/staging' } }))).toEqual([
      'eksDeployments[0] ("prod/payments/checkout").clusterArn: names cluster "staging", not "prod"',
    ]);
    expect(problemsOf(build({ eks: { clusterArn: 'arn:aws:eks:us-east-1:123456789012:cluster/prod' } }))).toEqual([
      expect.stringMatching(/clusterArn: cluster "prod" is in us-east-1, not the stack's region eu-west-1/),
    ]);
    const regionalArn = SITE_IP_SET.arn;
    expect(problemsOf(build({ waf: { scope: 'CLOUDFRONT', ipSet: { ...SITE_IP_SET, arn: regionalArn } } }))).toEqual([
      'webAcls[0] ("site").ipSet.arn: a regional IP set cannot serve a CLOUDFRONT web ACL',
      'webAcls[0] ("site").ipSet.arn: CLOUDFRONT IP sets live in us-east-1, not eu-west-1',
    ]);
    expect(problemsOf(build({ waf: { ipSet: { ...SITE_IP_SET, id: 'a1b2c3d4-0000-0000-0000-000000000009' } } }))).toEqual([
      expect.stringMatching(/ipSet\.arn: has id "a1b2c3d4-5678-90ab-cdef-000000000001", not "a1b2c3d4-0000-0000-0000-000000000009"/),
    ]);
    expect(problemsOf(build({ waf: { ipSet: { ...SITE_IP_SET, arn: 'arn:aws:wafv2:eu-west-1:999999999999:regional/ipset/site-blocklist/' + SITE_IP_SET.id } } }))).toEqual([
      expect.stringMatching(/is in account 999999999999, not the stack's account 123456789012/),
    ]);
  });

  it('refuses a block duration outside 5 minutes to a day or not in whole minutes, and caps the ledger cannot honour', () => {
    expect(problemsOf(build({ waf: { blockDuration: Duration.seconds(90) } }))).toEqual([
      'webAcls[0] ("site").blockDuration: must be whole minutes, got 90s',
      expect.stringMatching(/^webAcls\[0\] \("site"\)\.blockDuration \(in minutes\): Too small/),
    ]);
    expect(problemsOf(build({ waf: { blockDuration: Duration.hours(25) } }))).toEqual([expect.stringMatching(/blockDuration \(in minutes\): Too big/)]);
    expect(problemsOf(build({ wafBlockLimits: { maxTotal: 5_000, maxPerHour: 0 } }))).toEqual([
      'wafBlockLimits.maxPerHour: must be a whole number of at least 1, got 0',
      'wafBlockLimits.maxTotal: must be a whole number from 1 to 2000, got 5000',
    ]);
  });

  it('refuses a dependent alarm that is also the target’s own alarm, and a Deployment or web ACL registered twice', () => {
    const stack = testStack();
    const own = cloudwatch.Alarm.fromAlarmName(stack, 'Own', 'checkout-5xx-high');
    const problems = problemsOf(
      () =>
        new SelfHealing(stack, 'SelfHealing', {
          eksDeployments: [
            { cluster: 'prod', namespace: 'payments', deployment: 'checkout', alarms: [own], dependentAlarms: [own] },
            { cluster: 'prod', namespace: 'payments', deployment: 'checkout', alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Other', 'other')] },
          ],
          guardrails: { allowedNamespaces: ['payments'] },
        }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'eksDeployments[0] ("prod/payments/checkout").dependentAlarms: alarm "checkout-5xx-high" is also one of the target\'s own alarms; a dependent alarm watches something else',
        'eksDeployments[1] ("prod/payments/checkout"): Deployment "prod/payments/checkout" is registered more than once',
      ]),
    );
  });

  it('refuses a CfnIPSet without a literal name or of another scope', () => {
    const stack = testStack();
    const unnamed = new wafv2.CfnIPSet(stack, 'Unnamed', { scope: 'CLOUDFRONT', ipAddressVersion: 'IPV4', addresses: [] });
    const problems = problemsOf(
      () =>
        new SelfHealing(stack, 'SelfHealing', {
          webAcls: [{ webAclName: 'site', scope: 'REGIONAL', ipSet: unnamed, alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'A', 'a')] }],
        }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'webAcls[0] ("site").ipSet: the CfnIPSet needs a literal name (its name goes into the scope the policy checks)',
        'webAcls[0] ("site").ipSet: the CfnIPSet has scope CLOUDFRONT, the web ACL REGIONAL',
      ]),
    );
  });
});

describe('EKS RBAC manifests', () => {
  type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
  function manifest(group: string) {
    const documents = parseAllDocuments(readFileSync(eksRbacManifest(group), 'utf8')).map((document) => document.toJS() as Record<string, any>);
    expect(documents.map((document) => document.kind)).toEqual(['Role', 'RoleBinding']);
    const [role, binding] = documents as [Record<string, any>, Record<string, any>];
    return { role, binding };
  }
  /** Rules as `group/resource: verbs`, so the comparison ignores how rules are grouped. */
  const flatten = (rules: Rule[]) =>
    rules.flatMap((rule) => rule.apiGroups.flatMap((apiGroup) => rule.resources.map((resource) => `${apiGroup || 'core'}/${resource}: ${[...rule.verbs].sort().join(',')}`))).sort();

  it.each([
    [EKS_REMEDIATOR_GROUP, ['apps/deployments: get,patch', 'apps/replicasets: list', 'core/configmaps: get,patch', 'core/pods: list']],
    [EKS_READER_GROUP, ['apps/deployments: get', 'apps/replicasets: list', 'core/configmaps: get', 'core/pods: list']],
  ])('%s: a namespaced Role with exactly its rules, bound to the group of its access entry', (group, expected) => {
    const { role, binding } = manifest(group);
    expect(role.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(role.metadata.name).toBe(group);
    // No namespace in the file: `kubectl apply -n <namespace>` puts it where it belongs.
    expect(role.metadata.namespace).toBeUndefined();
    expect(flatten(role.rules as Rule[])).toEqual(expected);
    expect(JSON.stringify(role.rules)).not.toContain('*');
    expect(binding.metadata.namespace).toBeUndefined();
    expect(binding.subjects).toEqual([{ kind: 'Group', name: group, apiGroup: 'rbac.authorization.k8s.io' }]);
    expect(binding.roleRef).toEqual({ kind: 'Role', name: group, apiGroup: 'rbac.authorization.k8s.io' });
  });
});
