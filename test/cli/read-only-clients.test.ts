import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as lib from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isReadOnlyOperation, readOnly, readOnlyGuardMiddleware } from '../../lambdas/shared/read-only-clients.js';
import { type GuardedCall, MutatingCallRefusedError, onGuardedCall } from '../../lambdas/shared/shadow-mode.js';

/**
 * The read-only guard, against every command of every AWS SDK client the
 * project depends on: each command class is instantiated and sent through
 * a real client with the guard; a recorder behind the guard (instead of the
 * network) sees what got through. Exactly the reads must pass.
 */

const packageJson = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const CLIENT_PACKAGES = Object.keys(packageJson.dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));

/**
 * The test's own classification, by the operation's leading verb (and, for
 * the few verbs that go both ways, the whole name). It does not reuse the
 * guard's rule: a verb missing here fails the test, so a new SDK release
 * with a new verb is looked at before it is trusted.
 */
const READ = 'read';
const WRITE = 'write';
/** Operations that change nothing but that shadow mode does not need: the guard may refuse them. */
const HARMLESS = 'harmless';
type Kind = typeof READ | typeof WRITE | typeof HARMLESS;

const BY_VERB: Record<string, Kind> = {
  Describe: READ, Get: READ, List: READ, Lookup: READ, Filter: READ, Query: READ, Scan: READ, Converse: READ,
  Check: HARMLESS, Count: HARMLESS, Search: HARMLESS, Test: HARMLESS, Validate: HARMLESS, Verify: HARMLESS, Decrypt: HARMLESS,
  Activate: WRITE, Add: WRITE, Apply: HARMLESS, Associate: WRITE, Attach: WRITE, Cancel: WRITE, Complete: WRITE, Confirm: WRITE,
  Connect: WRITE, Create: WRITE, Deactivate: WRITE, Deauthorize: WRITE, Decapsulate: WRITE, Delete: WRITE, Deregister: WRITE,
  Derive: WRITE, Detach: WRITE, Disable: WRITE, Disassociate: WRITE, Disconnect: WRITE, Enable: WRITE, Encapsulate: WRITE,
  Encrypt: WRITE, Enter: WRITE, Execute: WRITE, Exit: WRITE, Export: WRITE, Generate: WRITE, Import: WRITE, Launch: WRITE,
  Opt: WRITE, Publish: WRITE, Put: WRITE, Re: WRITE, Record: WRITE, Redrive: WRITE, Register: WRITE, Remove: WRITE,
  Replicate: WRITE, Restore: WRITE, Resume: WRITE, Retire: WRITE, Revoke: WRITE, Rollback: WRITE, Rotate: WRITE,
  Schedule: WRITE, Send: WRITE, Set: WRITE, Sign: WRITE, Start: WRITE, Stop: WRITE, Subscribe: WRITE, Suspend: WRITE,
  Tag: WRITE, Terminate: WRITE, Unsubscribe: WRITE, Untag: WRITE, Update: WRITE, Label: WRITE, Unlabel: WRITE, Modify: WRITE,
  Reset: WRITE, Abort: WRITE, Copy: WRITE, Rename: WRITE, Upload: WRITE, Write: WRITE,
  // S3: HEAD and S3 Select read, but shadow mode needs neither.
  Head: HARMLESS, Select: HARMLESS,
};
const BY_NAME: Record<string, Kind> = {
  BatchGetItem: READ,
  BatchGetSecretValue: READ,
  TransactGetItems: READ,
  InvokeModel: READ,
  InvokeModelWithResponseStream: READ,
  InvokeModelWithBidirectionalStream: HARMLESS,
  InvokeGuardrailChecks: HARMLESS,
};

function classify(operation: string): Kind | undefined {
  if (BY_NAME[operation] !== undefined) return BY_NAME[operation];
  if (/^(Batch|Transact)/.test(operation)) return WRITE; // BatchWriteItem, BatchExecuteStatement, TransactWriteItems, …
  return BY_VERB[/^[A-Z][a-z]*/.exec(operation)?.[0] ?? ''];
}

interface ClientUnderTest {
  send(command: unknown): Promise<unknown>;
  destroy(): void;
  middlewareStack: { add(middleware: unknown, options: unknown): void; identify(): string[] };
}

/** A real client, read-only, whose requests end at a recorder instead of the network. */
function guardedClient(ClientClass: new (config: object) => ClientUnderTest, reached: string[]): ClientUnderTest {
  const client = readOnly(new ClientClass({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }) as never) as ClientUnderTest;
  client.middlewareStack.add(
    (_next: unknown, context: { commandName?: string }) => async () => {
      reached.push(String(context.commandName).replace(/Command$/, ''));
      return { output: { $metadata: {} } };
    },
    { step: 'initialize', priority: 'low', name: 'recorder' },
  );
  return client;
}

async function commandsOf(pkg: string) {
  const module = (await import(pkg)) as Record<string, unknown>;
  const clientName = Object.keys(module).find((name) => name.endsWith('Client') && !name.startsWith('_') && typeof module[name] === 'function');
  const commands = Object.entries(module).filter(
    (entry): entry is [string, new (input: object) => object] => /^[A-Z]\w*Command$/.test(entry[0]) && typeof entry[1] === 'function',
  );
  return { Client: module[clientName!] as new (config: object) => ClientUnderTest, commands };
}

afterEach(() => vi.restoreAllMocks());

describe('read-only guard on AWS SDK clients', () => {
  it('knows every client package the project depends on', () => {
    expect(CLIENT_PACKAGES.length).toBeGreaterThanOrEqual(12);
    expect(CLIENT_PACKAGES).toEqual(expect.arrayContaining(['@aws-sdk/client-auto-scaling', '@aws-sdk/client-wafv2', '@aws-sdk/client-dynamodb', '@aws-sdk/client-bedrock-runtime']));
  });

  it.each(CLIENT_PACKAGES)('%s: refuses exactly the commands that are not reads, before they are sent', async (pkg) => {
    const { Client, commands } = await commandsOf(pkg);
    expect(commands.length).toBeGreaterThan(0);
    const reached: string[] = [];
    const client = guardedClient(Client, reached);
    const unclassified: string[] = [];
    const wrong: string[] = [];
    try {
      for (const [name, Command] of commands) {
        const operation = name.replace(/Command$/, '');
        const kind = classify(operation);
        if (kind === undefined) {
          unclassified.push(operation);
          continue;
        }
        const before = reached.length;
        let refused: unknown;
        try {
          await client.send(new Command({}));
        } catch (error) {
          refused = error;
        }
        const passed = reached.length > before;
        if (kind === READ && (!passed || refused !== undefined)) wrong.push(`${operation} is a read but was refused: ${String(refused)}`);
        if (kind === WRITE && passed) wrong.push(`${operation} changes something but reached the client`);
        if (kind === WRITE && !(refused instanceof MutatingCallRefusedError)) wrong.push(`${operation} was not refused with MutatingCallRefusedError`);
        if (!passed && refused instanceof MutatingCallRefusedError) expect(refused.operation).toBe(operation);
      }
    } finally {
      client.destroy();
    }
    expect(unclassified, 'operations this test does not classify yet').toEqual([]);
    expect(wrong).toEqual([]);
    // Every command that got through is a read by the test's own classification.
    expect(reached.filter((operation) => classify(operation) !== READ)).toEqual([]);
  });

  it('refuses the writes this project makes, and lets its reads through to the next handler', async () => {
    const next = vi.fn(async () => ({ output: {} }));
    const guard = readOnlyGuardMiddleware();
    const call = (clientName: string, commandName: string) => guard(next, { clientName, commandName })({ input: {} });
    for (const [client, command] of [
      ['AutoScalingClient', 'SetDesiredCapacityCommand'],
      ['WAFV2Client', 'UpdateIPSetCommand'],
      ['SchedulerClient', 'CreateScheduleCommand'],
      ['SchedulerClient', 'DeleteScheduleCommand'],
      ['SNSClient', 'PublishCommand'],
      ['SFNClient', 'StartExecutionCommand'],
      ['SFNClient', 'SendTaskSuccessCommand'],
      ['DynamoDBClient', 'PutItemCommand'],
      ['DynamoDBClient', 'UpdateItemCommand'],
      ['DynamoDBClient', 'DeleteItemCommand'],
      ['DynamoDBClient', 'TransactWriteItemsCommand'],
      ['EventBridgeClient', 'PutEventsCommand'],
      ['KMSClient', 'GenerateMacCommand'],
      ['DynamoDBClient', ''],
    ] as const) {
      await expect(call(client, command), `${client} ${command}`).rejects.toBeInstanceOf(MutatingCallRefusedError);
    }
    expect(next).not.toHaveBeenCalled();
    for (const [client, command] of [
      ['AutoScalingClient', 'DescribeAutoScalingGroupsCommand'],
      ['CloudWatchClient', 'GetMetricDataCommand'],
      ['CloudWatchLogsClient', 'FilterLogEventsCommand'],
      ['CloudTrailClient', 'LookupEventsCommand'],
      ['EKSClient', 'DescribeClusterCommand'],
      ['DynamoDBClient', 'QueryCommand'],
      ['DynamoDBClient', 'GetItemCommand'],
      ['BedrockRuntimeClient', 'ConverseCommand'],
    ] as const) {
      await call(client, command);
    }
    expect(next).toHaveBeenCalledTimes(8);
  });

  it('names the service and the operation it refused, and tells the listeners', async () => {
    const seen: GuardedCall[] = [];
    const stop = onGuardedCall((call) => seen.push(call));
    try {
      const error = await readOnlyGuardMiddleware()(vi.fn(), { clientName: 'AutoScalingClient', commandName: 'SetDesiredCapacityCommand' })({}).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MutatingCallRefusedError);
      expect(error).toMatchObject({ name: 'MutatingCallRefusedError', service: 'AutoScaling', operation: 'SetDesiredCapacity' });
      expect((error as Error).message).toContain('AutoScaling SetDesiredCapacity');
      expect(seen).toEqual([{ service: 'AutoScaling', operation: 'SetDesiredCapacity', allowed: false }]);
    } finally {
      stop();
    }
  });

  it('guards the document client: its commands are checked by the operation they send', async () => {
    const reached: string[] = [];
    const base = guardedClient(DynamoDBClient as never, reached);
    const documents = lib.DynamoDBDocumentClient.from(base as never);
    const table = { TableName: 't' };
    const key = { ...table, Key: { pk: 'a', sk: 'b' } };
    try {
      await documents.send(new lib.GetCommand(key));
      await documents.send(new lib.QueryCommand({ ...table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'a' } }));
      await documents.send(new lib.ScanCommand(table));
      await documents.send(new lib.BatchGetCommand({ RequestItems: { t: { Keys: [{ pk: 'a', sk: 'b' }] } } }));
      await documents.send(new lib.TransactGetCommand({ TransactItems: [{ Get: key }] }));
      for (const command of [
        new lib.PutCommand({ ...table, Item: { pk: 'a', sk: 'b' } }),
        new lib.UpdateCommand({ ...key, UpdateExpression: 'SET x = :x', ExpressionAttributeValues: { ':x': 1 } }),
        new lib.DeleteCommand(key),
        new lib.BatchWriteCommand({ RequestItems: { t: [{ DeleteRequest: { Key: { pk: 'a', sk: 'b' } } }] } }),
        new lib.TransactWriteCommand({ TransactItems: [{ Put: { ...table, Item: { pk: 'a', sk: 'b' } } }] }),
        new lib.ExecuteStatementCommand({ Statement: "UPDATE t SET x = 1 WHERE pk = 'a'" }),
      ]) {
        await expect(documents.send(command as never)).rejects.toBeInstanceOf(MutatingCallRefusedError);
      }
    } finally {
      base.destroy();
    }
    expect(reached).toEqual(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
  });

  it('is added once, first in the initialize step, however often it is applied', () => {
    const client = readOnly(readOnly(new DynamoDBClient({ region: 'us-east-1' })));
    const entries = client.middlewareStack.identify().filter((entry) => entry.startsWith('selfHealReadOnlyGuard'));
    expect(entries).toEqual(['selfHealReadOnlyGuard - initialize']);
    expect(client.middlewareStack.identify()[0]).toBe('selfHealReadOnlyGuard - initialize');
    client.destroy();
  });

  it.each([
    ['DescribeAlarms', true],
    ['GetIPSet', true],
    ['ListSchedules', true],
    ['BatchGetItem', true],
    ['Converse', true],
    ['Getaway', false],
    ['Listen', false],
    ['SetDesiredCapacity', false],
    ['StartQuery', false],
    ['', false],
  ])('isReadOnlyOperation(%j) is %s', (operation, expected) => {
    expect(isReadOnlyOperation(operation)).toBe(expected);
  });
});
