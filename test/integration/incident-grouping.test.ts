import { beforeEach, describe, expect, it } from 'vitest';
import { admitIncident, MAX_OPEN_SECONDS } from '../../lambdas/intake/admit-incident.js';
import { executionNameFor } from '../../lambdas/shared/execution-name.js';
import type { Incident } from '../../lambdas/shared/incident.js';
import { IncidentGroups } from '../../lambdas/shared/incident-groups.js';
import { StateStore } from '../../lambdas/shared/state-store.js';
import { testIncident } from '../support/fixtures.js';
import { useLocalTables } from '../support/local-tables.js';

/**
 * Grouping against dynalite, where the conditional writes are really
 * evaluated: of many simultaneous signals about one resource, exactly one
 * opens an incident and starts a run.
 */
describe('incident grouping on a DynamoDB-protocol server', () => {
  const tables = useLocalTables('groups');
  let store: StateStore;
  let groups: IncidentGroups;
  let runs: Set<string>;
  const t0 = new Date('2026-11-27T10:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeEach(async () => {
    const table = await tables.freshTable();
    store = new StateStore(tables.client, table);
    groups = new IncidentGroups(tables.client, table);
    runs = new Set();
  });

  /** A distinct signal about `resource`: its own would-be incident id. */
  function signal(n: number, resource = 'web'): Incident {
    return testIncident({
      incidentId: `inc-${n.toString(16).padStart(20, '0')}`,
      resource: { kind: 'autoscaling-group', name: resource, id: `autoscaling-group/${resource}` },
      evidence: [{ kind: 'alarm-state-change', at: t0.toISOString(), summary: `signal ${n}`, data: {} }],
    });
  }

  const admit = (incident: Incident, now = t0) =>
    admitIncident(incident, executionNameFor(incident.incidentId, incident.resource.name), {
      store,
      groups,
      now,
      startRun: async (name) => {
        if (runs.has(name)) return 'exists';
        runs.add(name);
        return 'started';
      },
    });

  it('opens one incident for 100 simultaneous signals about one resource and groups the other 99 into it', async () => {
    const admissions = await Promise.all(Array.from({ length: 100 }, (_, n) => admit(signal(n + 1))));

    const started = admissions.filter((a) => a.status === 'started');
    expect(started).toHaveLength(1);
    expect(runs.size).toBe(1);
    const grouped = admissions.filter((a) => a.status === 'grouped');
    expect(grouped).toHaveLength(99);
    expect(new Set(grouped.map((a) => a.incidentId))).toEqual(new Set([started[0]!.incidentId]));
    expect(new Set(grouped.map((a) => a.executionName))).toEqual(new Set([started[0]!.executionName]));
    expect(await groups.groupedSignals(started[0]!.incidentId, 200)).toHaveLength(99);
  });

  it('counts a redelivered grouped signal once', async () => {
    await admit(signal(1));
    const first = await admit(signal(2));
    const again = await admit(signal(2));

    expect(first.status).toBe('grouped');
    expect(again.status).toBe('duplicate');
    expect(await groups.groupedSignals(signal(1).incidentId)).toHaveLength(1);
  });

  it('reports a redelivery of the opening signal as a duplicate and starts nothing more', async () => {
    const first = await admit(signal(1));
    const again = await admit(signal(1));

    expect(first.status).toBe('started');
    expect(again).toMatchObject({ status: 'duplicate', incidentId: first.incidentId, executionName: first.executionName });
    expect(runs.size).toBe(1);
  });

  it('keeps resources apart: one incident per resource', async () => {
    const admissions = await Promise.all(
      Array.from({ length: 60 }, (_, n) => admit(signal(n + 1, `web-${n % 3}`))),
    );
    expect(admissions.filter((a) => a.status === 'started')).toHaveLength(3);
    expect(runs.size).toBe(3);
  });

  it('opens a new incident once the open one has closed', async () => {
    const first = await admit(signal(1));
    await store.closeIncident(
      signal(1),
      { incidentId: first.incidentId, outcome: 'resolved', attempts: 1, closedAt: at(60).toISOString(), summary: 'ok' },
      {},
      at(60),
    );

    const later = await admit(signal(2), at(120));

    expect(later.status).toBe('started');
    expect(later.incidentId).toBe(signal(2).incidentId);
    expect(runs.size).toBe(2);
  });

  it('does not let a run that died hold the resource past the open window', async () => {
    await admit(signal(1));

    const during = await admit(signal(2), at(MAX_OPEN_SECONDS - 1));
    const after = await admit(signal(3), at(MAX_OPEN_SECONDS + 1));

    expect(during.status).toBe('grouped');
    expect(after.status).toBe('started');
  });

  it('leaves a newer incident\'s slot alone when an expired holder closes late', async () => {
    await admit(signal(1));
    const newer = await admit(signal(2), at(MAX_OPEN_SECONDS + 1));
    await store.closeIncident(
      signal(1),
      { incidentId: signal(1).incidentId, outcome: 'escalated', attempts: 0, closedAt: at(MAX_OPEN_SECONDS + 5).toISOString(), summary: 'late' },
      {},
      at(MAX_OPEN_SECONDS + 5),
    );

    expect((await groups.openIncident('autoscaling-group/web'))?.holder).toBe(newer.incidentId);
  });
});
