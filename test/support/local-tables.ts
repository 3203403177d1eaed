import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createStateTable, type LocalDynamoDb, startLocalDynamoDb } from '../../local/local-dynamodb.js';

export interface LocalTables {
  /** A document client for the loopback server; valid once the suite has started. */
  readonly client: DynamoDBDocumentClient;
  readonly endpoint: string;
  /** Creates a new, empty state table and returns its name, so each case starts clean. */
  freshTable(): Promise<string>;
}

/**
 * Starts dynalite — real conditional-write semantics on loopback — for the
 * calling test file, and stops it afterwards. Call at the top of a `describe`.
 */
export function useLocalTables(prefix: string): LocalTables {
  let db: LocalDynamoDb | undefined;
  let client: DynamoDBDocumentClient | undefined;
  let count = 0;
  beforeAll(async () => {
    db = await startLocalDynamoDb();
    client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
  });
  afterAll(async () => {
    client?.destroy();
    await db?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useLocalTables: the local DynamoDB is not started yet (use it inside a test or hook)');
    return value;
  };
  return {
    get client() {
      return started(client);
    },
    get endpoint() {
      return started(db).endpoint;
    },
    async freshTable() {
      count += 1;
      const name = `${prefix}-${count}`;
      await createStateTable(started(db).endpoint, name);
      return name;
    },
  };
}
