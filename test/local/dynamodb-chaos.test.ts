import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { installDynamoDbChaos } from '../../local/dynamodb-chaos.js';
import { createStateTable, LOCAL_AWS_ENV, type LocalDynamoDb, startLocalDynamoDb } from '../../local/local-dynamodb.js';
import { SimulatedWorld, WorldSchema } from '../../local/simulated-world.js';
import { workflowStep } from '../../local/workflow-step.js';

const TABLE = 'chaos-table';

describe('DynamoDB chaos in the simulated world', () => {
  let db: LocalDynamoDb;

  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createStateTable(db.endpoint, TABLE);
    Object.assign(process.env, LOCAL_AWS_ENV, { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  });
  afterAll(async () => {
    await db.stop();
  });

  async function clientWith(dynamoDb: { failureRate: number; lostResponseRate: number }) {
    vi.resetModules();
    const world = new SimulatedWorld(WorldSchema.parse({ autoScalingGroups: [], alarms: [], chaos: { seed: 7, failureRate: 0, dynamoDb } }));
    await installDynamoDbChaos(world);
    const { dynamoDb: client } = await import('../../lambdas/shared/clients.js');
    return { world, client: client() };
  }
  const put = (id: string) => new PutItemCommand({ TableName: TABLE, Item: { pk: { S: id }, sk: { S: 'item' } } });
  const exists = async (client: Awaited<ReturnType<typeof clientWith>>['client'], id: string) =>
    (await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: id }, sk: { S: 'item' } } }))).Item !== undefined;

  it('loses the response of a write inside a workflow step after the write took effect, and records it', async () => {
    const { world, client } = await clientWith({ failureRate: 0, lostResponseRate: 1 });

    await expect(workflowStep.run('AcquireLease', () => client.send(put('lost')))).rejects.toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });

    expect(await exists(client, 'lost')).toBe(true);
    expect(world.calls).toEqual([{ operation: 'DynamoDB.PutItem', input: expect.anything(), failed: 'lost response' }]);
  });

  it('throttles a call inside a workflow step before it takes effect', async () => {
    const { client } = await clientWith({ failureRate: 1, lostResponseRate: 0 });

    await expect(workflowStep.run('RecordOutcome', () => client.send(put('throttled')))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });

    expect(await exists(client, 'throttled')).toBe(false);
  });

  it('leaves calls outside workflow steps alone (the intake, the scenario runner)', async () => {
    const { world, client } = await clientWith({ failureRate: 1, lostResponseRate: 1 });

    await client.send(put('outside'));

    expect(await exists(client, 'outside')).toBe(true);
    expect(world.calls).toEqual([]);
  });
});
