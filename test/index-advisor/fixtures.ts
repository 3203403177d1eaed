import { readFileSync } from 'node:fs';
import { type PlanNode, parseExplainOutput } from '../../lambdas/shared/index-advisor/explain-plan.js';

/**
 * Real `EXPLAIN (VERBOSE, FORMAT JSON)` output of PostgreSQL 15, generic
 * plans (PREPARE + EXPLAIN EXECUTE with NULLs) over the bench workload
 * (`bench/index-workload.ts`, schema `shop`).
 */
export const PLAN_FIXTURES = [
  'seq-scan-filter', // orders WHERE customer_id = $1 AND status = $2
  'hash-join', // orders o JOIN customers c ON c.id = o.customer_id WHERE c.country = $1 AND o.status = $2
  'limit-sort', // events WHERE user_id = $1 ORDER BY occurred_at DESC LIMIT $2
  'range-filter', // events WHERE kind = $1 AND occurred_at BETWEEN $2 AND $3
  'parallel-top-n', // orders ORDER BY created_at DESC LIMIT 50
  'index-scan-filter', // customers WHERE email = $1 AND tier = $2 (email is unique)
  'join-by-email', // orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = $1
  'or-filter', // orders WHERE customer_id = $1 OR sku = $2
] as const;
export type PlanFixture = (typeof PLAN_FIXTURES)[number];

export const fixtureText = (name: PlanFixture): string => readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8');
export const fixturePlan = (name: PlanFixture): PlanNode => parseExplainOutput(fixtureText(name));

/** A minimal plan node for hand-made plans. */
export function node(nodeType: string, fields: Partial<PlanNode> = {}): PlanNode {
  return { nodeType, startupCost: 0, totalCost: 100, planRows: 1, plans: [], ...fields };
}
