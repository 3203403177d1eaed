import type { Finding } from './finding.js';
import { earliestIso } from './time.js';

/**
 * Folds findings about sibling pods (same owner, same container, same
 * reason) into one, so three crashing replicas cost one finding of the
 * budget. The kept finding is the first with a log tail (else the first);
 * it gains `details.affectedPods` (how many) and `details.otherPods` (up to
 * five names), and the earliest `at` of the group.
 */

export const MAX_LISTED_SIBLINGS = 5;

function siblingKey(finding: Finding): string | undefined {
  if (finding.kind !== 'Pod') return undefined;
  const details = finding.evidence.details ?? {};
  const owner = details.replicaSet ?? details.deployment;
  if (owner === undefined) return undefined;
  return [finding.namespace ?? '', owner, details.container ?? '', finding.reason].join('|');
}

export function collapsePodFindings(findings: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  const order: Array<Finding | string> = [];
  for (const finding of findings) {
    const key = siblingKey(finding);
    if (key === undefined) {
      order.push(finding);
      continue;
    }
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, [finding]);
      order.push(key);
    } else {
      group.push(finding);
    }
  }
  return order.map((entry) => {
    if (typeof entry !== 'string') return entry;
    const group = groups.get(entry) as Finding[];
    if (group.length === 1) return group[0] as Finding;
    const kept = group.find((finding) => finding.evidence.logTail !== undefined) ?? (group[0] as Finding);
    const others = group.filter((finding) => finding !== kept).map((finding) => finding.name);
    const at = earliestIso(group.map((finding) => finding.at));
    return {
      ...kept,
      ...(at === undefined ? {} : { at }),
      evidence: {
        ...kept.evidence,
        details: {
          ...kept.evidence.details,
          affectedPods: String(group.length),
          otherPods: others.slice(0, MAX_LISTED_SIBLINGS).join(',') + (others.length > MAX_LISTED_SIBLINGS ? ',…' : ''),
        },
      },
    };
  });
}
