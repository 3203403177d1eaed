import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { NEEDS_A_HUMAN } from '../lambdas/shared/notification-types.js';

/**
 * The filter policy of a subscription for people (email): the messages that
 * need a human, and nothing else. It reads the message body, where every
 * notification carries its `type` (see `notificationBody`) and every
 * CloudWatch alarm notification its `AlarmArn`, and lets through:
 *
 * - the notification types of `NEEDS_A_HUMAN` (approval requested,
 *   escalated, plan recommended, circuit opened);
 * - the alarms on the healer itself (failed or timed-out runs, intake
 *   errors, dead letters, Bedrock throttles, undelivered notifications),
 *   which carry no message attribute at all: a filter on the `type`
 *   attribute would drop them, since SNS matches nothing against an empty
 *   attribute set.
 *
 * Everything else (incident opened, action taken or undone, verified
 * healthy, report ready) is left to the channels that want the whole story
 * (Slack, a queue).
 */
export const NEEDS_A_HUMAN_FILTER_POLICY = {
  $or: [{ type: [...NEEDS_A_HUMAN] }, { AlarmArn: [{ exists: true }] }],
} as const;

/**
 * Subscribes people to the topic with `NEEDS_A_HUMAN_FILTER_POLICY`, on the
 * message body. The policy's `$or` has no typed form in the L2
 * `filterPolicyWithMessageBody`, so it is set on the `AWS::SNS::Subscription`.
 */
export function subscribeHumans(topic: sns.ITopic, subscription: sns.ITopicSubscription): sns.Subscription {
  const created = topic.addSubscription(subscription);
  const resource = created.node.defaultChild as sns.CfnSubscription;
  resource.filterPolicyScope = 'MessageBody';
  resource.filterPolicy = NEEDS_A_HUMAN_FILTER_POLICY;
  return created;
}

/**
 * The topic where humans hear about incidents the automation handed over,
 * and about failures of the automation itself.
 *
 * Encrypted with a customer-managed key, not `alias/aws/sns`: CloudWatch
 * alarms can only publish to an encrypted topic whose key policy lets them,
 * and the AWS-managed key's policy cannot be changed. Publishing requires TLS.
 */
export class NotificationTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the self-healing notification topic',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Self-healing escalations',
      masterKey: this.key,
      enforceSSL: true,
    });
  }
}
