import type { CreateScheduleCommandInput, DeleteScheduleCommandInput } from '@aws-sdk/client-scheduler';
import type { UpdateIPSetCommandInput } from '@aws-sdk/client-wafv2';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runScenario, type ScenarioReport } from '../../local/run-scenario.js';
import { type ScenarioInput, ScenarioSchema } from '../../local/scenario.js';
import { report } from './reliability-figures.js';

/**
 * Faults on the WAF block path, end to end: the real state machine and
 * handlers, dynalite, and the simulated WAF and EventBridge Scheduler, with
 * seeded throttling, 5xx and lost responses on every call — UpdateIPSet and
 * CreateSchedule included, where a lost response means the address was added
 * or the schedule made although the caller was told it failed. Half the
 * sites learn of their flood from the request-rate alarm, half from the
 * log intake's client-flood detection.
 *
 * Whatever the faults: no address is blocked twice (one block, one expiry
 * schedule per attempt at most), every address the system added has its
 * expiry scheduled, no lease leaks, and every incident ends resolved or
 * escalated.
 */

/** `RELIABILITY_TIMELINE=<scenario name>` prints that run's timeline. */
const run = (input: ScenarioInput): Promise<ScenarioReport> =>
  runScenario(ScenarioSchema.parse(input), { print: process.env.RELIABILITY_TIMELINE === input.name ? (line) => console.log(line) : () => undefined });

/**
 * The sites, and how each learns of its flood. On `wiki` a second client
 * floods too, so blocking the worst one does not bring the rate under the
 * threshold: that block fails verification and is undone (its schedule
 * cancelled), and the same block is not tried again.
 */
const SITES: ReadonlyArray<{ site: string; flooder: string; via: 'alarm' | 'logs'; second?: string }> = [
  { site: 'shop', flooder: '203.0.113.66', via: 'alarm' },
  { site: 'blog', flooder: '203.0.113.67', via: 'logs' },
  { site: 'docs', flooder: '203.0.113.68', via: 'alarm' },
  { site: 'api', flooder: '203.0.113.69', via: 'logs' },
  { site: 'wiki', flooder: '203.0.113.70', via: 'alarm', second: '203.0.113.71' },
];
/** An address each set already holds: someone else's block, which must stay. */
const EXISTING = '192.0.2.99/32';

function scenario(seed: number): ScenarioInput {
  return {
    name: `waf-faults-${seed}`,
    title: 'WAF faults',
    description: 'seeded chaos on every AWS call while four sites block their flooders',
    mode: 'auto',
    guardrails: { protectedCidrs: ['198.51.100.0/24'] },
    resources: SITES.map(({ site }) => ({
      kind: 'waf-web-acl' as const,
      name: `${site}-acl`,
      scope: 'REGIONAL' as const,
      ipSetName: `${site}-blocklist`,
      alarmNames: [`${site}-request-rate-high`],
      logGroupNames: [`aws-waf-logs-${site}`],
      autonomy: { blockIpInWaf: 'auto' as const },
      verifyAfterSeconds: 120,
    })),
    world: {
      autoScalingGroups: [],
      alarms: SITES.map(({ site }) => ({ name: `${site}-request-rate-high`, source: 'request-rate' as const, webAcl: `${site}-acl`, threshold: 3_000 })),
      wafIpSets: SITES.map(({ site }, index) => ({ name: `${site}-blocklist`, scope: 'REGIONAL' as const, id: `6f1c2a8e-5b1d-4c39-9d0e-2f7a1b3c4d${String(index).padStart(2, '0')}`, addresses: [EXISTING] })),
      webAcls: SITES.map(({ site }) => ({ name: `${site}-acl`, ipSetNames: [`${site}-blocklist`], logGroupName: `aws-waf-logs-${site}` })),
      clients: SITES.flatMap(({ site, flooder, second }) => [
        { ip: flooder, requestsPerMinute: 6_000, webAcl: `${site}-acl` },
        ...(second === undefined ? [] : [{ ip: second, requestsPerMinute: 4_000, webAcl: `${site}-acl` }]),
        { ip: '198.51.100.20', requestsPerMinute: 120, webAcl: `${site}-acl` },
      ]),
      // The local runner reads a log group's lines with FilterLogEvents to stand in for the
      // subscription's push, which has no such call to fail; it is spared.
      chaos: { seed, failureRate: 0.12, lostResponseRate: 0.25, spare: ['FilterLogEvents'] },
    },
    signals: SITES.map(({ site, via }) => (via === 'alarm' ? { alarm: `${site}-request-rate-high` } : { logs: `aws-waf-logs-${site}` })),
    expect: { executions: SITES.length },
  };
}

interface Schedule {
  name: string;
  cidr: string;
  ipSetName: string;
}

/** What the world's UpdateIPSet, CreateSchedule and DeleteSchedule calls did: a lost response took effect too. */
function effects(result: ScenarioReport) {
  const tookEffect = result.world.calls.filter((call) => call.failed === undefined || call.failed === 'lost response');
  const created = new Map<string, Schedule>();
  const deleted = new Set<string>();
  let updates = 0;
  for (const call of tookEffect) {
    if (call.operation === 'UpdateIPSet') updates += 1;
    if (call.operation === 'CreateSchedule') {
      const input = call.input as CreateScheduleCommandInput;
      const target = JSON.parse(input.Target?.Input ?? '{}') as { cidr?: string; ipSet?: { name?: string } };
      created.set(input.Name ?? '', { name: input.Name ?? '', cidr: target.cidr ?? '', ipSetName: target.ipSet?.name ?? '' });
    }
    if (call.operation === 'DeleteSchedule') deleted.add((call.input as DeleteScheduleCommandInput).Name ?? '');
  }
  /** Writes to the set that put `cidr` in it, and writes that left it out (undo). */
  const writesTo = (ipSetName: string, cidr: string) => {
    const writes = tookEffect.filter((call) => call.operation === 'UpdateIPSet' && (call.input as UpdateIPSetCommandInput).Name === ipSetName);
    const adding = writes.filter((call) => ((call.input as UpdateIPSetCommandInput).Addresses ?? []).includes(cidr)).length;
    return { adding, removing: writes.length - adding };
  };
  return { created, deleted, updates, writesTo };
}

describe('reliability: faults on the WAF block path', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it('under seeded failures and lost responses on UpdateIPSet, CreateSchedule and every other call, no block is doubled, every block has its expiry, no lease leaks, every incident ends', async ({ task }) => {
    const seeds = [11, 12, 13, 14, 15, 16];
    let incidents = 0;
    let injected = 0;
    const injectedOn = new Map<string, number>(['GetIPSet', 'UpdateIPSet', 'CreateSchedule'].map((operation) => [operation, 0]));
    let resolved = 0;
    let escalated = 0;
    let leaked = 0;
    let blocks = 0;
    let duplicates = 0;
    for (const seed of seeds) {
      vi.resetModules();
      const result = await run(scenario(seed));
      const { created, deleted, writesTo } = effects(result);
      const pending = result.world.schedules();

      incidents += result.incidents.length;
      injected += result.world.calls.filter((call) => call.failed !== undefined).length;
      for (const call of result.world.calls) {
        if (call.failed !== undefined && injectedOn.has(call.operation)) injectedOn.set(call.operation, injectedOn.get(call.operation)! + 1);
      }
      resolved += result.incidents.filter((incident) => incident.status === 'resolved').length;
      escalated += result.incidents.filter((incident) => incident.status === 'escalated').length;
      leaked += result.leakedLeases.length;

      expect(result.incidents, `seed ${seed}: one incident per site`).toHaveLength(SITES.length);
      for (const incident of result.incidents) expect(['resolved', 'escalated'], `seed ${seed}: ${incident.resource}: ${incident.summary}`).toContain(incident.status);
      expect(result.leakedLeases, `seed ${seed}`).toEqual([]);

      for (const { site, flooder } of SITES) {
        const ipSet = `${site}-blocklist`;
        const addresses = result.world.ipSetAddresses('REGIONAL', ipSet);
        const attempts = result.incidents.filter((incident) => incident.resource === `${site}-acl`).reduce((sum, incident) => sum + (incident.attempts ?? 0), 0);
        const schedulesOfSet = [...created.values()].filter((schedule) => schedule.ipSetName === ipSet);
        // Nobody else's address is touched, and nothing but the flooder is added.
        expect(addresses, `seed ${seed} ${ipSet}`).toContain(EXISTING);
        expect(addresses.filter((address) => address !== EXISTING), `seed ${seed} ${ipSet}`).toEqual(addresses.includes(`${flooder}/32`) ? [`${flooder}/32`] : []);
        // No duplicate block: at most one block (one expiry schedule) per attempt, all for the flooder.
        expect(schedulesOfSet.length, `seed ${seed} ${ipSet}: expiry schedules made`).toBeLessThanOrEqual(attempts);
        for (const schedule of schedulesOfSet) expect(schedule.cidr, `seed ${seed} ${schedule.name}`).toBe(`${flooder}/32`);
        // Each attempt adds the address with at most one write that took effect, and its undo removes it with at most one:
        // after a lost response the retry reads the set, finds the address, and writes nothing.
        const writes = writesTo(ipSet, `${flooder}/32`);
        duplicates += Math.max(0, writes.adding - attempts) + Math.max(0, writes.removing - attempts);
        expect(writes.adding, `seed ${seed} ${ipSet}: writes that added ${flooder}`).toBeLessThanOrEqual(attempts);
        expect(writes.removing, `seed ${seed} ${ipSet}: writes that removed it again`).toBeLessThanOrEqual(attempts);
        // Every block has its expiry: an address the system added has a pending schedule that removes it.
        if (addresses.includes(`${flooder}/32`)) {
          const expiry = pending.filter((schedule) => (schedule.input as { cidr?: string; ipSet?: { name?: string } }).cidr === `${flooder}/32` && (schedule.input as { ipSet?: { name?: string } }).ipSet?.name === ipSet);
          expect(expiry, `seed ${seed} ${ipSet}: pending expiry of ${flooder}`).toHaveLength(1);
          expect(deleted.has(expiry[0]!.name), `seed ${seed} ${ipSet}: the expiry of a standing block was deleted`).toBe(false);
          blocks += 1;
        }
        // A resolved incident blocked its flooder, and the block stands.
        const resolvedHere = result.incidents.some((incident) => incident.resource === `${site}-acl` && incident.status === 'resolved');
        if (resolvedHere) expect(addresses, `seed ${seed} ${ipSet}: resolved without the block`).toContain(`${flooder}/32`);
      }
    }
    // The block path itself was hit, lost responses included.
    for (const [operation, count] of injectedOn) expect(count, `faults injected on ${operation}`).toBeGreaterThan(3);

    report(task.meta, { leakedLeases: leaked, duplicateActions: duplicates, wafFaults: { incidents, injected, resolved, escalated, blocks } });
    console.log(
      `waf faults: ${seeds.length} seeds, ${incidents} incidents, ${injected} injected faults (${[...injectedOn].map(([operation, count]) => `${count} on ${operation}`).join(', ')}) → ` +
        `${resolved} resolved, ${escalated} escalated, ${blocks} blocks standing, each with its expiry scheduled, ${leaked} leaked leases, ${duplicates} duplicate blocks`,
    );
  });
});
