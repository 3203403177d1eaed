import * as z from 'zod';

/**
 * The advisor's inputs and outputs, as plain JSON that travels through the
 * state machine. The database edge (`../postgres`) fills them; the domain
 * code in this folder only reads them.
 */

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated by the server, so they are refused here. */
export const MAX_IDENTIFIER_BYTES = 63;

/** The most key columns of an index this system builds: wider indexes cost more to maintain than they usually save. */
export const MAX_INDEX_COLUMNS = 3;

export const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** A PostgreSQL identifier as the catalog spells it (not quoted, case kept). */
export const PgIdentifierSchema = z
  .string()
  .min(1)
  .refine((name) => utf8Bytes(name) <= MAX_IDENTIFIER_BYTES && !name.includes('\u0000'), {
    message: `a PostgreSQL identifier: 1 to ${MAX_IDENTIFIER_BYTES} bytes, no NUL`,
  });

export const RelationSchema = z
  .object({
    schema: PgIdentifierSchema.describe('Schema of the table.'),
    table: PgIdentifierSchema.describe('Table name.'),
  })
  .strict();
export type Relation = z.infer<typeof RelationSchema>;

export const relationKey = (relation: Relation): string => `${relation.schema}.${relation.table}`;
export const sameRelation = (a: Relation, b: Relation): boolean => a.schema === b.schema && a.table === b.table;

/** Why the plan suggests an index column: what the planner had to do without it. */
export const CANDIDATE_REASONS = ['filter-equality', 'filter-range', 'join-key', 'sort-key'] as const;
export const CandidateReasonSchema = z.enum(CANDIDATE_REASONS);
export type CandidateReason = z.infer<typeof CandidateReasonSchema>;

/** A btree index that might help: columns in index order. */
export const IndexCandidateSchema = z
  .object({
    relation: RelationSchema,
    columns: z.array(PgIdentifierSchema).min(1).max(MAX_INDEX_COLUMNS),
    reasons: z.array(CandidateReasonSchema).min(1),
  })
  .strict();
export type IndexCandidate = z.infer<typeof IndexCandidateSchema>;

/** An index the table already has, from `pg_index`. */
export const ExistingIndexSchema = z
  .object({
    relation: RelationSchema,
    name: PgIdentifierSchema,
    /** Key columns in index order; null for an expression column. */
    columns: z.array(PgIdentifierSchema.nullable()),
    method: z.string(),
    valid: z.boolean(),
    unique: z.boolean(),
    /** Whether it has a WHERE predicate, so it does not cover every row. */
    partial: z.boolean(),
  })
  .strict();
export type ExistingIndex = z.infer<typeof ExistingIndexSchema>;

/** `pg_stat_statements` counters for one statement (summed over users), cumulative or over a window. */
export const QueryStatsSchema = z
  .object({
    /** `queryid`, a signed 64-bit integer, as a decimal string. */
    queryId: z.string().regex(/^-?\d{1,20}$/),
    /** The normalized text ($1, $2 … for constants); left out of snapshots to keep them small. */
    query: z.string().optional(),
    calls: z.number().int().min(0),
    totalExecTimeMs: z.number().min(0),
  })
  .strict();
export type QueryStats = z.infer<typeof QueryStatsSchema>;

export const meanExecTimeMs = (stats: QueryStats): number => (stats.calls === 0 ? 0 : stats.totalExecTimeMs / stats.calls);

/** `pg_stat_user_tables` and the size of one table, at one moment. */
export const TableStatsSchema = z
  .object({
    relation: RelationSchema,
    seqScan: z.number().int().min(0),
    idxScan: z.number().int().min(0),
    /** Cumulative rows inserted, updated (HOT included) and deleted since the statistics were reset. */
    nTupIns: z.number().int().min(0),
    nTupUpd: z.number().int().min(0),
    nTupDel: z.number().int().min(0),
    liveTuples: z.number().int().min(0),
    /** `pg_total_relation_size`: heap, indexes and TOAST. */
    totalBytes: z.number().int().min(0),
    indexCount: z.number().int().min(0),
    partitioned: z.boolean(),
    sampledAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type TableStats = z.infer<typeof TableStatsSchema>;

/**
 * Params of the catalog action that creates one index. The lead's catalog
 * entry can use this schema as is; the index name is derived from these
 * fields (`indexNameFor`), never taken from the model.
 */
export const CreateIndexParamsSchema = z
  .object({
    schema: PgIdentifierSchema.describe('Schema of the table to index.'),
    table: PgIdentifierSchema.describe('Table to index; must be one the advisor recommended an index for.'),
    columns: z.array(PgIdentifierSchema).min(1).max(MAX_INDEX_COLUMNS).describe('Key columns of the btree index, in order.'),
    queryId: z
      .string()
      .regex(/^-?\d{1,20}$/)
      .optional()
      .describe('pg_stat_statements queryid of the slow query the index is for; verification measures it.'),
  })
  .strict();
export type CreateIndexParams = z.infer<typeof CreateIndexParamsSchema>;

/** The advisor's proposal: one btree index, with the planner's evidence for it. */
export const IndexRecommendationSchema = z
  .object({
    relation: RelationSchema,
    columns: z.array(PgIdentifierSchema).min(1),
    reasons: z.array(CandidateReasonSchema),
    indexName: PgIdentifierSchema,
    /** The statement the actor will run. */
    createSql: z.string(),
    /** Planner cost of the query now, and with the index in place (HypoPG). */
    baselineCost: z.number().min(0),
    hypotheticalCost: z.number().min(0),
    /** 1 - hypothetical / baseline. */
    costReduction: z.number().max(1),
    params: CreateIndexParamsSchema,
  })
  .strict();
export type IndexRecommendation = z.infer<typeof IndexRecommendationSchema>;
