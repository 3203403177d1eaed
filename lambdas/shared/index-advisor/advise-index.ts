import { type ExistingIndex, type IndexCandidate, type IndexRecommendation, type Relation, relationKey } from './advisor-schemas.js';
import { type CandidateOptions, candidateIndexes } from './candidates.js';
import { type ChooseIndexOptions, chooseIndex, type IndexChoice, type ScoredCandidate } from './choose-index.js';
import { uncoveredCandidates } from './coverage.js';
import type { PlanNode } from './explain-plan.js';
import { createIndexSql } from './index-ddl.js';
import { indexNameFor } from './index-name.js';
import { type ExplainableStatement, explainableStatement } from './query-text.js';

/**
 * The advisor, Dexter-style: plan the query, read candidate indexes off the
 * plan, drop those an existing index covers, plan again with each remaining
 * candidate as a hypothetical index (HypoPG), and recommend the one that
 * cuts the planner's cost the most, if it cuts it enough. Nothing is built
 * here; the database is reached only through a `PlanSource`.
 */

/** What the advisor needs from the database: plans, and the indexes a table has. Reads only. */
export interface PlanSource {
  /** The plan the server would use for the statement now (generic, when it has parameters); never runs it. */
  explain(statement: ExplainableStatement): Promise<PlanNode>;
  /** The plan with one more, hypothetical, index; `usesIndex` says whether the plan uses that index. */
  explainWithHypotheticalIndex(statement: ExplainableStatement, candidate: IndexCandidate): Promise<{ plan: PlanNode; usesIndex: boolean }>;
  /** The indexes the table has (valid or not). */
  existingIndexes(relation: Relation): Promise<ExistingIndex[]>;
}

export interface AdviseOptions {
  readonly candidates?: CandidateOptions;
  readonly choose?: ChooseIndexOptions;
}

export interface QueryToAdvise {
  /** The query text: normalized ($1 …) from pg_stat_statements, or a sample with literal values. */
  readonly text: string;
  readonly queryId?: string;
}

export interface ScoredCandidateReport extends IndexCandidate {
  readonly hypotheticalCost: number;
  readonly costReduction: number;
  readonly usedInPlan: boolean;
}

export interface IndexAdvice {
  readonly queryId?: string;
  readonly baselineCost: number;
  /** Candidates read off the plan, before those already covered were dropped. */
  readonly candidatesFound: number;
  /** The candidates scored with HypoPG, best first. */
  readonly scored: readonly ScoredCandidateReport[];
  readonly choice: IndexChoice;
  /** Present when an index is worth building. */
  readonly recommendation?: IndexRecommendation;
}

export async function adviseIndex(source: PlanSource, query: QueryToAdvise, options: AdviseOptions = {}): Promise<IndexAdvice> {
  const statement = explainableStatement(query.text);
  const plan = await source.explain(statement);
  const baselineCost = plan.totalCost;
  const found = candidateIndexes(plan, options.candidates);

  const relations = new Map<string, Relation>();
  for (const candidate of found) relations.set(relationKey(candidate.relation), candidate.relation);
  const existing: ExistingIndex[] = [];
  for (const relation of relations.values()) existing.push(...(await source.existingIndexes(relation)));
  const candidates = uncoveredCandidates(found, existing);

  const scored: ScoredCandidate[] = [];
  for (const candidate of candidates) {
    const { plan: hypothetical, usesIndex } = await source.explainWithHypotheticalIndex(statement, candidate);
    scored.push({ candidate, hypotheticalCost: hypothetical.totalCost, usedInPlan: usesIndex });
  }
  const choice = chooseIndex(baselineCost, scored, options.choose);
  const report = scored
    .map((entry) => ({
      ...entry.candidate,
      hypotheticalCost: entry.hypotheticalCost,
      costReduction: baselineCost > 0 ? 1 - entry.hypotheticalCost / baselineCost : 0,
      usedInPlan: entry.usedInPlan,
    }))
    .sort((a, b) => a.hypotheticalCost - b.hypotheticalCost);

  const advice = {
    ...(query.queryId === undefined ? {} : { queryId: query.queryId }),
    baselineCost,
    candidatesFound: found.length,
    scored: report,
    choice,
  };
  if (choice.kind !== 'chosen') return advice;
  const { relation, columns, reasons } = choice.candidate;
  const indexName = indexNameFor(relation, columns);
  return {
    ...advice,
    recommendation: {
      relation,
      columns,
      reasons,
      indexName,
      createSql: createIndexSql(relation, columns, indexName),
      baselineCost,
      hypotheticalCost: choice.hypotheticalCost,
      costReduction: choice.costReduction,
      params: { schema: relation.schema, table: relation.table, columns, ...(query.queryId === undefined ? {} : { queryId: query.queryId }) },
    },
  };
}
