import { describe, expect, it } from 'vitest';
import type { ExistingIndex, IndexCandidate } from '../../lambdas/shared/index-advisor/advisor-schemas.js';
import { coveringIndex, coversCandidate, uncoveredCandidates } from '../../lambdas/shared/index-advisor/coverage.js';

const relation = { schema: 'app', table: 'orders' };
const candidate = (...columns: string[]): IndexCandidate => ({ relation, columns, reasons: ['filter-equality'] });
const index = (name: string, columns: Array<string | null>, fields: Partial<ExistingIndex> = {}): ExistingIndex => ({
  relation,
  name,
  columns,
  method: 'btree',
  valid: true,
  unique: false,
  partial: false,
  ...fields,
});

describe('coversCandidate', () => {
  it.each([
    [['a'], ['a'], true],
    [['a', 'b'], ['a'], true],
    [['a', 'b'], ['a', 'b'], true],
    [['a', 'b'], ['b'], false],
    [['a', 'b'], ['b', 'a'], false],
    [['a'], ['a', 'b'], false],
    [[null, 'a'], ['a'], false],
    [['a', null], ['a'], true],
  ] as const)('index (%j) covers candidate (%j): %s', (indexColumns, candidateColumns, expected) => {
    // Act & Assess
    expect(coversCandidate(index('i', [...indexColumns]), candidate(...candidateColumns))).toBe(expected);
  });

  it.each([
    ['an INVALID index', { valid: false }],
    ['a partial index', { partial: true }],
    ['a hash index', { method: 'hash' }],
    ['an index of another table', { relation: { schema: 'app', table: 'customers' } }],
    ['an index of the same table name in another schema', { relation: { schema: 'other', table: 'orders' } }],
  ])('does not count %s', (_what, fields) => {
    // Act & Assess
    expect(coversCandidate(index('i', ['a'], fields), candidate('a'))).toBe(false);
  });

  it('counts a unique index like any btree', () => {
    // Act & Assess
    expect(coveringIndex(candidate('a'), [index('other', ['b']), index('uniq', ['a'], { unique: true })])?.name).toBe('uniq');
  });
});

describe('uncoveredCandidates', () => {
  it('drops covered candidates and merges duplicates', () => {
    // Prepare
    const candidates: IndexCandidate[] = [
      candidate('a'),
      { relation, columns: ['b'], reasons: ['filter-equality'] },
      { relation, columns: ['b'], reasons: ['join-key'] },
      candidate('b', 'a'),
    ];

    // Act
    const kept = uncoveredCandidates(candidates, [index('orders_a_b', ['a', 'b'])]);

    // Assess
    expect(kept).toEqual([
      { relation, columns: ['b'], reasons: ['filter-equality', 'join-key'] },
      { relation, columns: ['b', 'a'], reasons: ['filter-equality'] },
    ]);
  });

  it('keeps everything when the table has no indexes', () => {
    // Act & Assess
    expect(uncoveredCandidates([candidate('a'), candidate('a', 'b')], [])).toHaveLength(2);
  });
});
