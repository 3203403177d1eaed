import { type Finding, SEVERITY_RANK } from './finding.js';
import { clip, clipLogLine } from './text.js';
import { type KubeTime, timeMs } from './time.js';

/**
 * Orders findings for the decision step and fits them to its budgets.
 * Ranking: severity first, then closeness of `at` to the incident onset
 * (findings without a time after those with one), then the analyzers'
 * order. Budget: at most `maxFindings`, and at most `maxChars` of JSON;
 * evidence is shortened, lowest-ranked findings first, before any finding
 * is dropped.
 */

export const DEFAULT_MAX_FINDINGS = 10;
export const DEFAULT_MAX_CHARS = 6_000;

export function rankFindings(findings: readonly Finding[], onsetAt?: KubeTime): Finding[] {
  const onset = timeMs(onsetAt);
  const distance = (finding: Finding) => {
    const at = timeMs(finding.at);
    if (at === undefined) return Number.POSITIVE_INFINITY;
    return onset === undefined ? 0 : Math.abs(at - onset);
  };
  return findings
    .map((finding, index) => ({ finding, index, severity: SEVERITY_RANK[finding.severity], distance: distance(finding) }))
    .sort((a, b) => a.severity - b.severity || a.distance - b.distance || a.index - b.index)
    .map((entry) => entry.finding);
}

interface CompactionLevel {
  readonly logLines: number;
  readonly events: number;
  readonly lineChars: number;
}

/** Progressively shorter evidence; the last level keeps no log tail and no events. */
const LEVELS: readonly CompactionLevel[] = [
  { logLines: 10, events: 3, lineChars: 300 },
  { logLines: 5, events: 2, lineChars: 160 },
  { logLines: 2, events: 1, lineChars: 120 },
  { logLines: 0, events: 0, lineChars: 120 },
];

export function compactFinding(finding: Finding, level: CompactionLevel): Finding {
  const { logTail, events, containerState, ...rest } = finding.evidence;
  const tail = logTail?.slice(logTail.length - level.logLines).map((line) => clipLogLine(line, level.lineChars));
  const kept = events?.slice(0, level.events).map((line) => clip(line, level.lineChars));
  return {
    ...finding,
    evidence: {
      ...rest,
      ...(kept === undefined || kept.length === 0 ? {} : { events: kept }),
      ...(containerState === undefined ? {} : { containerState: clip(containerState, level.lineChars) }),
      ...(tail === undefined || tail.length === 0 ? {} : { logTail: tail }),
    },
  };
}

export interface BudgetResult {
  readonly findings: Finding[];
  /** How many ranked findings were left out. */
  readonly trimmed: number;
  /** How many kept findings had their evidence shortened. */
  readonly compacted: number;
}

const size = (findings: readonly Finding[]) => JSON.stringify(findings).length;

/** Fits ranked findings to a count and a JSON size budget (see the module comment). */
export function fitBudget(ranked: readonly Finding[], maxFindings = DEFAULT_MAX_FINDINGS, maxChars = DEFAULT_MAX_CHARS): BudgetResult {
  const original = ranked.slice(0, Math.max(0, maxFindings));
  const kept = [...original];
  const touched = new Set<number>();
  const result = (): BudgetResult => ({
    findings: kept,
    trimmed: ranked.length - kept.length,
    compacted: [...touched].filter((index) => index < kept.length).length,
  });
  if (size(kept) <= maxChars) return result();
  for (const level of LEVELS) {
    for (let index = kept.length - 1; index >= 0; index -= 1) {
      const compacted = compactFinding(original[index] as Finding, level);
      if (JSON.stringify(compacted) !== JSON.stringify(kept[index])) touched.add(index);
      kept[index] = compacted;
      if (size(kept) <= maxChars) return result();
    }
  }
  while (kept.length > 1 && size(kept) > maxChars) kept.pop();
  return result();
}
