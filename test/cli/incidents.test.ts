import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/self-heal.js';
import type { Incident } from '../../lambdas/shared/incident.js';
import { IncidentGroups } from '../../lambdas/shared/incident-groups.js';
import { type GuardedCall, onGuardedCall } from '../../lambdas/shared/shadow-mode.js';
import { StateStore } from '../../lambdas/shared/state-store.js';
import { createStateTable, type LocalDynamoDb, startLocalDynamoDb } from '../../local/local-dynamodb.js';

/** `self-heal incidents` against dynalite, on incidents written by the real StateStore as the workflow writes them. */
describe('self-heal incidents', () => {
  let db: LocalDynamoDb;
  let client: DynamoDBDocumentClient;
  const table = 'incidents-cli';

  function incident(n: number, resource: { kind: Incident['resource']['kind']; name: string; id: string }, onsetAt: string, alarmName: string): Incident {
    return {
      incidentId: `inc-${String(n).padStart(20, '0')}`,
      resource,
      signal: { source: 'cloudwatch-alarm', alarmName, alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`, state: 'ALARM', reason: 'Threshold Crossed' },
      onsetAt,
      detectedAt: onsetAt,
      region: 'us-east-1',
      account: '123456789012',
      evidence: [],
    };
  }
  const web = { kind: 'autoscaling-group' as const, name: 'web', id: 'autoscaling-group/web' };
  const shop = { kind: 'waf-web-acl' as const, name: 'shop-acl', id: 'waf-web-acl/shop-acl' };

  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createStateTable(db.endpoint, table);
    client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    const store = new StateStore(client, table);
    const groups = new IncidentGroups(client, table);
    const close = async (record: Incident, outcome: 'resolved' | 'escalated', action: string, summary: string, closedAt: string) => {
      await store.closeIncident(record, { incidentId: record.incidentId, outcome, action, attempts: 1, closedAt, summary }, { summary, decision: { action } }, new Date(closedAt));
    };

    const first = incident(1, web, '2025-06-01T10:00:00.000Z', 'web-cpu-high');
    await store.openIncident(first, 'web-1', new Date('2025-06-01T10:00:01.000Z'));
    await close(first, 'resolved', 'scaleOutAsg', 'scaled web 4 → 6; web-cpu-high back to OK', '2025-06-01T10:08:00.000Z');

    const second = incident(2, shop, '2025-06-02T09:00:00.000Z', 'shop-request-rate-high');
    await store.openIncident(second, 'shop-2', new Date('2025-06-02T09:00:01.000Z'));
    await close(second, 'escalated', 'blockIpInWaf', 'policy denied: 198.51.100.7/32 is inside protected range 198.51.100.0/24', '2025-06-02T09:01:00.000Z');

    const third = incident(3, web, '2025-06-03T14:21:09.512Z', 'web-cpu-high');
    await store.openIncident(third, 'web-3', new Date('2025-06-03T14:21:10.000Z'));
    await groups.claim(web.id, third.incidentId, 'web-3', 3_600, new Date('2025-06-03T14:21:10.000Z'));
  });
  afterAll(async () => {
    client.destroy();
    await db.stop();
  });

  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const calls: GuardedCall[] = [];
    const stop = onGuardedCall((call) => calls.push(call));
    try {
      const code = await main(['incidents', ...args, '--endpoint', db.endpoint], { out: (line) => out.push(line), err: (line) => err.push(line) }, {});
      return { code, out: out.join('\n'), err: err.join('\n'), calls };
    } finally {
      stop();
    }
  }

  it('lists the incidents of every resource, newest first, with their outcomes — through a read-only client', async () => {
    const result = await run('--table', table, '--json');

    expect(result.code).toBe(0);
    const listed = JSON.parse(result.out) as { incidents: Record<string, unknown>[]; scannedItems: number; complete: boolean };
    expect(listed.incidents.map((row) => [row.incidentId, row.resourceId, row.status])).toEqual([
      ['inc-00000000000000000003', 'autoscaling-group/web', 'open'],
      ['inc-00000000000000000002', 'waf-web-acl/shop-acl', 'escalated'],
      ['inc-00000000000000000001', 'autoscaling-group/web', 'resolved'],
    ]);
    expect(listed.incidents[2]).toMatchObject({ attempts: 1, action: 'scaleOutAsg', signal: 'web-cpu-high', summary: 'scaled web 4 → 6; web-cpu-high back to OK' });
    expect(listed.complete).toBe(true);
    expect(result.calls.length).toBeGreaterThan(0);
    expect(result.calls.every((call) => call.allowed && call.service === 'DynamoDB' && call.operation === 'Scan')).toBe(true);
  });

  it('prints a table for a human', async () => {
    const result = await run('--table', table);
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(/^ONSET\s+RESOURCE\s+STATUS\s+ATTEMPTS\s+ACTION\s+INCIDENT\s+SIGNAL \/ OUTCOME$/);
    expect(lines[1]).toMatch(/^2025-06-03T14:21:09\.512Z\s+autoscaling-group\/web\s+open\s+-\s+-\s+inc-0+3\s+web-cpu-high$/);
    expect(lines[3]).toMatch(/resolved\s+1\s+scaleOutAsg\s+inc-0+1\s+web-cpu-high — scaled web 4 → 6/);
    expect(result.out).toContain('3 incident(s) across all resources');
    expect(result.out).toMatch(/read the whole table with a Scan \(\d+ item\(s\)\)/);
  });

  it("lists one resource's open incident and its history with a Query, no Scan", async () => {
    const result = await run('--table', table, '--resource', 'autoscaling-group/web', '--json');

    expect(result.code).toBe(0);
    const listed = JSON.parse(result.out) as { incidents: Record<string, unknown>[] };
    expect(listed.incidents.map((row) => [row.incidentId, row.status])).toEqual([
      ['inc-00000000000000000003', 'open'],
      ['inc-00000000000000000001', 'resolved'],
    ]);
    expect(listed.incidents[1]).toMatchObject({ onsetAt: '2025-06-01T10:00:00.000Z', action: 'scaleOutAsg', attempts: 1 });
    expect(result.calls.map((call) => call.operation).sort()).toEqual(['GetItem', 'GetItem', 'Query']);
  });

  it('honours --limit, and says when the Scan stopped before the end of the table', async () => {
    const limited = await run('--table', table, '--limit', '1', '--json');
    expect((JSON.parse(limited.out) as { incidents: unknown[] }).incidents).toHaveLength(1);

    const bounded = await run('--table', table, '--max-scan', '2');
    expect(bounded.code).toBe(0);
    expect(bounded.out).toContain('the Scan stopped after 2 item(s): older incidents may be missing');
  });

  it('says so when there is nothing to list', async () => {
    const result = await run('--table', table, '--resource', 'autoscaling-group/nothing');
    expect(result.code).toBe(0);
    expect(result.out).toBe('no incidents of autoscaling-group/nothing');
  });

  it.each([
    [[], /missing --table/],
    [['--table', table, '--limit', '0'], /--limit 0: expected a whole number from 1 to 1000/],
    [['--table', table, '--limit', 'many'], /--limit many: expected a whole number/],
    [['--table', table, '--resource', 'web'], /not a resource id/],
    [['--table', table, 'extra'], /unexpected argument: extra/],
    [['--table', table, '--colour'], /Unknown option '--colour'/],
  ])('rejects %j with a clear error and exit code 2', async (args, message) => {
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it('fails with exit code 1 when the table cannot be read', async () => {
    const result = await run('--table', 'no-such-table');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/failed to read no-such-table: ResourceNotFoundException/);
  });

  it('prints its help, which says when it scans', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    expect(result.out).toContain('self-heal incidents --table TABLE [--resource RESOURCE] [--limit N] [--max-scan N] [--json]');
    expect(result.out).toContain('this is a Scan of the table in pages');
  });
});
