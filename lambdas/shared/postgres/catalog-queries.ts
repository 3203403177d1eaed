import type { Client } from 'pg';
import { TargetNotFoundError } from '../errors.js';
import type { ExistingIndex, Relation, TableStats } from '../index-advisor/advisor-schemas.js';

/**
 * Catalog and statistics reads shared by the read-only advisor session and
 * the index actor. Counters come back as float8 (bigint would arrive as a
 * string) and are rounded to integers here.
 */

export interface IndexState {
  readonly valid: boolean;
  readonly ready: boolean;
  readonly bytes: number;
}

/** Validity and size of an index by name; undefined when there is none. */
export async function indexState(client: Client, schema: string, indexName: string): Promise<IndexState | undefined> {
  const { rows } = await client.query<{ valid: boolean; ready: boolean; bytes: number }>(
    `SELECT x.indisvalid AS valid, x.indisready AS ready, pg_relation_size(i.oid)::float8 AS bytes
       FROM pg_class i
       JOIN pg_namespace n ON n.oid = i.relnamespace
       JOIN pg_index x ON x.indexrelid = i.oid
      WHERE n.nspname = $1 AND i.relname = $2`,
    [schema, indexName],
  );
  const row = rows[0];
  return row === undefined ? undefined : { valid: row.valid, ready: row.ready, bytes: Math.round(row.bytes) };
}

/** Throws `TargetNotFoundError` unless the table exists and has every column. */
export async function assertColumnsExist(client: Client, relation: Relation, columns: readonly string[]): Promise<void> {
  const { rows } = await client.query<{ kind: string; columns: string[] }>(
    `SELECT c.relkind::text AS kind,
            ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'm')`,
    [relation.schema, relation.table],
  );
  const row = rows[0];
  if (row === undefined) throw new TargetNotFoundError(`table ${relation.schema}.${relation.table} does not exist`);
  const missing = columns.filter((column) => !row.columns.includes(column));
  if (missing.length > 0) throw new TargetNotFoundError(`table ${relation.schema}.${relation.table} has no column ${missing.join(', ')}`);
}

/** The table's indexes with their key columns in order (INCLUDE columns left out; null for an expression). */
export async function readIndexes(client: Client, relation: Relation): Promise<ExistingIndex[]> {
  const { rows } = await client.query<{ name: string; method: string; valid: boolean; unique: boolean; partial: boolean; columns: Array<string | null> }>(
    `SELECT i.relname::text AS name, am.amname::text AS method, x.indisvalid AS valid, x.indisunique AS unique,
            (x.indpred IS NOT NULL) AS partial,
            ARRAY(SELECT a.attname::text
                    FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
                    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                   WHERE k.position <= x.indnkeyatts
                   ORDER BY k.position) AS columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = $1 AND t.relname = $2
      ORDER BY i.relname`,
    [relation.schema, relation.table],
  );
  return rows.map((row) => ({ relation, ...row }));
}

/** `pg_stat_user_tables` counters, size and index count of a table. */
export async function readTableStats(client: Client, relation: Relation): Promise<TableStats> {
  const { rows } = await client.query<{
    relkind: string;
    seq_scan: number;
    idx_scan: number;
    n_tup_ins: number;
    n_tup_upd: number;
    n_tup_del: number;
    n_live_tup: number;
    total_bytes: number;
    index_count: number;
    sampled_at: Date;
  }>(
    `SELECT c.relkind::text AS relkind,
            coalesce(s.seq_scan, 0)::float8 AS seq_scan, coalesce(s.idx_scan, 0)::float8 AS idx_scan,
            coalesce(s.n_tup_ins, 0)::float8 AS n_tup_ins, coalesce(s.n_tup_upd, 0)::float8 AS n_tup_upd,
            coalesce(s.n_tup_del, 0)::float8 AS n_tup_del, coalesce(s.n_live_tup, 0)::float8 AS n_live_tup,
            pg_total_relation_size(c.oid)::float8 AS total_bytes,
            (SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid)::int AS index_count,
            clock_timestamp() AS sampled_at
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'm')`,
    [relation.schema, relation.table],
  );
  const row = rows[0];
  if (row === undefined) throw new TargetNotFoundError(`table ${relation.schema}.${relation.table} does not exist`);
  return {
    relation,
    seqScan: Math.round(row.seq_scan),
    idxScan: Math.round(row.idx_scan),
    nTupIns: Math.round(row.n_tup_ins),
    nTupUpd: Math.round(row.n_tup_upd),
    nTupDel: Math.round(row.n_tup_del),
    liveTuples: Math.round(row.n_live_tup),
    totalBytes: Math.round(row.total_bytes),
    indexCount: row.index_count,
    partitioned: row.relkind === 'p',
    sampledAt: row.sampled_at.toISOString(),
  };
}
