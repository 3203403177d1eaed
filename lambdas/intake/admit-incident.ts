import type { Incident } from '../shared/incident.js';
import type { IncidentGroups } from '../shared/incident-groups.js';
import type { StateStore } from '../shared/state-store.js';

/**
 * How long a resource's open incident keeps grouping new signals when its
 * run never closes it: the workflow's own timeout (24 h) plus an hour, so a
 * live run always outlasts nothing and a dead one frees the resource.
 */
export const MAX_OPEN_SECONDS = 86_400 + 3_600;

export interface AdmitDependencies {
  store: StateStore;
  groups: IncidentGroups;
  /** Starts the run; resolves `exists` when a run with this name already exists. */
  startRun(executionName: string, input: string): Promise<'started' | 'exists'>;
  now: Date;
}

export interface Admission {
  /**
   * `started`: a new incident and its run; `grouped`: attached as evidence to
   * the resource's open incident; `duplicate`: a signal already seen.
   */
  status: 'started' | 'grouped' | 'duplicate';
  /** The incident the signal belongs to (the open one, when grouped). */
  incidentId: string;
  executionName: string;
  /** The signal's own id (its would-be incident id). */
  signalId: string;
}

/**
 * Admits a signal as an incident, or groups it into the resource's open one.
 *
 * Every signal competes for the resource's open-incident slot with a
 * conditional write, so of many simultaneous signals exactly one opens an
 * incident and starts a run; the rest are attached to it as evidence and
 * start nothing. The execution name is derived from the winning incident,
 * so even a replayed start is refused by Step Functions.
 */
export async function admitIncident(candidate: Incident, executionName: string, deps: AdmitDependencies): Promise<Admission> {
  const { store, groups, now } = deps;
  const signalId = candidate.incidentId;
  for (let race = 0; race < 3; race += 1) {
    const claim = await groups.claim(candidate.resource.id, candidate.incidentId, executionName, MAX_OPEN_SECONDS, now);
    if (claim.kind === 'opened' || claim.slot.holder === candidate.incidentId) {
      const opened = await store.openIncident(candidate, executionName, now);
      const run = await deps.startRun(executionName, JSON.stringify({ incident: candidate, attempt: { number: 0 } }));
      // Standard workflows accept a repeated start with identical input as the same
      // execution, so a redelivery that finds the incident open is a duplicate.
      const status = run === 'started' && opened === 'opened' ? 'started' : 'duplicate';
      return { status, incidentId: candidate.incidentId, executionName, signalId };
    }

    const holder = claim.slot;
    const attached = await groups.attach(holder.holder, { signalId, receivedAt: now.toISOString(), evidence: candidate.evidence }, now);
    // The holder may have closed between the claim and the attach; then the
    // signal must open an incident of its own rather than vanish into a closed one.
    const still = await groups.openIncident(candidate.resource.id);
    if (still?.holder === holder.holder) {
      return { status: attached === 'attached' ? 'grouped' : 'duplicate', incidentId: holder.holder, executionName: holder.executionName, signalId };
    }
  }
  throw new Error(`could not settle the open incident of ${candidate.resource.id}: it changed hands three times`);
}
