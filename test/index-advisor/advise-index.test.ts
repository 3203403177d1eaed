import { describe, expect, it } from 'vitest';
import { adviseIndex, type PlanSource } from '../../lambdas/shared/index-advisor/advise-index.js';
import {
  CreateIndexParamsSchema,
  type ExistingIndex,
  type IndexCandidate,
  IndexRecommendationSchema,
  type Relation,
} from '../../lambdas/shared/index-advisor/advisor-schemas.js';
import type { PlanNode } from '../../lambdas/shared/index-advisor/explain-plan.js';
import { QueryNotExplainableError } from '../../lambdas/shared/index-advisor/index-advisor-errors.js';
import type { ExplainableStatement } from '../../lambdas/shared/index-advisor/query-text.js';
import { fixturePlan } from './fixtures.js';

/** A PlanSource that answers from a table of hypothetical costs, and records what it was asked. */
class FakePlanSource implements PlanSource {
  readonly explained: ExplainableStatement[] = [];
  readonly hypothetical: string[] = [];
  constructor(
    private readonly plan: PlanNode,
    private readonly costs: Record<string, number>,
    private readonly indexes: ExistingIndex[] = [],
  ) {}
  async explain(statement: ExplainableStatement): Promise<PlanNode> {
    this.explained.push(statement);
    return this.plan;
  }
  async explainWithHypotheticalIndex(_statement: ExplainableStatement, candidate: IndexCandidate) {
    const key = `${candidate.relation.table}(${candidate.columns.join(',')})`;
    this.hypothetical.push(key);
    const cost = this.costs[key];
    return { plan: { ...this.plan, totalCost: cost ?? this.plan.totalCost }, usesIndex: cost !== undefined };
  }
  async existingIndexes(relation: Relation): Promise<ExistingIndex[]> {
    return this.indexes.filter((index) => index.relation.table === relation.table);
  }
}

const QUERY = 'SELECT id, kind FROM shop.events WHERE user_id = $1 ORDER BY occurred_at DESC LIMIT $2';

describe('adviseIndex', () => {
  it('recommends the candidate HypoPG shows is best, ready for the actor', async () => {
    // Prepare
    const plan = fixturePlan('limit-sort');
    const source = new FakePlanSource(plan, { 'events(user_id)': 1_500, 'events(occurred_at)': 9_000, 'events(user_id,occurred_at)': 80 });

    // Act
    const advice = await adviseIndex(source, { text: QUERY, queryId: '123' });

    // Assess
    expect(source.explained[0]).toMatchObject({ kind: 'select', parameterCount: 2 });
    expect(source.hypothetical).toEqual(['events(user_id)', 'events(occurred_at)', 'events(user_id,occurred_at)']);
    expect(advice.baselineCost).toBe(plan.totalCost);
    expect(advice.scored.map((entry) => entry.columns.join(','))).toEqual(['user_id,occurred_at', 'user_id', 'occurred_at']);
    const recommendation = IndexRecommendationSchema.parse(advice.recommendation);
    expect(recommendation).toMatchObject({
      relation: { schema: 'shop', table: 'events' },
      columns: ['user_id', 'occurred_at'],
      reasons: ['filter-equality', 'sort-key'],
      hypotheticalCost: 80,
      params: { schema: 'shop', table: 'events', columns: ['user_id', 'occurred_at'], queryId: '123' },
    });
    expect(recommendation.indexName).toMatch(/^selfheal_events_user_id_occurred_at_[0-9a-f]{8}$/);
    expect(recommendation.createSql).toBe(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "${recommendation.indexName}" ON "shop"."events" USING btree ("user_id", "occurred_at")`,
    );
    expect(CreateIndexParamsSchema.safeParse(recommendation.params).success).toBe(true);
  });

  it('scores only candidates no existing index covers', async () => {
    // Prepare
    const existing: ExistingIndex = {
      relation: { schema: 'shop', table: 'events' },
      name: 'events_user_id_idx',
      columns: ['user_id'],
      method: 'btree',
      valid: true,
      unique: false,
      partial: false,
    };
    const source = new FakePlanSource(fixturePlan('limit-sort'), { 'events(user_id,occurred_at)': 80 }, [existing]);

    // Act
    const advice = await adviseIndex(source, { text: QUERY });

    // Assess
    expect(advice.candidatesFound).toBe(3);
    expect(source.hypothetical).toEqual(['events(occurred_at)', 'events(user_id,occurred_at)']);
    expect(advice.recommendation?.params).toEqual({ schema: 'shop', table: 'events', columns: ['user_id', 'occurred_at'] });
  });

  it('recommends nothing when no candidate cuts the cost enough', async () => {
    // Prepare
    const plan = fixturePlan('seq-scan-filter');
    const source = new FakePlanSource(plan, { 'orders(status)': plan.totalCost * 0.9 });

    // Act
    const advice = await adviseIndex(source, { text: 'SELECT id FROM shop.orders WHERE customer_id = $1 AND status = $2' });

    // Assess
    expect(advice.recommendation).toBeUndefined();
    expect(advice.choice).toMatchObject({ kind: 'none', reason: 'below-threshold' });
    expect(advice.scored.find((entry) => entry.columns.join() === 'status')!.costReduction).toBeCloseTo(0.1);
  });

  it('recommends nothing for a plan without candidates, and never asks HypoPG', async () => {
    // Prepare
    const source = new FakePlanSource(fixturePlan('or-filter'), {});

    // Act
    const advice = await adviseIndex(source, { text: 'SELECT id FROM shop.orders WHERE customer_id = $1 OR sku = $2' });

    // Assess
    expect(advice.choice).toMatchObject({ kind: 'none', reason: 'no-candidates' });
    expect(source.hypothetical).toEqual([]);
  });

  it('refuses a text that is not one plannable statement before reaching the database', async () => {
    // Prepare
    const source = new FakePlanSource(fixturePlan('or-filter'), {});

    // Act
    const act = adviseIndex(source, { text: 'SELECT 1; DROP TABLE shop.orders' });

    // Assess
    await expect(act).rejects.toThrow(QueryNotExplainableError);
    expect(source.explained).toEqual([]);
  });
});

describe('CreateIndexParamsSchema', () => {
  it.each([
    [{ schema: 'public', table: 'orders', columns: ['a'] }, true],
    [{ schema: 'public', table: 'orders', columns: ['a', 'b', 'c'], queryId: '-9223372036854775808' }, true],
    [{ schema: 'public', table: 'orders', columns: [] }, false],
    [{ schema: 'public', table: 'orders', columns: ['a', 'b', 'c', 'd'] }, false],
    [{ schema: 'public', table: 'x'.repeat(64), columns: ['a'] }, false],
    [{ schema: 'public', table: 'ü'.repeat(32), columns: ['a'] }, false],
    [{ schema: 'public', table: 'a\u0000b', columns: ['a'] }, false],
    [{ schema: 'public', table: 'orders', columns: ['a'], queryId: '12a' }, false],
    [{ schema: 'public', table: 'orders', columns: ['a'], indexName: 'orders_pkey' }, false],
  ])('%j valid: %s', (params, expected) => {
    // Act & Assess
    expect(CreateIndexParamsSchema.safeParse(params).success).toBe(expected);
  });
});
