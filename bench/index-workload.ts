import type { Client } from 'pg';
import { quoteIdentifier } from '../lambdas/shared/index-advisor/index-ddl.js';

/**
 * A small shop database for the index advisor's tests and bench, built
 * fast and deterministically on the server (`INSERT … SELECT
 * generate_series`, values from `hashint4`), then VACUUM ANALYZEd so plans
 * and index-only scans behave as on a settled production table. Only
 * primary keys (and the unique e-mail of customers) are indexed: every
 * other access path is for the advisor to find.
 *
 * - orders (1M):    customer_id (100k customers, ~10 orders each), sku (50k),
 *                   status (delivered 80%, shipped 8%, pending 6%,
 *                   cancelled 4%, returned 2%), amount 0–1000, created_at
 *                   (one order every 30 s from 2023-01-01, so in id order)
 * - customers (200k): email (unique), country (50), tier (3), created_at
 * - events (1M):    user_id (2000 users, ~500 each), kind (20), occurred_at
 *                   (spread over 2024), session_id (~200k)
 * - settings (50):  a tiny key/value table, never worth an index
 */

export const WORKLOAD_TABLES = ['orders', 'customers', 'events', 'settings'] as const;
export type WorkloadTable = (typeof WORKLOAD_TABLES)[number];

export interface WorkloadSizes {
  readonly orders: number;
  readonly customers: number;
  readonly events: number;
  readonly settings: number;
}

export const DEFAULT_SIZES: WorkloadSizes = { orders: 1_000_000, customers: 200_000, events: 1_000_000, settings: 50 };

/** `hashint4` spread to 0 … modulus-1: deterministic, uniform enough. */
const spread = (seed: string, modulus: number) => `((hashint4(${seed}) & 2147483647) % ${modulus})`;

function tableSql(schema: string, table: WorkloadTable, rows: number): string[] {
  const name = `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  switch (table) {
    case 'orders':
      return [
        `CREATE TABLE ${name} (id bigint NOT NULL, customer_id integer NOT NULL, sku integer NOT NULL, status text NOT NULL,
           amount numeric(10, 2) NOT NULL, created_at timestamptz NOT NULL, note text NOT NULL)`,
        `INSERT INTO ${name}
         SELECT g, ${spread('g', 100_000)} + 1, ${spread('g + 7', 50_000)} + 1,
                CASE WHEN ${spread('g + 13', 50)} < 40 THEN 'delivered' WHEN ${spread('g + 13', 50)} < 44 THEN 'shipped'
                     WHEN ${spread('g + 13', 50)} < 47 THEN 'pending' WHEN ${spread('g + 13', 50)} < 49 THEN 'cancelled' ELSE 'returned' END,
                ${spread('g + 17', 100_000)} / 100.0,
                timestamptz '2023-01-01 00:00:00+00' + g * interval '30 seconds',
                md5(g::text)
           FROM generate_series(1, ${rows}) AS g`,
        `ALTER TABLE ${name} ADD PRIMARY KEY (id)`,
      ];
    case 'customers':
      return [
        `CREATE TABLE ${name} (id integer NOT NULL, email text NOT NULL, country text NOT NULL, tier integer NOT NULL, created_at timestamptz NOT NULL)`,
        `INSERT INTO ${name}
         SELECT g, 'user' || g || '@example.com', 'C' || ${spread('g + 3', 50)}, ${spread('g + 5', 3)},
                timestamptz '2020-01-01 00:00:00+00' + g * interval '10 minutes'
           FROM generate_series(1, ${rows}) AS g`,
        `ALTER TABLE ${name} ADD PRIMARY KEY (id)`,
        `ALTER TABLE ${name} ADD CONSTRAINT ${quoteIdentifier(`${table}_email_key`)} UNIQUE (email)`,
      ];
    case 'events':
      return [
        `CREATE TABLE ${name} (id bigint NOT NULL, user_id integer NOT NULL, kind text NOT NULL, occurred_at timestamptz NOT NULL,
           session_id text NOT NULL, payload text NOT NULL)`,
        `INSERT INTO ${name}
         SELECT g, ${spread('g + 19', 2_000)} + 1, 'kind_' || ${spread('g + 23', 20)},
                timestamptz '2024-01-01 00:00:00+00' + ${spread('g + 29', 31_536_000)} * interval '1 second',
                md5((g / 5)::text), repeat('p', 40)
           FROM generate_series(1, ${rows}) AS g`,
        `ALTER TABLE ${name} ADD PRIMARY KEY (id)`,
      ];
    case 'settings':
      return [
        `CREATE TABLE ${name} (key text NOT NULL, value text NOT NULL)`,
        `INSERT INTO ${name} SELECT 'setting_' || g, md5(g::text) FROM generate_series(1, ${rows}) AS g`,
      ];
  }
}

/** Creates the schema (dropped first if present) and the tables asked for, analyzed and vacuumed. */
export async function buildWorkload(
  client: Client,
  schema: string,
  tables: readonly WorkloadTable[] = WORKLOAD_TABLES,
  sizes: Partial<WorkloadSizes> = {},
): Promise<void> {
  const rows = { ...DEFAULT_SIZES, ...sizes };
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  for (const table of tables) {
    for (const sql of tableSql(schema, table, rows[table])) await client.query(sql);
    await client.query(`VACUUM (ANALYZE) ${quoteIdentifier(schema)}.${quoteIdentifier(table)}`);
  }
}

export async function dropWorkload(client: Client, schema: string): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
}

/** Runs a query once per parameter set; returns each run's wall time in ms. */
export async function timeRuns(client: Client, sql: string, parameterSets: ReadonlyArray<readonly unknown[]>): Promise<number[]> {
  const times: number[] = [];
  for (const values of parameterSets) {
    const started = process.hrtime.bigint();
    await client.query(sql, [...values]);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times;
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The pg_stat_statements queryid of a statement run with bind parameters (its stored text is exactly `sql`). */
export async function queryIdOf(client: Client, sql: string): Promise<string | undefined> {
  const { rows } = await client.query<{ query_id: string }>(
    `SELECT queryid::text AS query_id FROM pg_stat_statements
      WHERE query = $1 AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY calls DESC LIMIT 1`,
    [sql],
  );
  return rows[0]?.query_id;
}
