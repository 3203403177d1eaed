import { type ExistingIndex, type IndexCandidate, sameRelation } from './advisor-schemas.js';

/**
 * Whether a table already has what a candidate proposes. A btree index
 * serves every query a candidate would when the candidate's columns are its
 * leading columns, in order (the prefix rule): (a, b) covers (a) and (a, b),
 * not (b) or (b, a). Invalid, partial and non-btree indexes cover nothing.
 */

export function coversCandidate(index: ExistingIndex, candidate: IndexCandidate): boolean {
  if (!index.valid || index.partial || index.method !== 'btree') return false;
  if (!sameRelation(index.relation, candidate.relation)) return false;
  if (index.columns.length < candidate.columns.length) return false;
  return candidate.columns.every((column, position) => index.columns[position] === column);
}

/** The index that covers the candidate, if any. */
export const coveringIndex = (candidate: IndexCandidate, existing: readonly ExistingIndex[]): ExistingIndex | undefined =>
  existing.find((index) => coversCandidate(index, candidate));

const candidateKey = (candidate: IndexCandidate) => JSON.stringify([candidate.relation.schema, candidate.relation.table, candidate.columns]);

/** Drops duplicate candidates (same table, same columns; their reasons merged) and those an existing index covers. */
export function uncoveredCandidates(candidates: readonly IndexCandidate[], existing: readonly ExistingIndex[]): IndexCandidate[] {
  const kept = new Map<string, IndexCandidate>();
  for (const candidate of candidates) {
    if (coveringIndex(candidate, existing) !== undefined) continue;
    const key = candidateKey(candidate);
    const earlier = kept.get(key);
    kept.set(key, earlier === undefined ? candidate : { ...earlier, reasons: [...new Set([...earlier.reasons, ...candidate.reasons])] });
  }
  return [...kept.values()];
}
