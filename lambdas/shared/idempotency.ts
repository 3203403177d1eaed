import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { dynamoDb } from './clients.js';
import { requireEnv } from './env.js';
import { STATE_TABLE_KEYS } from './state-store.js';

/**
 * How long a completed step's result is replayed instead of run again: the
 * workflow's 24-hour timeout plus an hour, so no retry or redelivery of a
 * live run can ever repeat a side effect.
 */
export const IDEMPOTENCY_SECONDS = 86_400 + 3_600;

/**
 * Powertools Idempotency for a side-effecting handler, persisted in the
 * state table (`pk = IDEMPOTENCY#<step>`, `sk` = the key's hash, expired by
 * the table's TTL). `keyPath` is a JMESPath over the raw event naming what
 * makes a call unique, e.g. `[incident.incidentId, attempt]`: a Step
 * Functions retry or a Lambda redelivery of the same call gets the first
 * call's result back, and the action is not repeated. A failed call leaves
 * no record, so it can be retried. Use before the parser, on the raw event.
 */
export function idempotentBy(step: string, keyPath: string) {
  return makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: requireEnv('TABLE_NAME'),
      keyAttr: STATE_TABLE_KEYS.partitionKey,
      sortKeyAttr: STATE_TABLE_KEYS.sortKey,
      staticPkValue: `IDEMPOTENCY#${step}`,
      expiryAttr: STATE_TABLE_KEYS.timeToLive,
      awsSdkV3Client: dynamoDb(),
    }),
    config: new IdempotencyConfig({ eventKeyJmesPath: keyPath, expiresAfterSeconds: IDEMPOTENCY_SECONDS }),
  });
}
