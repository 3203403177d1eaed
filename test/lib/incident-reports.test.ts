import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks, NagPack, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it, vi } from 'vitest';
import { NOTIFICATION_TOPIC_ENV } from '../../lambdas/shared/notification-types.js';
import { IncidentReports, type IncidentReportsOptions } from '../../lib/incident-reports.js';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SelfHealing } from '../../lib/self-healing.js';
import { acknowledgementsIn, synthesizeTestStack, testApp, testStack } from './test-app.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** A stack with a state machine, a topic and the reports construct under test. */
function build(options: IncidentReportsOptions | ((stack: Stack) => IncidentReportsOptions) = {}) {
  const app = testApp();
  const stack = new Stack(app, 'Reports', { env: { account: '123456789012', region: 'eu-west-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Workflow', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Done')) });
  const topic = new sns.Topic(stack, 'Topic');
  const chosen = typeof options === 'function' ? options(stack) : options;
  const reports = new IncidentReports(stack, 'IncidentReports', { ...chosen, stateMachine, notificationTopic: topic, alarmTopic: topic });
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
  return { app, stack, stateMachine, topic, reports, template: Template.fromStack(stack), logicalId };
}

/** Every statement of the report function's policies. */
function functionStatements({ template, reports, stack }: ReturnType<typeof build>): Statement[] {
  const roleId = stack.getLogicalId(reports.function.role.node.defaultChild as never);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('IncidentReports', () => {
  it('keeps the reports in a private, encrypted, TLS-only bucket that forgets them after 90 days', () => {
    // Act
    const { template, logicalId, reports } = build();

    // Assess
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireReports', Prefix: 'reports/', ExpirationInDays: 90, Status: 'Enabled' }] },
      VersioningConfiguration: Match.absent(),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(reports.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('runs on the finished runs of this state machine only', () => {
    // Act
    const { template, logicalId, stateMachine, reports } = build();

    // Assess
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: logicalId(stateMachine) }], status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(reports.function as never), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(reports.deadLetterQueue.queue), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          REPORTS_BUCKET: { Ref: logicalId(reports.bucket) },
          STATE_MACHINE_ARN: { Ref: logicalId(stateMachine) },
          [NOTIFICATION_TOPIC_ENV]: Match.anyValue(),
          REPORTS_KMS_KEY_ARN: Match.absent(),
        }),
      },
    });
  });

  it('may read this state machine’s executions, put objects under reports/ and publish to the topic, nothing more', () => {
    // Prepare
    const built = build();
    const { logicalId, stateMachine, reports, topic } = built;

    // Act
    const statements = functionStatements(built).filter((statement) => !actionsOf(statement).some((action) => /^(xray|logs):/.test(action)));

    // Assess
    expect(statements).toHaveLength(4);
    expect(statements).toEqual(expect.arrayContaining([
      {
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':states:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':execution:',
              { 'Fn::GetAtt': [logicalId(stateMachine), 'Name'] },
              ':*',
            ],
          ],
        },
      },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(reports.bucket), 'Arn'] }, '/reports/*']] } },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: logicalId(topic) } },
      // The on-failure destination of the async invocations.
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': [logicalId(reports.deadLetterQueue.queue), 'Arn'] },
      },
    ]));
  });

  it('encrypts with a KMS key when given one, keeps versions for the retention, and logs access to a bucket of yours', () => {
    // Prepare
    const built = build((stack) => ({
      encryptionKey: new kms.Key(stack, 'Key'),
      versioned: true,
      retention: Duration.days(30),
      serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'AccessLogs', 'access-logs-bucket'),
    }));

    // Assess
    built.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() }, BucketKeyEnabled: true }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireReports', Prefix: 'reports/', ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }] },
      LoggingConfiguration: { DestinationBucketName: 'access-logs-bucket', LogFilePrefix: 'incident-reports/' },
    });
    built.template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ REPORTS_KMS_KEY_ARN: Match.anyValue() }) } });
    expect(functionStatements(built)).toContainEqual(expect.objectContaining({ Action: 'kms:GenerateDataKey' }));
    expect(acknowledgementsIn(built.app).map(({ id }) => id)).not.toContain('AwsSolutions-S1');
  });

  it('refuses a retention shorter than a day', () => {
    expect(() => build({ retention: Duration.hours(12) })).toThrow(/at least one day/);
  });

  it('raises no cdk-nag finding of its own, and each acknowledgement still silences one', () => {
    // Prepare
    const { app, reports } = build();
    const inReports = (path: string | undefined) => path !== undefined && path.startsWith(`${reports.node.path}/`);
    const findings = (): { ruleName: string; path: string }[] =>
      [new AwsSolutionsChecks(app), new ServerlessChecks(app)].flatMap((pack) =>
        pack.validateScope(app).violations.flatMap((violation) => violation.violatingResources.map((resource) => ({ ruleName: violation.ruleName, path: resource.constructPath ?? '' }))),
      );

    // Act
    const open = findings().filter(({ path }) => inReports(path));
    const spy = vi.spyOn(NagPack.prototype as any, 'isAcknowledged').mockReturnValue(false);
    let all: { ruleName: string; path: string }[];
    try {
      all = findings();
    } finally {
      spy.mockRestore();
    }

    // Assess
    expect(open).toEqual([]);
    const acknowledgements = acknowledgementsIn(app).filter(({ path }) => path === reports.node.path || inReports(path));
    const ids = acknowledgements.map(({ id }) => id);
    expect(ids).toHaveLength(7);
    expect(ids).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::*]',
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<IncidentReportsBucket[0-9A-F]+\.Arn>\/reports\/\*\]$/),
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<Workflow[0-9A-F]+\.Name>:\*\]$/),
        'AwsSolutions-S1',
        'AwsSolutions-SQS3',
        'Serverless-LambdaDLQ',
        'Serverless-SQSRedrivePolicy',
      ]),
    );
    const stale = acknowledgements.filter(({ id, path }) => !all.some((finding) => finding.ruleName === id && (finding.path === path || finding.path.startsWith(`${path}/`))));
    expect(stale).toEqual([]);
  });
});

describe('SelfHealing with incident reports', () => {
  it('writes the reports of its own workflow, announced on its topic, and outputs the bucket name', () => {
    // Act
    const { stack, template } = synthesizeTestStack();

    // Assess
    const reports = stack.selfHealing.incidentReports;
    expect(reports).toBeDefined();
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], detail: { stateMachineArn: [{ Ref: stack.getLogicalId(stack.selfHealing.stateMachine.node.defaultChild as never) }] } },
    });
    template.hasOutput('IncidentReportsBucketName', { Value: { Ref: stack.getLogicalId(reports!.bucket.node.defaultChild as never) } });
  });

  it.each([
    ['off', false as const, 0, undefined],
    ['kept 30 days', { retention: Duration.days(30) }, 1, 30],
  ])('can be turned %s or tuned through the incidentReports prop', (_title, incidentReports, buckets, days) => {
    // Prepare
    const stack = testStack();

    // Act
    const selfHealing = new SelfHealing(stack, 'SelfHealing', {
      autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high')] }],
      incidentReports,
    });

    // Assess
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', buckets);
    expect(selfHealing.incidentReports === undefined).toBe(buckets === 0);
    if (days !== undefined) template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: days })] } });
  });
});
