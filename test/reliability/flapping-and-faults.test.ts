import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_FLAP_GUARD } from '../../lambdas/shared/flap-guard.js';
import { runScenario, type ScenarioReport } from '../../local/run-scenario.js';
import { type ScenarioInput, ScenarioSchema } from '../../local/scenario.js';
import { report } from './reliability-figures.js';

/**
 * Flapping and faults, end to end: the real state machine, the real
 * handlers, dynalite and the simulated world.
 */

const run = (input: ScenarioInput): Promise<ScenarioReport> => runScenario(ScenarioSchema.parse(input), { print: () => undefined });

/** Times the workflow entered a state, over every run. */
function entered(result: ScenarioReport, state: string): number {
  return result.executions.reduce((sum, execution) => sum + execution.path.filter((name) => name === state).length, 0);
}

/**
 * Actions applied twice: capacity increases that no attempt accounts for,
 * and capacity decreases that no undo step accounts for (an undo applied
 * twice would take away capacity that someone else added since).
 */
function duplicateActions(result: ScenarioReport): number {
  const attempts = result.incidents.reduce((sum, incident) => sum + (incident.attempts ?? 0), 0);
  const increases = result.world.capacityChanges.filter((change) => change.to > change.from).length;
  const decreases = result.world.capacityChanges.filter((change) => change.to < change.from).length;
  return Math.max(0, increases - attempts) + Math.max(0, decreases - entered(result, 'UndoScaleOutAsg'));
}

describe('reliability: flapping and faults', () => {
  beforeEach(() => {
    // Handlers read their configuration at import, like a fresh Lambda environment.
    vi.resetModules();
  });

  it('a fix that never works is applied at most the budget\'s times, each time undone and not repeated, then the circuit stays open and nothing more is done until a human resets it', async ({ task }) => {
    const firings = 6;
    const result = await run({
      name: 'flapping',
      title: 'flapping',
      description: 'the alarm is stuck whatever the capacity (its metric does not move), and keeps firing; a human resets the circuit, and it fires once more',
      mode: 'auto',
      resources: [{ name: 'web', alarmNames: ['web-cpu-high'], maxStep: 1, maxAttempts: 2, cooldownSeconds: 0 }],
      world: {
        autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 20, desiredCapacity: 4, cpuDemand: 380 }],
        alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70, stuck: true }],
      },
      signals: [
        ...Array.from({ length: firings }, (_, index) => ({ alarm: 'web-cpu-high', afterRunsSettle: index > 0 })),
        { resetCircuit: 'web', by: 'reliability-suite' },
        { alarm: 'web-cpu-high', afterRunsSettle: true },
      ],
      expect: {
        executions: firings + 1,
        notifications: firings + 1,
        incidents: Array.from({ length: firings + 1 }, () => ({ resource: 'web', status: 'escalated' as const })),
        groups: { web: { desiredCapacity: 4 } },
        // One failure since the reset: below the threshold.
        circuits: { web: 'closed' },
      },
    });

    const budget = DEFAULT_FLAP_GUARD.attemptBudget;
    const beforeReset = result.incidents.slice(0, firings);
    const afterReset = result.incidents.slice(firings);
    const statuses = result.incidents.map((incident) => incident.status);
    const changes = result.world.capacityChanges;
    const applied = changes.filter((change) => change.to > change.from);
    const undone = changes.filter((change) => change.to < change.from);

    expect(statuses).toEqual(Array(firings + 1).fill('escalated'));
    // Each attempt fails verification without improving the metric, so it is undone at once,
    // and the incident does not try the same fix again: it escalates instead.
    expect(beforeReset.slice(0, budget).map((incident) => incident.attempts)).toEqual(Array(budget).fill(1));
    for (const incident of beforeReset.slice(0, budget - 1)) expect(incident.summary, incident.incidentId).toMatch(/undone.*not repeated/);
    // The budget's failures opened the circuit; every later incident escalated without an attempt.
    const opened = beforeReset.findIndex((incident) => /circuit is open/.test(incident.summary ?? ''));
    expect(opened).toBe(budget - 1);
    const afterOpen = beforeReset.slice(opened + 1);
    expect(afterOpen.map((incident) => incident.attempts)).toEqual(Array(firings - budget).fill(0));
    expect(afterOpen.every((incident) => /circuit/.test(incident.summary ?? ''))).toBe(true);
    // Every action before the reset: the budget's scale-outs, each reversed by its undo, in turn.
    const actionsBeforeReset = beforeReset.reduce((sum, incident) => sum + (incident.attempts ?? 0), 0);
    expect(actionsBeforeReset).toBe(budget);
    expect(changes.slice(0, 2 * budget)).toEqual(Array.from({ length: budget }, () => [{ group: 'web', from: 4, to: 5 }, { group: 'web', from: 5, to: 4 }]).flat());
    // After the reset, automation resumes: one more attempt, undone and escalated in turn.
    expect(afterReset.map((incident) => incident.attempts)).toEqual([1]);
    expect(changes.slice(2 * budget)).toEqual([{ group: 'web', from: 4, to: 5 }, { group: 'web', from: 5, to: 4 }]);
    expect(applied).toHaveLength(undone.length);
    expect(result.leakedLeases).toEqual([]);
    expect(duplicateActions(result)).toBe(0);
    expect(result.mismatches).toEqual([]);

    report(task.meta, {
      flapping: { attempts: actionsBeforeReset, budget, actionsAfterOpen: 0 },
      leakedLeases: result.leakedLeases.length,
      duplicateActions: duplicateActions(result),
    });
    console.log(
      `flapping: ${firings} firings → ${actionsBeforeReset} actions (budget ${budget}), each undone; ${afterOpen.length} incidents escalated with the circuit open; ` +
        `after the reset, 1 more action (undone)`,
    );
  });

  it('under seeded random failures, throttling and lost responses on every AWS call (DynamoDB included), no action is doubled, no lease leaks, every incident ends', async ({ task }) => {
    const seeds = [1, 2, 3, 4, 5, 6];
    let incidents = 0;
    let injected = 0;
    let dynamoDbFaults = 0;
    let resolved = 0;
    let escalated = 0;
    let leaked = 0;
    let duplicates = 0;
    for (const seed of seeds) {
      vi.resetModules();
      const groups = ['web', 'api', 'batch', 'edge'];
      const result = await run({
        name: `faults-${seed}`,
        title: 'faults',
        description: 'seeded chaos on every AWS call',
        mode: 'auto',
        resources: groups.map((group) => ({ name: group, alarmNames: [`${group}-cpu-high`], maxStep: 2, maxAttempts: 3 })),
        world: {
          autoScalingGroups: groups.map((group) => ({ name: group, minSize: 2, maxSize: 20, desiredCapacity: 4, cpuDemand: 380 })),
          alarms: groups.map((group) => ({ name: `${group}-cpu-high`, autoScalingGroupName: group, threshold: 70 })),
          // DynamoDB at lower rates: every step makes several DynamoDB calls (idempotency record, lease, ledger) per other call.
          chaos: { seed, failureRate: 0.12, lostResponseRate: 0.25, dynamoDb: { failureRate: 0.05, lostResponseRate: 0.05 } },
        },
        signals: groups.map((group) => ({ alarm: `${group}-cpu-high` })),
        expect: { executions: groups.length },
      });

      incidents += result.incidents.length;
      injected += result.world.calls.filter((call) => call.failed !== undefined).length;
      dynamoDbFaults += result.world.calls.filter((call) => call.failed !== undefined && call.operation.startsWith('DynamoDB.')).length;
      resolved += result.incidents.filter((incident) => incident.status === 'resolved').length;
      escalated += result.incidents.filter((incident) => incident.status === 'escalated').length;
      leaked += result.leakedLeases.length;
      duplicates += duplicateActions(result);

      expect(result.incidents, `seed ${seed}`).toHaveLength(groups.length);
      for (const incident of result.incidents) expect(['resolved', 'escalated'], `seed ${seed}: ${incident.summary}`).toContain(incident.status);
      expect(result.leakedLeases, `seed ${seed}`).toEqual([]);
      expect(duplicateActions(result), `seed ${seed}`).toBe(0);
      for (const group of groups) {
        // Never beyond what the attempts allow: maxStep per attempt.
        const attempts = result.incidents.filter((incident) => incident.resource === group).reduce((sum, incident) => sum + (incident.attempts ?? 0), 0);
        expect(result.world.groups.get(group)!.desiredCapacity, `seed ${seed} ${group}`).toBeLessThanOrEqual(4 + 2 * attempts);
      }
    }
    expect(injected).toBeGreaterThan(50);
    expect(dynamoDbFaults).toBeGreaterThan(20);

    report(task.meta, { faults: { incidents, injected, resolved, escalated }, leakedLeases: leaked, duplicateActions: duplicates });
    console.log(`faults: ${seeds.length} seeds, ${incidents} incidents, ${injected} injected faults (${dynamoDbFaults} on DynamoDB) → ${resolved} resolved, ${escalated} escalated, ${leaked} leaked leases, ${duplicates} duplicate actions`);
  });
});
