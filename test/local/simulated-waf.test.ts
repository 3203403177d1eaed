import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetIPSetCommand,
  ListIPSetsCommand,
  UpdateIPSetCommand,
  WAFInvalidParameterException,
  WAFOptimisticLockException,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetNotFoundError } from '../../lambdas/shared/errors.js';
import { type DeclaredIpSet, IpSetEditor, wafClientProvider } from '../../lambdas/shared/waf/ip-set-editor.js';
import { SimulatedWorld, type WorldConfig, type WorldInput, WorldSchema } from '../../local/simulated-world.js';

const ID = 'a1b2c3d4-0000-4000-8000-000000000001';
const FLOODER = '203.0.113.7';
const blockList: DeclaredIpSet = { name: 'blocked-clients', id: ID, scope: 'REGIONAL', arn: `arn:aws:wafv2:us-east-1:123456789012:regional/ipset/blocked-clients/${ID}` };

/** A web ACL in front of the shop, three ordinary clients and (optionally) one flooding it. */
function floodWorld(flood: boolean, extra: Partial<WorldInput> = {}): WorldConfig {
  return WorldSchema.parse({
    autoScalingGroups: [],
    alarms: [{ name: 'shop-requests-high', source: 'request-rate', webAcl: 'shop', threshold: 1_000 }],
    wafIpSets: [{ name: 'blocked-clients', scope: 'REGIONAL', id: ID, addresses: ['198.51.100.0/24'], description: 'Blocked by the self-healing system' }],
    webAcls: [{ name: 'shop', ipSetNames: ['blocked-clients'], logGroupName: 'aws-waf-logs-shop' }],
    clients: [
      { ip: '192.0.2.10', requestsPerMinute: 30, webAcl: 'shop' },
      { ip: '192.0.2.11', requestsPerMinute: 20, webAcl: 'shop' },
      { ip: '198.51.100.9', requestsPerMinute: 50, webAcl: 'shop' },
      ...(flood ? [{ ip: FLOODER, requestsPerMinute: 6_000, webAcl: 'shop', uri: '/login', httpMethod: 'POST' }] : []),
    ],
    ...extra,
  });
}

const waf = () => new WAFV2Client({ region: 'us-east-1' });
const editor = () => new IpSetEditor(wafClientProvider('us-east-1'), { backoff: async () => undefined });

describe('simulated WAF', () => {
  let world: SimulatedWorld | undefined;
  const install = (config: WorldConfig): SimulatedWorld => {
    world = new SimulatedWorld(config);
    world.install(() => undefined);
    return world;
  };
  afterEach(() => {
    world?.uninstall();
    world = undefined;
  });

  it('hands out a lock token with GetIPSet, replaces the list on UpdateIPSet with it, and lists the set', async () => {
    // Prepare
    const sim = install(floodWorld(false));

    // Act
    const read = await waf().send(new GetIPSetCommand({ Name: 'blocked-clients', Scope: 'REGIONAL', Id: ID }));
    const updated = await waf().send(
      new UpdateIPSetCommand({ Name: 'blocked-clients', Scope: 'REGIONAL', Id: ID, Addresses: ['198.51.100.0/24', `${FLOODER}/32`], LockToken: read.LockToken }),
    );
    const listed = await waf().send(new ListIPSetsCommand({ Scope: 'REGIONAL' }));

    // Assess
    expect(read.IPSet).toEqual({
      Name: 'blocked-clients',
      Id: ID,
      ARN: blockList.arn,
      IPAddressVersion: 'IPV4',
      Addresses: ['198.51.100.0/24'],
      Description: 'Blocked by the self-healing system',
    });
    expect(read.LockToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(updated.NextLockToken).not.toBe(read.LockToken);
    expect(sim.ipSetAddresses('REGIONAL', 'blocked-clients')).toEqual(['198.51.100.0/24', `${FLOODER}/32`]);
    // UpdateIPSet replaces every mutable field: the description left out is gone.
    expect((await waf().send(new GetIPSetCommand({ Name: 'blocked-clients', Scope: 'REGIONAL', Id: ID }))).IPSet?.Description).toBeUndefined();
    expect(listed.IPSets).toEqual([{ Name: 'blocked-clients', Id: ID, ARN: blockList.arn, LockToken: updated.NextLockToken }]);
    expect(sim.calls.map((call) => call.operation)).toEqual(['GetIPSet', 'UpdateIPSet', 'ListIPSets', 'GetIPSet']);
  });

  it('refuses an UpdateIPSet whose lock token went stale with WAFOptimisticLockException, and changes nothing', async () => {
    // Prepare
    const sim = install(floodWorld(false));
    const read = await waf().send(new GetIPSetCommand({ Name: 'blocked-clients', Scope: 'REGIONAL', Id: ID }));
    sim.changeIpSet('REGIONAL', 'blocked-clients', (addresses) => [...addresses, '192.0.2.99/32']);

    // Act
    const failure = await waf()
      .send(new UpdateIPSetCommand({ Name: 'blocked-clients', Scope: 'REGIONAL', Id: ID, Addresses: [`${FLOODER}/32`], LockToken: read.LockToken }))
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(WAFOptimisticLockException);
    expect((failure as Error).name).toBe('WAFOptimisticLockException');
    expect(sim.ipSetAddresses('REGIONAL', 'blocked-clients')).toEqual(['198.51.100.0/24', '192.0.2.99/32']);
  });

  it('lets the real IpSetEditor win a lock-token race: it reads again and keeps the other writer\'s change', async () => {
    // Prepare
    const sim = install(floodWorld(true));
    sim.waf.beforeNextUpdate(() => sim.changeIpSet('REGIONAL', 'blocked-clients', (addresses) => [...addresses, '192.0.2.99/32']));

    // Act
    const result = await editor().add(blockList, FLOODER + '/32');

    // Assess
    expect(result).toEqual({ changed: true, sizeBefore: 2, sizeAfter: 3, attempts: 2 });
    expect(sim.ipSetAddresses('REGIONAL', 'blocked-clients')).toEqual(['198.51.100.0/24', '192.0.2.99/32', `${FLOODER}/32`]);
    expect(sim.calls.filter((call) => call.operation === 'UpdateIPSet').map((call) => call.failed)).toEqual([undefined, undefined]);
  });

  it('answers a set the world does not have with WAFNonexistentItemException, which the editor names TargetNotFoundError', async () => {
    // Prepare
    install(floodWorld(false));

    // Act & Assess
    await expect(editor().read({ ...blockList, id: 'ffffffff-0000-4000-8000-000000000009' })).rejects.toThrow(TargetNotFoundError);
  });

  it('reaches a CLOUDFRONT set only through us-east-1, as wafClientProvider routes it', async () => {
    // Prepare
    install(
      floodWorld(false, {
        region: 'eu-west-1',
        wafIpSets: [{ name: 'edge-block', scope: 'CLOUDFRONT', id: ID, addresses: [] }],
        webAcls: [],
        clients: [],
        alarms: [],
      }),
    );
    const edge: DeclaredIpSet = { name: 'edge-block', id: ID, scope: 'CLOUDFRONT', arn: `arn:aws:wafv2:us-east-1:123456789012:global/ipset/edge-block/${ID}` };

    // Act
    const wrongRegion = await new WAFV2Client({ region: 'eu-west-1' })
      .send(new GetIPSetCommand({ Name: 'edge-block', Scope: 'CLOUDFRONT', Id: ID }))
      .catch((error: unknown) => error);
    const added = await new IpSetEditor(wafClientProvider('eu-west-1')).add(edge, '2001:DB8::1/128').catch((error: unknown) => error);

    // Assess
    expect(wrongRegion).toBeInstanceOf(WAFInvalidParameterException);
    // The set is IPV4 (no addresses to tell otherwise): an IPv6 address is refused as invalid.
    expect((added as Error).name).toBe('WAFInvalidParameterException');
  });

  it('blocks a flooding client once its address is in the web ACL\'s IP set: the request-rate alarm goes OK→ALARM→OK', async () => {
    // Prepare
    const sim = install(floodWorld(false));
    const cloudWatch = new CloudWatchClient({ region: 'us-east-1' });
    expect(sim.alarmState('shop-requests-high')).toBe('OK');
    sim.setClientTraffic(FLOODER, 6_000, 'shop');
    const during = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ['shop-requests-high'] }));

    // Act
    await editor().add(blockList, `${FLOODER}/32`);

    // Assess
    expect(during.MetricAlarms?.[0]).toMatchObject({
      StateValue: 'ALARM',
      MetricName: 'AllowedRequests',
      Namespace: 'AWS/WAFV2',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        { Name: 'WebACL', Value: 'shop' },
        { Name: 'Region', Value: 'us-east-1' },
        { Name: 'Rule', Value: 'ALL' },
      ],
    });
    // The client in 198.51.100.0/24 was blocked all along: 30 + 20 + 6000 allowed.
    expect(JSON.parse(during.MetricAlarms?.[0]?.StateReasonData ?? '{}')).toMatchObject({ recentDatapoints: [6_050], threshold: 1_000 });
    expect(sim.alarmState('shop-requests-high')).toBe('OK');
    expect(sim.requestsPerMinute('shop')).toBe(50);
    expect(sim.requestsPerMinute('shop', 'BLOCK')).toBe(6_050);
    expect(sim.alarmHistory('shop-requests-high').map(({ from, to }) => `${from}→${to}`)).toEqual(['INSUFFICIENT_DATA→OK', 'OK→ALARM', 'ALARM→OK']);
    const history = await cloudWatch.send(new DescribeAlarmHistoryCommand({ AlarmName: 'shop-requests-high', HistoryItemType: 'StateUpdate', ScanBy: 'TimestampDescending' }));
    expect(history.AlarmHistoryItems?.map((item) => item.HistorySummary)).toEqual([
      'Alarm updated from ALARM to OK',
      'Alarm updated from OK to ALARM',
      'Alarm updated from INSUFFICIENT_DATA to OK',
    ]);
    const times = history.AlarmHistoryItems!.map((item) => item.Timestamp!.getTime());
    expect(times[0]!).toBeGreaterThan(times[1]!);
    expect(JSON.parse(history.AlarmHistoryItems![0]!.HistoryData!)).toMatchObject({ oldState: { stateValue: 'ALARM' }, newState: { stateValue: 'OK', stateReasonData: { recentDatapoints: [50] } } });
  });

  it('writes the web ACL\'s traffic to its WAF log group, one record per request of the last minute, capped in proportion', async () => {
    // Prepare
    const sim = install(floodWorld(true));
    const logs = new CloudWatchLogsClient({ region: 'us-east-1' });
    const read = async (filterPattern?: string) => {
      const events = [];
      let nextToken: string | undefined;
      do {
        const page = await logs.send(new FilterLogEventsCommand({ logGroupName: 'aws-waf-logs-shop', startTime: Date.now() - 120_000, ...(filterPattern ? { filterPattern } : {}), limit: 500, nextToken }));
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return events.map((event) => JSON.parse(event.message!) as { action: string; timestamp: number; httpRequest: { clientIp: string; uri: string; httpMethod: string } });
    };

    // Act
    const before = await read();
    await editor().add(blockList, `${FLOODER}/32`);
    const blocked = await read('{ $.action = "BLOCK" }');

    // Assess
    const countBy = (records: typeof before) =>
      Object.fromEntries([...new Set(records.map((record) => record.httpRequest.clientIp))].map((ip) => [ip, records.filter((record) => record.httpRequest.clientIp === ip).length]));
    // 6100 requests a minute, at most 1000 lines: every client's share scaled by 1000/6100.
    expect(countBy(before)).toEqual({ '192.0.2.10': 5, '192.0.2.11': 3, '198.51.100.9': 8, [FLOODER]: 984 });
    expect(before.find((record) => record.httpRequest.clientIp === FLOODER)).toMatchObject({ action: 'ALLOW', httpRequest: { uri: '/login', httpMethod: 'POST' } });
    expect(before.filter((record) => record.action === 'BLOCK').map((record) => record.httpRequest.clientIp)).toEqual(Array(8).fill('198.51.100.9'));
    expect(before.every((record) => record.timestamp > Date.now() - 61_000)).toBe(true);
    expect(countBy(blocked)).toEqual({ '198.51.100.9': 8, [FLOODER]: 984 });
    expect(sim.calls.filter((call) => call.operation === 'FilterLogEvents').length).toBeGreaterThan(2);
  });

  it('keeps UpdateIPSet among the mutating calls chaos may lose the response of: the change is made, the caller sees a failure', async () => {
    // Prepare
    const sim = install(floodWorld(false, { chaos: { seed: 7, failureRate: 0, lostResponseRate: 1, errors: ['ThrottlingException'], spare: [] } }));
    const read = await waf().send(new GetIPSetCommand({ Name: 'blocked-clients', Scope: 'REGIONAL', Id: ID }));

    // Act
    const failure = await waf()
      .send(new UpdateIPSetCommand({ Name: 'blocked-clients', Scope: 'REGIONAL', Id: ID, Addresses: [`${FLOODER}/32`], LockToken: read.LockToken }))
      .catch((error: unknown) => error);

    // Assess
    expect((failure as Error).name).toBe('InternalFailure');
    expect(sim.ipSetAddresses('REGIONAL', 'blocked-clients')).toEqual([`${FLOODER}/32`]);
  });

  it('serves AllowedRequests and BlockedRequests per web ACL, counting a client from when it started', async () => {
    // Prepare
    install(floodWorld(false, { clients: [{ ip: FLOODER, requestsPerMinute: 600, webAcl: 'shop', sinceMinutesAgo: 3 }, { ip: '198.51.100.9', requestsPerMinute: 60, webAcl: 'shop' }] }));
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);

    // Act
    const result = await new CloudWatchClient({ region: 'us-east-1' }).send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 6 * 60_000),
        EndTime: end,
        ScanBy: 'TimestampAscending',
        MetricDataQueries: ['AllowedRequests', 'BlockedRequests'].map((name, index) => ({
          Id: `m${index}`,
          MetricStat: { Metric: { Namespace: 'AWS/WAFV2', MetricName: name, Dimensions: [{ Name: 'WebACL', Value: 'shop' }, { Name: 'Region', Value: 'us-east-1' }, { Name: 'Rule', Value: 'ALL' }] }, Period: 60, Stat: 'Sum' },
        })),
      }),
    );

    // Assess
    // The flood began three minutes before now, inside the fourth or fifth minute of the window.
    const allowed = result.MetricDataResults?.[0]?.Values ?? [];
    expect(allowed.slice(0, 3)).toEqual([0, 0, 0]);
    expect(allowed.slice(-2)).toEqual([600, 600]);
    expect(allowed[3]).toBeGreaterThanOrEqual(0);
    expect(allowed[3]).toBeLessThanOrEqual(600);
    expect(result.MetricDataResults?.[1]?.Values).toEqual([60, 60, 60, 60, 60, 60]);
  });
});

describe('alarms over the world\'s physics', () => {
  let world: SimulatedWorld | undefined;
  afterEach(() => {
    world?.uninstall();
    world = undefined;
  });

  it('puts a capacity alarm (a dependent one) in ALARM while the group\'s capacity is above its threshold, and records OK→ALARM→OK', async () => {
    // Prepare
    world = new SimulatedWorld(
      WorldSchema.parse({
        autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, cpuDemand: 380 }],
        alarms: [
          { name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 },
          { name: 'db-connections-high', source: 'capacity', autoScalingGroupName: 'web', threshold: 500, metricName: 'DatabaseConnections', namespace: 'Custom/Database', valuePerInstance: 100 },
        ],
      }),
    );
    world.install(() => undefined);
    const autoScaling = new AutoScalingClient({ region: 'us-east-1' });

    // Act
    await autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web', DesiredCapacity: 6 }));
    const described = await new CloudWatchClient({ region: 'us-east-1' }).send(new DescribeAlarmsCommand({ AlarmNames: ['db-connections-high'] }));
    await autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web', DesiredCapacity: 5 }));

    // Assess
    expect(described.MetricAlarms?.[0]).toMatchObject({ StateValue: 'ALARM', MetricName: 'DatabaseConnections', Namespace: 'Custom/Database', Threshold: 500 });
    expect(JSON.parse(described.MetricAlarms![0]!.StateReasonData!)).toMatchObject({ recentDatapoints: [600], threshold: 500 });
    expect(world.alarmState('db-connections-high')).toBe('OK');
    expect(world.alarmHistory('db-connections-high').map(({ from, to, value }) => `${from}→${to} at ${value}`)).toEqual([
      'INSUFFICIENT_DATA→OK at 400',
      'OK→ALARM at 600',
      'ALARM→OK at 500',
    ]);
    // The trade-off the dependent alarm shows: at 5 instances the CPU alarm (380 / 5 = 76%) is back.
    expect(world.alarmHistory('web-cpu-high').map(({ from, to }) => `${from}→${to}`)).toEqual(['INSUFFICIENT_DATA→ALARM', 'ALARM→OK', 'OK→ALARM']);
  });

  it('describes a group\'s CPU alarm exactly as before, with the time of its last change', async () => {
    // Prepare
    world = new SimulatedWorld(
      WorldSchema.parse({
        autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, cpuDemand: 380 }],
        alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }],
      }),
    );
    world.install(() => undefined);
    const changedAt = world.alarmHistory('web-cpu-high')[0]!.at;

    // Act
    const described = await new CloudWatchClient({ region: 'us-east-1' }).send(new DescribeAlarmsCommand({ AlarmNames: ['web-cpu-high'] }));

    // Assess
    expect(described.MetricAlarms).toEqual([
      {
        AlarmName: 'web-cpu-high',
        AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-cpu-high',
        StateValue: 'ALARM',
        StateReasonData: JSON.stringify({ version: '1.0', recentDatapoints: [95], threshold: 70 }),
        StateUpdatedTimestamp: changedAt,
        MetricName: 'CPUUtilization',
        Namespace: 'AWS/EC2',
        Threshold: 70,
        ComparisonOperator: 'GreaterThanThreshold',
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web' }],
      },
    ]);
  });

  it('parses every scenario written before the new fields as before: CPU alarms, nothing new declared', () => {
    // Prepare
    const directory = path.resolve(__dirname, '..', '..', 'scenarios');
    const raw = readdirSync(directory)
      .filter((file) => file.endsWith('.json'))
      .map((file) => (JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as { world: Record<string, unknown> }).world);
    const older = raw.filter(
      (world) =>
        !['wafIpSets', 'webAcls', 'clients', 'clusters'].some((field) => field in world) &&
        (world.alarms as Record<string, unknown>[]).every((alarm) => !('source' in alarm)),
    );

    // Act
    const worlds = older.map((world) => WorldSchema.parse(world));

    // Assess
    expect(worlds.length).toBeGreaterThanOrEqual(10);
    for (const parsed of worlds) {
      expect(parsed.alarms.every((alarm) => alarm.source === 'cpu')).toBe(true);
      expect([parsed.wafIpSets, parsed.webAcls, parsed.clients, parsed.clusters]).toEqual([[], [], [], []]);
    }
  });
});
