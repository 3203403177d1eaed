import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/self-heal.js';
import { SafetyLedger } from '../../lambdas/shared/safety-ledger.js';
import { createStateTable, type LocalDynamoDb, startLocalDynamoDb } from '../../local/local-dynamodb.js';

/** The documented circuit commands, run against dynalite exactly as a human runs them. */
describe('self-heal circuit', () => {
  let db: LocalDynamoDb;
  let client: DynamoDBDocumentClient;
  let ledger: SafetyLedger;
  const table = 'cli-state';

  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createStateTable(db.endpoint, table);
    client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    );
    ledger = new SafetyLedger(client, table);
  });
  afterAll(async () => {
    client.destroy();
    await db.stop();
  });

  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...args, '--endpoint', db.endpoint], { out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('closes an open circuit, records who did it, and says what it was', async () => {
    await ledger.openCircuit('autoscaling-group/web', '3 failed remediations', 'inc-a', new Date());

    const shown = await run('circuit', 'show', 'autoscaling-group/web', '--table', table, '--json');
    const reset = await run('circuit', 'reset', 'autoscaling-group/web', '--table', table, '--by', 'alice');

    expect(JSON.parse(shown.out)).toMatchObject({ resourceId: 'autoscaling-group/web', status: 'open', reason: '3 failed remediations' });
    expect(reset.code).toBe(0);
    expect(reset.out).toMatch(/^circuit of autoscaling-group\/web closed by alice at .*; it was open since .* \(3 failed remediations\)$/);
    expect(await ledger.circuit('autoscaling-group/web')).toMatchObject({ status: 'closed', resetBy: 'alice' });
  });

  it('refuses a reset without --by, and changes nothing', async () => {
    await ledger.openCircuit('autoscaling-group/api', 'ping-pong', 'inc-b', new Date());
    const result = await run('circuit', 'reset', 'autoscaling-group/api', '--table', table);
    expect(result.code).toBe(2);
    expect(result.err).toContain('missing --by');
    expect((await ledger.circuit('autoscaling-group/api')).status).toBe('open');
  });

  it.each([
    [['circuit', 'reset', 'web', '--table', table, '--by', 'a'], /not a resource id/],
    [['circuit', 'open', 'autoscaling-group/web', '--table', table], /unknown command/],
    [['circuit', 'show', 'autoscaling-group/web'], /missing --table/],
    [['circuit', 'show', 'autoscaling-group/web', '--table', table, '--colour'], /Unknown option '--colour'/],
  ])('rejects %j with a clear error and exit code 2', async (args, message) => {
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it('prints its help with exit code 0', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    expect(result.out).toContain('self-heal circuit reset RESOURCE --table TABLE --by NAME');
  });
});

describe('self-heal', () => {
  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('lists every command in its help', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    for (const command of ['circuit', 'diagnose', 'replay', 'incidents', 'simulate']) expect(result.out).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    expect(result.out).toContain('Run `self-heal COMMAND --help`');
  });

  it.each(['circuit', 'diagnose', 'replay', 'incidents', 'simulate'])('%s --help prints its own help with exit code 0', async (command) => {
    const result = await run(command, '--help');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`self-heal ${command}`);
    expect(result.out).toContain('Exit codes:');
  });

  it.each(['circuit', 'diagnose', 'replay', 'incidents', 'simulate'])('%s rejects an option it does not know with its help on stderr and exit code 2', async (command) => {
    const result = await run(command, '--colour');
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/^Unknown option '--colour'/);
    expect(result.err).toContain(`\n\nself-heal ${command} — `);
  });

  it('rejects an unknown command, and no command at all, with exit code 2', async () => {
    const unknown = await run('heal-everything');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^unknown command: heal-everything/);
    expect((await run()).code).toBe(2);
  });
});
