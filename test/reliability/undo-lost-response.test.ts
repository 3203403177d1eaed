import type { UpdateIPSetCommandInput } from '@aws-sdk/client-wafv2';
import type { SetDesiredCapacityCommandInput } from '@aws-sdk/client-auto-scaling';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runScenario, type ScenarioReport } from '../../local/run-scenario.js';
import { type ScenarioInput, ScenarioSchema } from '../../local/scenario.js';

/**
 * An undo whose write took effect but whose response was lost. The undo
 * step is retried, finds the target already back where it was, and must
 * still report the action as undone: it was, by the step's own first try.
 * Otherwise RecordAttemptResult records the attempt as `unhealthy` instead
 * of `undone`, AcquireLease's "an undone fix is not repeated" guard does not
 * see it, and the incident applies the same failed fix again.
 *
 * Only the one write is disturbed (lost responses, no other faults), and
 * there is one resource, so the seeded faults land on the same calls every run.
 *
 * KNOWN BUGS, reported to the lead; the `it.fails` cases below pin them and
 * start failing once the source is fixed (then `.fails` comes off):
 * 1. lambdas/block-ip-in-waf/index.ts, the undo's report: `undone: unblock.removed`
 *    is false when the retry finds the address already gone, though the block
 *    ledger records it as undone; the same block is then made again.
 * 2. lambdas/scale-out-asg/index.ts `undoScaleOut`: a group already back at
 *    `before` returns `undone: false` ("nothing to undo"), the same flaw; and
 *    before that can show, its result carries `details.restoredTo: undefined`,
 *    which Powertools Idempotency cannot save (the document client is not
 *    told to drop undefined values): every undo that finds nothing to reverse
 *    fails with IdempotencyPersistenceLayerError, is retried four times, and
 *    escalates as "undoing it failed too".
 */

/** `RELIABILITY_TIMELINE=<scenario name>` prints that run's timeline. */
const run = (input: ScenarioInput): Promise<ScenarioReport> =>
  runScenario(ScenarioSchema.parse(input), { print: process.env.RELIABILITY_TIMELINE === input.name ? (line) => console.log(line) : () => undefined });

/** Every mutating operation of the world but `operation`: those are never disturbed. */
const allMutatingBut = (operation: string) =>
  ['SetDesiredCapacity', 'Publish', 'StartExecution', 'SendTaskSuccess', 'SendTaskFailure', 'UpdateIPSet', 'CreateSchedule', 'DeleteSchedule'].filter((name) => name !== operation);

function asgScenario(seed: number): ScenarioInput {
  return {
    name: 'undo-lost-response-asg',
    title: 'undo, response lost',
    description: 'the alarm is stuck; the undo of the scale-out takes effect but its response is lost',
    mode: 'auto',
    resources: [{ name: 'web', alarmNames: ['web-cpu-high'], maxStep: 1, maxAttempts: 3, cooldownSeconds: 0 }],
    world: {
      autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 20, desiredCapacity: 4, cpuDemand: 380 }],
      alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70, stuck: true }],
      chaos: { seed, failureRate: 0, lostResponseRate: 0.5, spare: allMutatingBut('SetDesiredCapacity') },
    },
    signals: [{ alarm: 'web-cpu-high' }],
    expect: { executions: 1 },
  };
}

function wafScenario(seed: number): ScenarioInput {
  return {
    name: 'undo-lost-response-waf',
    title: 'undo, response lost',
    description: 'two clients flood; blocking the worst is not enough, so the block is undone, and the undo write loses its response',
    mode: 'auto',
    resources: [
      {
        kind: 'waf-web-acl',
        name: 'wiki-acl',
        scope: 'REGIONAL',
        ipSetName: 'wiki-blocklist',
        alarmNames: ['wiki-request-rate-high'],
        logGroupNames: ['aws-waf-logs-wiki'],
        autonomy: { blockIpInWaf: 'auto' },
        verifyAfterSeconds: 120,
      },
    ],
    world: {
      autoScalingGroups: [],
      alarms: [{ name: 'wiki-request-rate-high', source: 'request-rate', webAcl: 'wiki-acl', threshold: 3_000 }],
      wafIpSets: [{ name: 'wiki-blocklist', scope: 'REGIONAL', id: '6f1c2a8e-5b1d-4c39-9d0e-2f7a1b3c4d99', addresses: [] }],
      webAcls: [{ name: 'wiki-acl', ipSetNames: ['wiki-blocklist'], logGroupName: 'aws-waf-logs-wiki' }],
      clients: [
        { ip: '203.0.113.70', requestsPerMinute: 6_000, webAcl: 'wiki-acl' },
        { ip: '203.0.113.71', requestsPerMinute: 4_000, webAcl: 'wiki-acl' },
      ],
      chaos: { seed, failureRate: 0, lostResponseRate: 0.5, spare: allMutatingBut('UpdateIPSet') },
    },
    signals: [{ alarm: 'wiki-request-rate-high' }],
    expect: { executions: 1 },
  };
}

/** Seeds with which the undo's own write loses its response (each case checks it). */
const SEEDS = { asg: 1, waf: 1 };

const CASES = [
  {
    what: 'a scale-out',
    scenario: () => asgScenario(SEEDS.asg),
    /** The undo's write: capacity set back to 4. */
    lostUndo: (result: ScenarioReport) =>
      result.world.calls.some((call) => call.operation === 'SetDesiredCapacity' && call.failed === 'lost response' && (call.input as SetDesiredCapacityCommandInput).DesiredCapacity === 4),
    /** The fix applied: capacity raised. */
    applied: (result: ScenarioReport) => result.world.capacityChanges.filter((change) => change.to > change.from).length,
    undone: (result: ScenarioReport) => result.world.capacityChanges.filter((change) => change.to < change.from).length,
  },
  {
    what: 'a WAF block',
    scenario: () => wafScenario(SEEDS.waf),
    /** The undo's write: the set without the address. */
    lostUndo: (result: ScenarioReport) =>
      result.world.calls.some(
        (call) => call.operation === 'UpdateIPSet' && call.failed === 'lost response' && !((call.input as UpdateIPSetCommandInput).Addresses ?? []).includes('203.0.113.70/32'),
      ),
    /** Blocks made: one expiry schedule each. */
    applied: (result: ScenarioReport) => new Set(result.world.calls.filter((call) => call.operation === 'CreateSchedule').map((call) => (call.input as { Name?: string }).Name)).size,
    undone: (result: ScenarioReport) =>
      result.world.calls.filter(
        (call) =>
          call.operation === 'UpdateIPSet' &&
          (call.failed === undefined || call.failed === 'lost response') &&
          !((call.input as UpdateIPSetCommandInput).Addresses ?? []).includes('203.0.113.70/32'),
      ).length,
  },
] as const;

describe('reliability: an undo whose response is lost', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  for (const scenarioCase of CASES) {
    const results: ScenarioReport[] = [];

    it(`${scenarioCase.what} whose undo loses its response stays within the budget, is undone, leaks no lease, and escalates`, async () => {
      const result = await run(scenarioCase.scenario());
      results.push(result);
      // The precondition: the undo's write took effect and its response was lost.
      expect(scenarioCase.lostUndo(result), 'no undo lost its response with this seed: pick another').toBe(true);
      expect(result.incidents).toHaveLength(1);
      expect(result.incidents[0]!.status).toBe('escalated');
      expect(result.incidents[0]!.attempts ?? 0).toBeLessThanOrEqual(3);
      expect(scenarioCase.undone(result), 'every failed fix is undone').toBeGreaterThanOrEqual(scenarioCase.applied(result));
      expect(result.leakedLeases).toEqual([]);
    });

    // KNOWN BUG: see the file's comment. Remove `.fails` once the undo reports a retried, already-effective undo as undone.
    it(`${scenarioCase.what} undone by a write whose response was lost is recorded as undone and not repeated within the incident`, () => {
      const [result] = results;
      expect(result, 'the scenario ran').toBeDefined();
      expect(result!.incidents[0]!.summary, 'the retried undo could not save its result').not.toMatch(/IdempotencyPersistenceLayerError/);
      expect(scenarioCase.applied(result!), 'fixes applied in the incident').toBe(1);
      expect(result!.incidents[0]!.attempts).toBe(1);
      expect(result!.incidents[0]!.summary).toMatch(/not repeated/);
    });
  }
});
