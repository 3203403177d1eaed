import { describe, expect, it } from 'vitest';
import type { IndexCandidate } from '../../lambdas/shared/index-advisor/advisor-schemas.js';
import { candidateIndexes } from '../../lambdas/shared/index-advisor/candidates.js';
import { fixturePlan, node } from './fixtures.js';

const brief = (candidates: readonly IndexCandidate[]) => candidates.map((candidate) => `${candidate.relation.schema}.${candidate.relation.table}(${candidate.columns.join(',')})`);

describe('candidateIndexes on real plans', () => {
  it('proposes each equality column of a filter, then all of them together', () => {
    // Act
    const candidates = candidateIndexes(fixturePlan('seq-scan-filter'));

    // Assess
    expect(brief(candidates)).toEqual(['shop.orders(customer_id)', 'shop.orders(status)', 'shop.orders(customer_id,status)']);
    expect(candidates[0]!.reasons).toEqual(['filter-equality']);
  });

  it('puts equality columns before the range column', () => {
    // Act
    const candidates = candidateIndexes(fixturePlan('range-filter'));

    // Assess
    expect(brief(candidates)).toEqual(['shop.events(kind)', 'shop.events(occurred_at)', 'shop.events(kind,occurred_at)']);
    expect(candidates[2]!.reasons).toEqual(['filter-equality', 'filter-range']);
  });

  it('proposes the join key of a side read in full, and the filters of both sides', () => {
    // Act
    const candidates = candidateIndexes(fixturePlan('hash-join'));

    // Assess
    expect(brief(candidates)).toEqual([
      'shop.orders(status)',
      'shop.orders(customer_id)',
      'shop.orders(customer_id,status)',
      'shop.customers(country)',
      'shop.customers(id)',
      'shop.customers(id,country)',
    ]);
    expect(candidates.find((candidate) => candidate.columns.join() === 'customer_id')!.reasons).toEqual(['join-key']);
  });

  it('proposes no join key for a side already read through an index', () => {
    // Act
    const candidates = candidateIndexes(fixturePlan('join-by-email'));

    // Assess: customers is found by its email index; the index on email is proposed again and left to coverage
    expect(brief(candidates)).toEqual(['shop.orders(customer_id)', 'shop.customers(email)']);
  });

  it('proposes ORDER BY … LIMIT keys after the equality columns', () => {
    // Act
    const candidates = candidateIndexes(fixturePlan('limit-sort'));

    // Assess
    expect(brief(candidates)).toEqual(['shop.events(user_id)', 'shop.events(occurred_at)', 'shop.events(user_id,occurred_at)']);
    expect(candidates[2]!.reasons).toEqual(['filter-equality', 'sort-key']);
  });

  it('proposes the sort key of a parallel top-N', () => {
    // Act & Assess
    expect(brief(candidateIndexes(fixturePlan('parallel-top-n')))).toEqual(['shop.orders(created_at)']);
  });

  it('reads the filter left over by an index scan', () => {
    // Act & Assess
    expect(brief(candidateIndexes(fixturePlan('index-scan-filter')))).toEqual(['shop.customers(email)', 'shop.customers(tier)', 'shop.customers(email,tier)']);
  });

  it('proposes nothing for an OR', () => {
    // Act & Assess
    expect(candidateIndexes(fixturePlan('or-filter'))).toEqual([]);
  });
});

describe('candidateIndexes on hand-made plans', () => {
  const scan = (fields: Parameters<typeof node>[1]) => node('Seq Scan', { relationName: 't', schema: 'app', alias: 't', ...fields });

  it('uses the default schema when the plan names none (EXPLAIN without VERBOSE)', () => {
    // Act
    const candidates = candidateIndexes(node('Seq Scan', { relationName: 't', alias: 't', filter: '(a = 1)' }), { defaultSchema: 'sales' });

    // Assess
    expect(brief(candidates)).toEqual(['sales.t(a)']);
  });

  it('reads a constant written on the left', () => {
    // Act & Assess
    expect(brief(candidateIndexes(scan({ filter: '((5 < t.a) AND (7 = t.b))' })))).toEqual(['app.t(b)', 'app.t(a)', 'app.t(b,a)']);
  });

  it('treats another table’s column as a value: a parameterized inner scan', () => {
    // Act & Assess
    expect(brief(candidateIndexes(scan({ filter: '(t.customer_id = c.id)' })))).toEqual(['app.t(customer_id)']);
  });

  it('ignores a comparison of two columns of the same table', () => {
    // Act & Assess
    expect(candidateIndexes(scan({ filter: '(t.a = t.b)' }))).toEqual([]);
  });

  it('ignores a sort without a LIMIT above it', () => {
    // Prepare
    const plan = node('Sort', { sortKey: ['t.created_at'], plans: [scan({})] });

    // Act & Assess
    expect(candidateIndexes(plan)).toEqual([]);
  });

  it('ignores sort keys of mixed directions, which a plain index cannot serve', () => {
    // Prepare
    const plan = node('Limit', { plans: [node('Sort', { sortKey: ['t.a', 't.b DESC'], plans: [scan({})] })] });

    // Act & Assess
    expect(candidateIndexes(plan)).toEqual([]);
  });

  it('caps the number of columns and of candidates', () => {
    // Prepare
    const plan = scan({ filter: '((t.a = 1) AND (t.b = 2) AND (t.c = 3) AND (t.d = 4) AND (t.e > 5))' });

    // Act
    const all = candidateIndexes(plan);
    const two = candidateIndexes(plan, { maxColumns: 2, maxCandidates: 3 });

    // Assess
    expect(all.every((candidate) => candidate.columns.length <= 3)).toBe(true);
    expect(brief(all)).toContain('app.t(a,b,c)');
    expect(brief(two)).toEqual(['app.t(a)', 'app.t(b)', 'app.t(c)']);
    expect(brief(candidateIndexes(plan, { maxColumns: 2 }))).toContain('app.t(a,b)');
  });

  it('never proposes more than three columns even when asked to', () => {
    // Act
    const candidates = candidateIndexes(scan({ filter: '((t.a = 1) AND (t.b = 2) AND (t.c = 3) AND (t.d = 4))' }), { maxColumns: 8 });

    // Assess
    expect(Math.max(...candidates.map((candidate) => candidate.columns.length))).toBe(3);
  });

  it('merges the same candidate found twice (a self-join) into one', () => {
    // Prepare
    const plan = node('Hash Join', {
      hashCond: '(a.parent_id = b.id)',
      plans: [
        node('Seq Scan', { relationName: 't', schema: 'app', alias: 'a', filter: '(a.id = 1)' }),
        node('Hash', { plans: [node('Seq Scan', { relationName: 't', schema: 'app', alias: 'b', filter: '(b.id = 2)' })] }),
      ],
    });

    // Act
    const candidates = candidateIndexes(plan);

    // Assess
    expect(brief(candidates)).toEqual(['app.t(id)', 'app.t(parent_id)', 'app.t(parent_id,id)']);
    expect(candidates[0]!.reasons.sort()).toEqual(['filter-equality', 'join-key']);
  });

  it('survives garbage in every condition field', () => {
    // Prepare
    const plan = node('Limit', {
      plans: [
        node('Hash Join', {
          hashCond: ')))',
          joinFilter: "'",
          plans: [scan({ filter: '\u0000\u0001', indexCond: '((((', recheckCond: 'AND AND' }), node('Sort', { sortKey: ['"', '', '(('] })],
        }),
      ],
    });

    // Act & Assess
    expect(candidateIndexes(plan)).toEqual([]);
  });
});
