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

/** Capacity increases that no attempt accounts for: an action applied twice. */
function duplicateActions(result: ScenarioReport): number {
  const attempts = result.incidents.reduce((sum, incident) => sum + (incident.attempts ?? 0), 0);
  const increases = result.world.capacityChanges.filter((change) => change.to > change.from).length;
  return Math.max(0, increases - attempts);
}

describe('reliability: flapping and faults', () => {
  beforeEach(() => {
    // Handlers read their configuration at import, like a fresh Lambda environment.
    vi.resetModules();
  });

  it('a fix that never works is applied at most the budget\'s times, then the circuit stays open and nothing more is done', async ({ task }) => {
    const firings = 6;
    const result = await run({
      name: 'flapping',
      title: 'flapping',
      description: 'the alarm is stuck whatever the capacity, and keeps firing',
      mode: 'auto',
      resources: [{ name: 'web', alarmNames: ['web-cpu-high'], maxStep: 1, maxAttempts: 2, cooldownSeconds: 0 }],
      world: {
        autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 20, desiredCapacity: 4, cpuDemand: 380 }],
        alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70, stuck: true }],
      },
      signals: Array.from({ length: firings }, (_, index) => ({ alarm: 'web-cpu-high', afterRunsSettle: index > 0 })),
      expect: {
        executions: firings,
        notifications: firings,
        incidents: Array.from({ length: firings }, () => ({ resource: 'web', status: 'escalated' as const })),
        circuits: { web: 'open' },
      },
    });

    const actions = result.world.capacityChanges.length;
    const budget = DEFAULT_FLAP_GUARD.attemptBudget;
    const statuses = result.incidents.map((incident) => incident.status);
    // The third failure opened the circuit; every later incident escalated without an attempt.
    const afterOpen = result.incidents.slice(2);
    expect(actions).toBe(budget);
    expect(statuses).toEqual(Array(firings).fill('escalated'));
    expect(afterOpen.map((incident) => incident.attempts)).toEqual(Array(firings - 2).fill(0));
    expect(afterOpen.every((incident) => /circuit/.test(incident.summary ?? ''))).toBe(true);
    expect(result.leakedLeases).toEqual([]);
    expect(result.passed).toBe(true);

    report(task.meta, {
      flapping: { attempts: actions, budget, actionsAfterOpen: 0 },
      leakedLeases: result.leakedLeases.length,
      duplicateActions: duplicateActions(result),
    });
    console.log(`flapping: ${firings} firings → ${actions} actions (budget ${budget}), ${firings - 2} incidents escalated with the circuit open`);
  });

  it('under seeded random failures, throttling and lost responses on every AWS call, no action is doubled, no lease leaks, every incident ends', async ({ task }) => {
    const seeds = [1, 2, 3, 4, 5, 6];
    let incidents = 0;
    let injected = 0;
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
          chaos: { seed, failureRate: 0.12, lostResponseRate: 0.25 },
        },
        signals: groups.map((group) => ({ alarm: `${group}-cpu-high` })),
        expect: { executions: groups.length },
      });

      incidents += result.incidents.length;
      injected += result.world.calls.filter((call) => call.failed !== undefined).length;
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

    report(task.meta, { faults: { incidents, injected, resolved, escalated }, leakedLeases: leaked, duplicateActions: duplicates });
    console.log(`faults: ${seeds.length} seeds, ${incidents} incidents, ${injected} injected faults → ${resolved} resolved, ${escalated} escalated, ${leaked} leaked leases, ${duplicates} duplicate actions`);
  });
});
