import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { RemediationFunction } from './remediation-function.js';
import type { WorkflowFunctionId } from './workflow-functions.js';

/** What the workflow's functions may read, write or act on. */
export interface WorkflowResources {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** `JSON.stringify` of the validated `Scope`, handed over as `RESOURCE_SCOPE`. */
  readonly resourceScope: string;
  /** ARNs of every registered alarm. */
  readonly alarmArns: readonly string[];
  /** Names of every registered Auto Scaling group. */
  readonly autoScalingGroupNames: readonly string[];
}

/** How one workflow function is set up: its limits, its environment and its permissions. */
export interface WorkflowStep {
  readonly description: string;
  /** Kept below the `TimeoutSeconds` of every ASL state that calls the function. */
  readonly timeout: Duration;
  /** Adds the function's environment variables and grants it exactly what its job needs. */
  configure(fn: RemediationFunction, resources: WorkflowResources): void;
}

const DESCRIBE_AUTO_SCALING_REASON =
  'Auto Scaling Describe* actions support no resource-level permissions (the service authorization ' +
  'reference lists no resource type for them), so they can only be granted on "*"; they are read-only.';

/**
 * Every function the state machine calls, keyed like `WORKFLOW_FUNCTIONS`;
 * adding a function there without setting it up here fails to compile.
 */
export const WORKFLOW_STEPS: Record<WorkflowFunctionId, WorkflowStep> = {
  BuildContext: {
    description: "Gathers an incident's context: the group's live state, the alarm, recent incidents, the limits",
    timeout: Duration.seconds(50),
    configure(fn, { table, resourceScope, alarmArns }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      table.grant(fn, 'dynamodb:Query');
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [...alarmArns] }));
      fn.addUnscopedPermissions('DescribeAutoScaling', ['autoscaling:DescribeAutoScalingGroups'], DESCRIBE_AUTO_SCALING_REASON);
    },
  },
  Decide: {
    description: 'Chooses a remediation plan for an incident from its context and the limits in scope',
    timeout: Duration.seconds(50),
    configure(fn, { resourceScope }) {
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
    },
  },
  AcquireLease: {
    description: "Takes the resource's lease: one active remediation per resource, none during its cooldown",
    timeout: Duration.seconds(15),
    configure(fn, { table }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      table.grant(fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    },
  },
  ScaleOutAsg: {
    description: "Records the group's capacity, then raises its desired capacity to the planned target",
    timeout: Duration.seconds(50),
    configure(fn, { table, resourceScope, autoScalingGroupNames }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      table.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
      const groups = autoScalingGroupNames.map(autoScalingGroupArn);
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['autoscaling:SetDesiredCapacity'],
          resources: groups.map((group) => group.arn),
        }),
      );
      Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge(
        ...groups.map((group) => ({
          id: `AwsSolutions-IAM5[Resource::${group.findingId}]`,
          reason:
            `The "*" stands for the group id of Auto Scaling group "${group.name}", which AWS generates ` +
            'when the group is created; the group name pins SetDesiredCapacity to this one registered group.',
        })),
      );
      fn.addUnscopedPermissions(
        'DescribeAutoScaling',
        ['autoscaling:DescribeAutoScalingGroups'],
        DESCRIBE_AUTO_SCALING_REASON,
      );
    },
  },
  VerifyRecovery: {
    description: 'Checks that the alarm cleared and the group holds the capacity it was given',
    timeout: Duration.seconds(25),
    configure(fn, { alarmArns }) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [...alarmArns] }),
      );
      fn.addUnscopedPermissions(
        'DescribeAutoScaling',
        ['autoscaling:DescribeAutoScalingGroups'],
        DESCRIBE_AUTO_SCALING_REASON,
      );
    },
  },
  RecordOutcome: {
    description: 'Records how an incident ended, releases the lease and starts the cooldown',
    timeout: Duration.seconds(15),
    configure(fn, { table }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      table.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    },
  },
  EscalateIncident: {
    description: 'Hands an incident to a human: notifies, records the escalation and releases the lease',
    timeout: Duration.seconds(25),
    configure(fn, { table, topic }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('TOPIC_ARN', topic.topicArn);
      table.grant(fn, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
      // `grantPublish` would allow `kms:GenerateDataKey*`; publishing to an
      // encrypted topic needs exactly these two key actions.
      sns.TopicGrants.fromTopic(topic).actions(fn, ['sns:Publish'], {
        keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      });
    },
  },
};

/**
 * ARN pattern of an Auto Scaling group known by name, and the cdk-nag
 * finding id that pattern produces. Built from pseudo parameters (not the
 * stack's account and region) so the finding id is the same in every
 * environment.
 */
function autoScalingGroupArn(name: string): { name: string; arn: string; findingId: string } {
  const suffix = `:autoScalingGroup:*:autoScalingGroupName/${name}`;
  return {
    name,
    arn: `arn:${Aws.PARTITION}:autoscaling:${Aws.REGION}:${Aws.ACCOUNT_ID}${suffix}`,
    findingId: `arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>${suffix}`,
  };
}
