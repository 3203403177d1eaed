import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { NOTIFICATION_TOPIC_ENV } from '../lambdas/shared/notification-types.js';

/** A function that can take an environment variable and permissions: a `RemediationFunction`, or any Lambda function. */
export interface NotifyingFunction extends IConstruct, iam.IGrantable {
  addEnvironment(key: string, value: string): unknown;
}

/**
 * Lets a function publish its lifecycle notifications (incident opened,
 * action taken or undone, verified healthy, circuit opened) to the topic:
 * the topic's ARN as `NOTIFICATION_TOPIC_ARN`, `sns:Publish` on that topic
 * alone, and, for an encrypted topic, exactly the two key actions publishing
 * needs (`grantPublish` would allow `kms:GenerateDataKey*`).
 */
export function allowLifecycleNotifications(fn: NotifyingFunction, topic: sns.ITopic): void {
  fn.addEnvironment(NOTIFICATION_TOPIC_ENV, topic.topicArn);
  sns.TopicGrants.fromTopic(topic).actions(fn, ['sns:Publish'], {
    keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  });
}
