import { describe, expect, it } from 'vitest';
import { type Comparison, parseComparisons, parseEquiJoinPairs, parseSortKey } from '../../lambdas/shared/index-advisor/plan-conditions.js';

/** A comparison as `column op` when its left side is one column and its right side names no column of the same alias. */
const brief = (comparison: Comparison) => {
  const column = comparison.left.column;
  const name = column === undefined ? '?' : `${column.qualifier === undefined ? '' : `${column.qualifier}.`}${column.column}`;
  return `${name} ${comparison.operator}`;
};

describe('parseComparisons', () => {
  it.each([
    ['(customer_id = 42)', ['customer_id =']],
    ['(o.customer_id = $1)', ['o.customer_id =']],
    ["((orders.customer_id = $1) AND (orders.status = 'shipped'::text))", ['orders.customer_id =', 'orders.status =']],
    ['((events.occurred_at >= $2) AND (events.occurred_at <= $3) AND (events.kind = $1))', ['events.occurred_at >=', 'events.occurred_at <=', 'events.kind =']],
    ["(created_at > (now() - '1 day'::interval))", ['created_at >']],
    ["(created_at < '2024-01-01 00:00:00+00'::timestamp with time zone)", ['created_at <']],
    ["(sku = ANY ('{1,2,3}'::integer[]))", ['sku =']],
    ['(sku = ANY (ARRAY[$1, $2, $3]))', ['sku =']],
    ['(deleted_at IS NULL)', ['deleted_at is-null']],
    ["((email)::text = 'a@b.c'::text)", ['email =']],
    ['("Customer Id" = 7)', ['Customer Id =']],
    ['("we""ird"."Col" = 7)', ['we"ird.Col =']],
    ["(amount > '-5'::numeric)", ['amount >']],
    ['(((a = 1) AND (b = 2)) AND (c > 3))', ['a =', 'b =', 'c >']],
    ["(note = E'it\\'s'::text)", ['note =']],
    ["(note = 'it''s AND OR'::text)", ['note =']],
  ])('reads %s', (condition, expected) => {
    // Act
    const comparisons = parseComparisons(condition);

    // Assess
    expect(comparisons.map(brief)).toEqual(expected);
  });

  it('keeps a constant on the left, for the caller to read from the other side', () => {
    // Act
    const [comparison] = parseComparisons('(5 < t.a)');

    // Assess
    expect(comparison!.left.column).toBeUndefined();
    expect(comparison!.right.column).toEqual({ qualifier: 't', column: 'a' });
    expect(comparison!.operator).toBe('<');
  });

  it('lists the columns a value side mentions', () => {
    // Act
    const [comparison] = parseComparisons('(o.customer_id = c.id)');

    // Assess
    expect(comparison!.right.references).toEqual([{ qualifier: 'c', column: 'id' }]);
  });

  it.each([
    ['a top-level OR', '((a = 1) OR (b = 2))'],
    ['a function of the column', "(lower(email) = 'x'::text)"],
    ['LIKE', "(name ~~ 'abc%'::text)"],
    ['not equal', '(a <> 1)'],
    ['IS NOT NULL', '(a IS NOT NULL)'],
    ['NOT', '(NOT a)'],
    ['a bare boolean column', 'active'],
    ['arithmetic on the column', '((a + 1) = 5)'],
    ['a cast that changes the type', "((created_at)::date = '2024-01-01'::date)"],
    ['a JSON operator', "((data ->> 'k'::text) = 'x'::text)"],
    ['a subplan', '(a = (SubPlan 1))'],
    ['an empty string', ''],
    ['unbalanced parentheses', '((a = 1)'],
    ['an unterminated string', "(a = 'x)"],
    ['an unterminated quoted name', '("a = 1)'],
    ['a stray character', '(a = 1) \u0001'],
    ['garbage', ')))((( = = ='],
  ])('yields no column-to-constant comparison for %s', (_what, condition) => {
    // Act
    const restrictions = parseComparisons(condition).filter(
      (comparison) =>
        (comparison.left.column !== undefined && comparison.right.references?.length === 0) ||
        (comparison.right.column !== undefined && comparison.left.references?.length === 0),
    );

    // Assess
    expect(restrictions).toEqual([]);
  });

  it('keeps the readable conjuncts of an AND that also holds unreadable ones', () => {
    // Act
    const comparisons = parseComparisons("((lower(email) = 'x'::text) AND (tier = 2) AND ((a = 1) OR (b = 2)))");

    // Assess
    expect(comparisons.filter((comparison) => comparison.left.column !== undefined).map(brief)).toEqual(['tier =']);
  });
});

describe('parseEquiJoinPairs', () => {
  it('reads each equated column pair', () => {
    // Act
    const pairs = parseEquiJoinPairs('((o.customer_id = c.id) AND (o.region = c.region))');

    // Assess
    expect(pairs).toEqual([
      [{ qualifier: 'o', column: 'customer_id' }, { qualifier: 'c', column: 'id' }],
      [{ qualifier: 'o', column: 'region' }, { qualifier: 'c', column: 'region' }],
    ]);
  });

  it.each(['(o.total > c.limit)', '(lower(o.email) = c.email)', '((o.a = c.a) OR (o.b = c.b))', 'garbage ((('])('finds no pair in %s', (condition) => {
    // Act & Assess
    expect(parseEquiJoinPairs(condition)).toEqual([]);
  });
});

describe('parseSortKey', () => {
  it.each([
    ['created_at', { column: { column: 'created_at' }, descending: false, nullsFirst: false }],
    ['o.created_at DESC', { column: { qualifier: 'o', column: 'created_at' }, descending: true, nullsFirst: true }],
    ['o.created_at DESC NULLS LAST', { column: { qualifier: 'o', column: 'created_at' }, descending: true, nullsFirst: false }],
    ['"Created At" NULLS FIRST', { column: { column: 'Created At' }, descending: false, nullsFirst: true }],
  ])('reads %s', (key, expected) => {
    // Act & Assess
    expect(parseSortKey(key)).toEqual(expected);
  });

  it.each(['(lower(name))', 'name USING >', 'name COLLATE "C"', '(a + b) DESC', "'x", ''])('returns nothing for %s', (key) => {
    // Act & Assess
    expect(parseSortKey(key)).toBeUndefined();
  });
});
