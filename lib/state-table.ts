import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

/** Name of the attribute DynamoDB reads to expire items (epoch seconds). */
export const STATE_TABLE_TTL_ATTRIBUTE = 'ttl';

/**
 * The single table that holds incidents, leases, cooldowns and outcomes.
 *
 * Keys are generic (`pk`, `sk`, both strings) so the handlers own the item
 * layout. On demand, point-in-time recovery on, encrypted with the
 * AWS-managed key, and retained when the stack is deleted: it is the
 * record of what the automation did.
 */
export class StateTable extends dynamodb.Table {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: STATE_TABLE_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
