import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

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
