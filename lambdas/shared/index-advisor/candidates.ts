import { type CandidateReason, type IndexCandidate, MAX_INDEX_COLUMNS, type Relation } from './advisor-schemas.js';
import { isRelationScan, isSequentialScan, type PlanNode, planNodes, walkPlan } from './explain-plan.js';
import { type ColumnRef, type Comparison, flipComparison, parseComparisons, parseEquiJoinPairs, parseSortKey } from './plan-conditions.js';

/**
 * Candidate btree indexes read off a query plan, the way a DBA reads it:
 * - a scan's filter: equality columns first, then one range column;
 * - a join key on a side that is read in full (Hash, Merge, Nested Loop);
 * - ORDER BY … LIMIT keys, after the equality columns (so one index both
 *   finds and orders the rows).
 * Candidates are only proposals: the advisor keeps the one HypoPG shows
 * the planner would use to good effect.
 */

export interface CandidateOptions {
  /**
   * The most key columns of one candidate; never more than `MAX_INDEX_COLUMNS` (3).
   * @default 3
   */
  readonly maxColumns?: number;
  /**
   * The most candidates returned, in the order they were found.
   * @default 24
   */
  readonly maxCandidates?: number;
  /**
   * Schema of a scan whose plan does not name one (EXPLAIN without VERBOSE).
   * @default 'public'
   */
  readonly defaultSchema?: string;
}

interface ScanFacts {
  readonly relation: Relation;
  readonly alias: string;
  readonly node: PlanNode;
  readonly equality: string[];
  readonly range: string[];
  readonly joinKeys: string[];
  readonly sortKeys: string[];
}

const EQUALITY = new Set(['=', 'is-null']);

const pushUnique = (list: string[], value: string) => {
  if (!list.includes(value)) list.push(value);
};

/** Whether a column reference belongs to the scan with this alias. */
const isOwn = (ref: ColumnRef, alias: string) => ref.qualifier === undefined || ref.qualifier === alias;

/** The scan's column a comparison restricts to a value (constants, parameters, other tables' columns), if any. */
function restrictedColumn(comparison: Comparison, alias: string): { column: string; operator: Comparison['operator'] } | undefined {
  for (const oriented of [comparison, flipComparison(comparison)]) {
    const column = oriented.left.column;
    const references = oriented.right.references;
    if (column === undefined || !isOwn(column, alias) || references === undefined) continue;
    // The value side must not read this scan's own row: only qualified references to other tables.
    if (references.some((ref) => ref.qualifier === undefined || ref.qualifier === alias)) continue;
    return { column: column.column, operator: oriented.operator };
  }
  return undefined;
}

function collectScans(plan: PlanNode, defaultSchema: string): ScanFacts[] {
  const scans: ScanFacts[] = [];
  walkPlan(plan, (node) => {
    if (!isRelationScan(node)) return;
    const alias = node.alias ?? node.relationName!;
    const facts: ScanFacts = {
      relation: { schema: node.schema ?? defaultSchema, table: node.relationName! },
      alias,
      node,
      equality: [],
      range: [],
      joinKeys: [],
      sortKeys: [],
    };
    for (const condition of [node.indexCond, node.recheckCond, node.filter]) {
      if (condition === undefined) continue;
      for (const comparison of parseComparisons(condition)) {
        const restricted = restrictedColumn(comparison, alias);
        if (restricted === undefined) continue;
        pushUnique(EQUALITY.has(restricted.operator) ? facts.equality : facts.range, restricted.column);
      }
    }
    scans.push(facts);
  });
  return scans;
}

/** The scan below `node` that a column reference names. */
function scanFor(ref: ColumnRef, below: PlanNode, scans: readonly ScanFacts[]): ScanFacts | undefined {
  const subtree = new Set(planNodes(below));
  const inside = scans.filter((scan) => subtree.has(scan.node));
  if (ref.qualifier === undefined) return inside.length === 1 ? inside[0] : undefined;
  const matching = inside.filter((scan) => scan.alias === ref.qualifier);
  return matching.length === 1 ? matching[0] : undefined;
}

function collectJoinKeys(plan: PlanNode, scans: readonly ScanFacts[]): void {
  walkPlan(plan, (node) => {
    for (const condition of [node.hashCond, node.mergeCond, node.joinFilter]) {
      if (condition === undefined) continue;
      for (const pair of parseEquiJoinPairs(condition)) {
        for (const ref of pair) {
          const scan = scanFor(ref, node, scans);
          // Only a side read in full gains from an index on its join key.
          if (scan !== undefined && isSequentialScan(scan.node)) pushUnique(scan.joinKeys, ref.column);
        }
      }
    }
  });
}

function collectSortKeys(plan: PlanNode, scans: readonly ScanFacts[]): void {
  walkPlan(plan, (node, ancestors) => {
    if ((node.nodeType !== 'Sort' && node.nodeType !== 'Incremental Sort') || node.sortKey === undefined) return;
    // Ordering by an index pays when only the first rows are wanted.
    if (!ancestors.some((ancestor) => ancestor.nodeType === 'Limit')) return;
    const keys = node.sortKey.map(parseSortKey);
    if (keys.length === 0 || keys.some((key) => key === undefined)) return;
    const first = keys[0]!;
    // A plain btree (read forwards or backwards) gives all-ASC NULLS LAST or all-DESC NULLS FIRST.
    const uniform = keys.every((key) => key!.descending === first.descending && key!.nullsFirst === key!.descending && key!.column.qualifier === first.column.qualifier);
    if (!uniform) return;
    const scan = scanFor(first.column, node, scans);
    if (scan === undefined) return;
    for (const key of keys) pushUnique(scan.sortKeys, key!.column.column);
  });
}

interface Draft {
  relation: Relation;
  columns: string[];
  reasons: Set<CandidateReason>;
}

/** Candidate indexes for the plan, deduplicated, at most `maxCandidates`. */
export function candidateIndexes(plan: PlanNode, options: CandidateOptions = {}): IndexCandidate[] {
  const maxColumns = Math.min(options.maxColumns ?? MAX_INDEX_COLUMNS, MAX_INDEX_COLUMNS);
  const maxCandidates = options.maxCandidates ?? 24;
  const scans = collectScans(plan, options.defaultSchema ?? 'public');
  collectJoinKeys(plan, scans);
  collectSortKeys(plan, scans);

  const drafts = new Map<string, Draft>();
  const add = (relation: Relation, columns: readonly string[], reasons: readonly CandidateReason[]) => {
    const distinct = [...new Set(columns)].slice(0, maxColumns);
    if (distinct.length === 0) return;
    const key = JSON.stringify([relation.schema, relation.table, distinct]);
    const existing = drafts.get(key);
    if (existing !== undefined) {
      for (const reason of reasons) existing.reasons.add(reason);
      return;
    }
    drafts.set(key, { relation, columns: distinct, reasons: new Set(reasons) });
  };

  for (const scan of scans) {
    const equality = scan.equality;
    const range = scan.range.filter((column) => !equality.includes(column));
    const sort = scan.sortKeys.filter((column) => !equality.includes(column));
    const { relation } = scan;
    for (const column of equality) add(relation, [column], ['filter-equality']);
    if (equality.length > 1) add(relation, equality, ['filter-equality']);
    for (const column of range) {
      add(relation, [column], ['filter-range']);
      if (equality.length > 0) add(relation, [...equality, column], ['filter-equality', 'filter-range']);
    }
    if (sort.length > 0) {
      add(relation, sort, ['sort-key']);
      if (equality.length > 0) add(relation, [...equality, ...sort], ['filter-equality', 'sort-key']);
    }
    for (const column of scan.joinKeys) {
      add(relation, [column], ['join-key']);
      const others = equality.filter((other) => other !== column);
      if (others.length > 0) add(relation, [column, ...others], ['join-key', 'filter-equality']);
    }
  }
  return [...drafts.values()].slice(0, maxCandidates).map((draft) => ({
    relation: draft.relation,
    columns: draft.columns,
    reasons: [...draft.reasons],
  }));
}
