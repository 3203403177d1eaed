import type { TaskMeta } from 'vitest';

/** The figures each reliability test reports; the summary reporter prints them as one line. */
export interface ReliabilityFigures {
  /** The storm's runs started, its resources, and the signals sent: alarm state changes and log detections. */
  storm?: { executions: number; resources: number; signals: number; alarmSignals: number; logSignals: number };
  flapping?: { attempts: number; budget: number; actionsAfterOpen: number };
  leakedLeases?: number;
  duplicateActions?: number;
  faults?: { incidents: number; injected: number; resolved: number; escalated: number };
  /** Faults on the WAF block path: incidents, faults injected, how they ended, and the blocks left standing (each with its expiry). */
  wafFaults?: { incidents: number; injected: number; resolved: number; escalated: number; blocks: number };
  fuzz?: { inputs: number; crashes: number };
}

declare module 'vitest' {
  interface TaskMeta {
    reliability?: ReliabilityFigures;
  }
}

/** Attaches figures to the running test, where the reporter finds them. */
export function report(meta: TaskMeta, figures: ReliabilityFigures): void {
  meta.reliability = { ...meta.reliability, ...figures };
}

/** Merges every test's figures; leaked leases and duplicate actions add up. */
export function mergeFigures(all: readonly ReliabilityFigures[]): ReliabilityFigures {
  const merged: ReliabilityFigures = {};
  for (const figures of all) {
    const { leakedLeases, duplicateActions, ...rest } = figures;
    Object.assign(merged, rest);
    if (leakedLeases !== undefined) merged.leakedLeases = (merged.leakedLeases ?? 0) + leakedLeases;
    if (duplicateActions !== undefined) merged.duplicateActions = (merged.duplicateActions ?? 0) + duplicateActions;
  }
  return merged;
}

/** The suite's last line, once every part has run; `undefined` for a partial run. */
export function reliabilityLine(figures: ReliabilityFigures): string | undefined {
  const { storm, flapping, fuzz } = figures;
  // Leaked leases and duplicate actions add up over the flapping, faults and WAF-faults runs: all must have run.
  if (storm === undefined || flapping === undefined || fuzz === undefined || figures.faults === undefined || figures.wafFaults === undefined) return undefined;
  return (
    `reliability: storm ${storm.executions}/${storm.resources} executions from ${storm.signals} signals (${storm.alarmSignals} alarm, ${storm.logSignals} log), ` +
    `flap-attempts ${flapping.attempts} (budget ${flapping.budget}), ` +
    `leaked-leases ${figures.leakedLeases ?? 0}, duplicate-actions ${figures.duplicateActions ?? 0}, ` +
    `fuzz ${fuzz.inputs} inputs ${fuzz.crashes} crashes`
  );
}
