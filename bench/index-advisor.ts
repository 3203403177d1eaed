import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { IndexActor } from '../lambdas/shared/postgres/index-actor.js';
import { ReadOnlySession } from '../lambdas/shared/postgres/read-only-session.js';
import { recommendIndex } from '../lambdas/shared/postgres/recommend-index.js';
import { buildWorkload, dropWorkload, median, queryIdOf, timeRuns } from './index-workload.js';

/**
 * `npm run bench:index [-- --url URL] [--reader-url URL] [--runs N] [--keep]`
 *
 * Runs the index advisor against a real PostgreSQL (with pg_stat_statements
 * and HypoPG; `.ci/start-postgres.sh` starts one) over query shapes whose
 * right answer is known: for most, one btree index; for some, no index at
 * all (a low-selectivity predicate, a tiny table, a range that returns most
 * rows, a lookup an existing index already serves).
 *
 * For each shape, as in production: the query runs with bind parameters
 * (so pg_stat_statements holds its normalized text), the advisor plans that
 * text (a generic plan) with HypoPG candidates, and the actor builds the
 * recommended index CONCURRENTLY; then the same runs are timed again and
 * the index is dropped. Latency is the median wall time of N runs (real
 * execution, same parameters before and after, after one warm-up run).
 *
 * A shape is right when the advisor recommends exactly the expected index,
 * or nothing when none is expected. wrong-added counts every index built
 * that was not the expected one. The speedup median is over the shapes that
 * need an index (1× where none was built). The summary is the last line.
 */

const { values: flags } = parseArgs({
  options: {
    url: { type: 'string' },
    'reader-url': { type: 'string' },
    runs: { type: 'string', default: '11' },
    keep: { type: 'boolean', default: false },
  },
});
const url = flags.url ?? process.env.SELF_HEAL_PG_URL;
if (url === undefined) {
  console.error('usage: npm run bench:index -- [--url postgres://…] (or set SELF_HEAL_PG_URL; see .ci/start-postgres.sh)');
  process.exit(2);
}
const readerUrl = flags['reader-url'] ?? process.env.SELF_HEAL_PG_READER_URL ?? url;
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${flags.runs}`);

const SCHEMA = 'bench_index_advisor';
const s = SCHEMA;

interface Expected {
  readonly table: string;
  readonly columns: readonly string[];
}

interface Shape {
  readonly name: string;
  readonly sql: string;
  /** Bind parameters of run i. */
  readonly params: (run: number) => unknown[];
  readonly expected: Expected | null;
}

/** Deterministic spread of run numbers over 1 … modulus. */
const pick = (run: number, salt: number, modulus: number) => 1 + ((run * 7_919 + salt * 104_729) % modulus);
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const day = (offset: number, base: string) => new Date(Date.parse(base) + offset * 86_400_000).toISOString();

const SHAPES: readonly Shape[] = [
  {
    name: 'orders-of-customer',
    sql: `SELECT id, amount, status FROM ${s}.orders WHERE customer_id = $1`,
    params: (run) => [pick(run, 1, 100_000)],
    expected: { table: 'orders', columns: ['customer_id'] },
  },
  {
    name: 'orders-of-skus',
    sql: `SELECT id, customer_id FROM ${s}.orders WHERE sku IN ($1, $2, $3)`,
    params: (run) => [pick(run, 2, 50_000), pick(run, 3, 50_000), pick(run, 4, 50_000)],
    expected: { table: 'orders', columns: ['sku'] },
  },
  {
    name: 'latest-events-of-user',
    sql: `SELECT id, kind, occurred_at FROM ${s}.events WHERE user_id = $1 ORDER BY occurred_at DESC LIMIT $2`,
    params: (run) => [pick(run, 5, 2_000), 20],
    expected: { table: 'events', columns: ['user_id', 'occurred_at'] },
  },
  {
    name: 'events-of-kind-in-day',
    sql: `SELECT id, user_id FROM ${s}.events WHERE kind = $1 AND occurred_at BETWEEN $2 AND $3`,
    params: (run) => [`kind_${run % 20}`, day(pick(run, 6, 300), '2024-01-01T00:00:00Z'), day(pick(run, 6, 300) + 1, '2024-01-01T00:00:00Z')],
    expected: { table: 'events', columns: ['kind', 'occurred_at'] },
  },
  {
    name: 'newest-orders',
    sql: `SELECT id, customer_id, amount FROM ${s}.orders ORDER BY created_at DESC LIMIT $1`,
    params: () => [50],
    expected: { table: 'orders', columns: ['created_at'] },
  },
  {
    name: 'orders-by-customer-email',
    sql: `SELECT o.id, o.amount FROM ${s}.orders o JOIN ${s}.customers c ON c.id = o.customer_id WHERE c.email = $1`,
    params: (run) => [`user${pick(run, 7, 100_000)}@example.com`],
    expected: { table: 'orders', columns: ['customer_id'] },
  },
  {
    name: 'orders-in-amount-band',
    sql: `SELECT id, customer_id FROM ${s}.orders WHERE amount BETWEEN $1 AND $2`,
    params: (run) => {
      const low = pick(run, 8, 990);
      return [low.toFixed(2), (low + 0.5).toFixed(2)];
    },
    expected: { table: 'orders', columns: ['amount'] },
  },
  {
    name: 'events-of-session',
    sql: `SELECT id, kind FROM ${s}.events WHERE session_id = $1`,
    params: (run) => [md5(String(pick(run, 9, 199_999)))],
    expected: { table: 'events', columns: ['session_id'] },
  },
  {
    name: 'event-count-of-user',
    sql: `SELECT count(*) FROM ${s}.events WHERE user_id = $1`,
    params: (run) => [pick(run, 10, 2_000)],
    expected: { table: 'events', columns: ['user_id'] },
  },
  {
    name: 'customers-signed-up-in-day',
    sql: `SELECT id, email FROM ${s}.customers WHERE created_at BETWEEN $1 AND $2`,
    params: (run) => [day(pick(run, 11, 1_300), '2020-01-01T00:00:00Z'), day(pick(run, 11, 1_300) + 1, '2020-01-01T00:00:00Z')],
    expected: { table: 'customers', columns: ['created_at'] },
  },
  {
    name: 'orders-by-status (low selectivity)',
    sql: `SELECT id, amount FROM ${s}.orders WHERE status = $1`,
    params: () => ['delivered'],
    expected: null,
  },
  {
    name: 'setting-by-key (tiny table)',
    sql: `SELECT value FROM ${s}.settings WHERE key = $1`,
    params: (run) => [`setting_${pick(run, 12, 50)}`],
    expected: null,
  },
  {
    name: 'events-since (most rows)',
    sql: `SELECT id, kind FROM ${s}.events WHERE occurred_at > $1`,
    params: () => ['2024-01-02T00:00:00Z'],
    expected: null,
  },
  {
    name: 'customer-by-email (indexed)',
    sql: `SELECT id, tier FROM ${s}.customers WHERE email = $1`,
    params: (run) => [`user${pick(run, 13, 200_000)}@example.com`],
    expected: null,
  },
];

type Verdict = 'right' | 'wrong' | 'missed' | 'wrong-added';

interface Row {
  readonly shape: string;
  readonly expected: string;
  readonly chosen: string;
  readonly verdict: Verdict;
  readonly costCut: string;
  readonly beforeMs: number;
  readonly afterMs: number | undefined;
  readonly speedup: number | undefined;
}

const label = (table: string, columns: readonly string[]) => `${table}(${columns.join(', ')})`;

const actorClient = new Client({ connectionString: url, application_name: 'self-heal-bench' });
await actorClient.connect();
const actor = new IndexActor({ connection: { connectionString: url }, lockTimeoutMs: 10_000 });
const session = await ReadOnlySession.open({ connection: { connectionString: readerUrl } });

const rows: Row[] = [];
try {
  const started = Date.now();
  await buildWorkload(actorClient, SCHEMA);
  console.log(`built ${SCHEMA} (orders 1M, customers 200k, events 1M, settings 50) in ${((Date.now() - started) / 1_000).toFixed(1)} s; ${runs} timed runs per side`);

  for (const shape of SHAPES) {
    const parameterSets = Array.from({ length: runs }, (_, run) => shape.params(run));
    await timeRuns(actorClient, shape.sql, [parameterSets[0]!]); // warm-up
    const beforeMs = median(await timeRuns(actorClient, shape.sql, parameterSets));
    const queryId = await queryIdOf(actorClient, shape.sql);
    if (queryId === undefined) throw new Error(`pg_stat_statements has no entry for ${shape.name}; is pg_stat_statements.track = all?`);

    const report = await recommendIndex(session, { queryId }, { writeRateSampleMs: 100 });
    const advice = report.queries[0]?.advice;
    const chosen = report.recommendation;
    const expectedLabel = shape.expected === null ? '-' : label(shape.expected.table, shape.expected.columns);
    const chosenLabel = chosen === undefined ? '-' : label(chosen.relation.table, chosen.columns);
    let verdict: Verdict;
    if (chosen === undefined) verdict = shape.expected === null ? 'right' : 'missed';
    else if (shape.expected === null) verdict = 'wrong-added';
    else verdict = chosenLabel === expectedLabel ? 'right' : 'wrong';

    let afterMs: number | undefined;
    if (chosen !== undefined) {
      const before = await actor.readBefore(chosen.params);
      const applied = await actor.apply(chosen.params, before);
      try {
        await timeRuns(actorClient, shape.sql, [parameterSets[0]!]);
        afterMs = median(await timeRuns(actorClient, shape.sql, parameterSets));
      } finally {
        await actor.undo(chosen.params, before, applied);
      }
    }
    const bestCut = advice?.choice.kind === 'chosen' ? advice.choice.costReduction : advice?.choice.bestCostReduction;
    rows.push({
      shape: shape.name,
      expected: expectedLabel,
      chosen: chosenLabel,
      verdict,
      costCut: bestCut === undefined ? (report.queries[0]?.error !== undefined ? 'error' : '-') : `${(bestCut * 100).toFixed(1)}%`,
      beforeMs,
      afterMs,
      speedup: afterMs === undefined ? undefined : beforeMs / afterMs,
    });
    const row = rows.at(-1)!;
    console.error(`  ${row.shape}: ${row.verdict}${row.speedup === undefined ? '' : `, ${row.speedup.toFixed(1)}x`}`);
  }
} finally {
  if (!flags.keep) await dropWorkload(actorClient, SCHEMA);
  await session.close();
  await actorClient.end();
}

const header = ['shape', 'expected', 'advisor', 'verdict', 'plan cost cut', 'before ms', 'after ms', 'speedup'];
const table = rows.map((row) => [
  row.shape,
  row.expected,
  row.chosen,
  row.verdict,
  row.costCut,
  row.beforeMs.toFixed(2),
  row.afterMs === undefined ? '-' : row.afterMs.toFixed(2),
  row.speedup === undefined ? '-' : `${row.speedup.toFixed(1)}x`,
]);
const widths = header.map((title, column) => Math.max(title.length, ...table.map((cells) => cells[column]!.length)));
const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
console.log(line(header));
console.log(widths.map((width) => '-'.repeat(width)).join('  '));
for (const cells of table) console.log(line(cells));

const right = rows.filter((row) => row.verdict === 'right').length;
const wrongAdded = rows.filter((row) => row.verdict === 'wrong' || row.verdict === 'wrong-added').length;
const needIndex = SHAPES.map((shape, index) => ({ shape, row: rows[index]! })).filter(({ shape }) => shape.expected !== null);
const speedup = median(needIndex.map(({ row }) => row.speedup ?? 1));
console.log(`index: ${rows.length} shapes, right ${right}, wrong-added ${wrongAdded}, p50 speedup ${speedup.toFixed(1)}x`);
