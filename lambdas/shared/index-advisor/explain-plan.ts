import * as z from 'zod';
import { ExplainPlanParseError } from './index-advisor-errors.js';

/**
 * The parts of `EXPLAIN (VERBOSE, FORMAT JSON)` output the advisor reads, as
 * a typed tree. Unknown fields are kept out; a missing optional field is
 * simply absent. Anything that is not the shape PostgreSQL produces is an
 * `ExplainPlanParseError`, never a half-read plan.
 */

export interface PlanNode {
  readonly nodeType: string;
  readonly relationName?: string;
  /** Present with VERBOSE. */
  readonly schema?: string;
  readonly alias?: string;
  readonly indexName?: string;
  readonly parentRelationship?: string;
  readonly startupCost: number;
  readonly totalCost: number;
  readonly planRows: number;
  readonly filter?: string;
  readonly indexCond?: string;
  readonly recheckCond?: string;
  readonly hashCond?: string;
  readonly mergeCond?: string;
  readonly joinFilter?: string;
  readonly sortKey?: readonly string[];
  readonly plans: readonly PlanNode[];
}

const optionalText = z.string().optional();

interface RawPlanNode {
  'Node Type': string;
  'Relation Name'?: string | undefined;
  Schema?: string | undefined;
  Alias?: string | undefined;
  'Index Name'?: string | undefined;
  'Parent Relationship'?: string | undefined;
  'Startup Cost': number;
  'Total Cost': number;
  'Plan Rows': number;
  Filter?: string | undefined;
  'Index Cond'?: string | undefined;
  'Recheck Cond'?: string | undefined;
  'Hash Cond'?: string | undefined;
  'Merge Cond'?: string | undefined;
  'Join Filter'?: string | undefined;
  'Sort Key'?: string[] | undefined;
  Plans?: RawPlanNode[] | undefined;
}

const cost = z.number().min(0).finite();

const RawPlanNodeSchema: z.ZodType<RawPlanNode> = z.lazy(() =>
  z.object({
    'Node Type': z.string().min(1),
    'Relation Name': optionalText,
    Schema: optionalText,
    Alias: optionalText,
    'Index Name': optionalText,
    'Parent Relationship': optionalText,
    'Startup Cost': cost,
    'Total Cost': cost,
    'Plan Rows': cost,
    Filter: optionalText,
    'Index Cond': optionalText,
    'Recheck Cond': optionalText,
    'Hash Cond': optionalText,
    'Merge Cond': optionalText,
    'Join Filter': optionalText,
    'Sort Key': z.array(z.string()).optional(),
    Plans: z.array(RawPlanNodeSchema).optional(),
  }),
);

/** The whole output: one element per statement, of which EXPLAIN of one query has exactly one. */
export const ExplainOutputSchema = z.array(z.object({ Plan: RawPlanNodeSchema })).length(1);

/** The deepest plan this reads; deeper JSON is refused rather than walked. */
const MAX_DEPTH = 200;

function toPlanNode(raw: RawPlanNode, depth: number): PlanNode {
  if (depth > MAX_DEPTH) throw new ExplainPlanParseError(`EXPLAIN output: plan deeper than ${MAX_DEPTH} levels`);
  const node: Record<string, unknown> = {
    nodeType: raw['Node Type'],
    startupCost: raw['Startup Cost'],
    totalCost: raw['Total Cost'],
    planRows: raw['Plan Rows'],
    plans: (raw.Plans ?? []).map((child) => toPlanNode(child, depth + 1)),
  };
  const optional: Array<[keyof PlanNode, string | readonly string[] | undefined]> = [
    ['relationName', raw['Relation Name']],
    ['schema', raw.Schema],
    ['alias', raw.Alias],
    ['indexName', raw['Index Name']],
    ['parentRelationship', raw['Parent Relationship']],
    ['filter', raw.Filter],
    ['indexCond', raw['Index Cond']],
    ['recheckCond', raw['Recheck Cond']],
    ['hashCond', raw['Hash Cond']],
    ['mergeCond', raw['Merge Cond']],
    ['joinFilter', raw['Join Filter']],
    ['sortKey', raw['Sort Key']],
  ];
  for (const [key, value] of optional) if (value !== undefined) node[key] = value;
  return node as unknown as PlanNode;
}

/**
 * Reads `EXPLAIN (FORMAT JSON)` output: the parsed JSON value (as `pg`
 * returns a json column) or its text.
 */
export function parseExplainOutput(output: unknown): PlanNode {
  let value = output;
  if (typeof output === 'string') {
    try {
      value = JSON.parse(output);
    } catch (error) {
      throw new ExplainPlanParseError(`EXPLAIN output is not JSON: ${(error as Error).message}`);
    }
  }
  const parsed = ExplainOutputSchema.safeParse(value);
  if (!parsed.success) {
    throw new ExplainPlanParseError(`EXPLAIN output is not a PostgreSQL JSON plan: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  }
  return toPlanNode(parsed.data[0]!.Plan, 0);
}

/** Visits every node, parents before children, with the chain of ancestors (nearest last). */
export function walkPlan(root: PlanNode, visit: (node: PlanNode, ancestors: readonly PlanNode[]) => void): void {
  const stack: Array<{ node: PlanNode; ancestors: readonly PlanNode[] }> = [{ node: root, ancestors: [] }];
  while (stack.length > 0) {
    const { node, ancestors } = stack.pop()!;
    visit(node, ancestors);
    const path = [...ancestors, node];
    for (let index = node.plans.length - 1; index >= 0; index -= 1) stack.push({ node: node.plans[index]!, ancestors: path });
  }
}

/** Every node, parents before children. */
export function planNodes(root: PlanNode): PlanNode[] {
  const nodes: PlanNode[] = [];
  walkPlan(root, (node) => nodes.push(node));
  return nodes;
}

/** Nodes that read a table (Seq Scan, Index Scan, Bitmap Heap Scan …): those with a relation name. */
export const isRelationScan = (node: PlanNode): boolean => node.relationName !== undefined;

/** A scan that reads the whole table: what an index would replace. */
export const isSequentialScan = (node: PlanNode): boolean => node.nodeType === 'Seq Scan' || node.nodeType === 'Parallel Seq Scan';

/** Whether any node of the plan uses the named index. */
export const planUsesIndex = (root: PlanNode, indexName: string): boolean => planNodes(root).some((node) => node.indexName === indexName);
