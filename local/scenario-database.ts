import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { buildWorkload, dropWorkload } from '../bench/index-workload.js';
import { SecretsManagerConnections } from '../lambdas/shared/postgres/connections.js';
import { type DatabaseReader, installPostgresEdge, type PostgresEdge, RdsPostgresEdge } from '../lambdas/shared/postgres/postgres-edge.js';
import { isOwnIndex } from '../lambdas/shared/index-advisor/index-name.js';
import type { ScenarioDatabaseConfig } from './scenario-database-schema.js';
import { currentMeanMs, SimulatedDatabase, type SimulatedQuery } from './simulated-database.js';

/**
 * The database a PostgreSQL scenario runs against, behind the same edge
 * the PostgreSQL functions use in AWS: the local PostgreSQL (its logins
 * answered by a local Secrets Manager), or the simulated one. Either way
 * the application keeps running its slow lookup: before every read of the
 * query statistics, one more batch of it runs, at whatever speed the
 * indexes in place give it.
 */

export interface ScenarioDatabase {
  readonly kind: PostgresEdge['kind'];
  /** Where the database is, for the output. */
  readonly description: string;
  /** The database inside the server, and the schema the scenario's table is in (the scope allows only it). */
  readonly database: string;
  readonly schema: string;
  /** Mean time of the lookup in the latest batch, in ms: what the application's latency alarm watches. */
  latencyMs(): number;
  /** Slow-statement lines as PostgreSQL logs them (log_min_duration_statement), from the latest batch. */
  slowStatementLines(count: number): string[];
  /** The names of this system's own (`selfheal_`) indexes on the scenario's table now. */
  ownIndexes(): Promise<string[]>;
  /** Routes the PostgreSQL functions (and the secrets they read) to this database until `close`. */
  install(secretArns: { reader: string; actor: string }): Promise<void>;
  close(): Promise<void>;
}

const REAL_QUERY_ID_PLACEHOLDER = '-4242424242424242';

/** The local PostgreSQL's logins, when both are configured. */
export function localPostgresUrls(): { actor: string; reader: string } | undefined {
  const actor = process.env.SELF_HEAL_PG_URL;
  const reader = process.env.SELF_HEAL_PG_READER_URL;
  return actor && reader ? { actor, reader } : undefined;
}

export async function openScenarioDatabase(config: ScenarioDatabaseConfig): Promise<ScenarioDatabase> {
  const urls = localPostgresUrls();
  if (config.realPostgres && urls !== undefined) return RealScenarioDatabase.open(config, urls);
  return new SimulatedScenarioDatabase(config, urls === undefined ? 'SELF_HEAL_PG_URL and SELF_HEAL_PG_READER_URL not set' : 'the scenario asks for it');
}

const timestamp = () => new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
const lookupText = (schema: string) => `SELECT id, amount, status FROM ${schema}.orders WHERE customer_id = $1`;
const logLine = (ms: number, schema: string, customer: number) =>
  `${timestamp()}:10.0.1.27(51234):shop@shop:[4242]:LOG:  duration: ${ms.toFixed(3)} ms  statement: ${lookupText(schema).replace('$1', String(customer))}`;

class SimulatedScenarioDatabase implements ScenarioDatabase {
  readonly kind = 'simulated' as const;
  readonly database = 'shop';
  readonly schema = 'public';
  readonly description: string;
  private readonly simulated: SimulatedDatabase;
  private readonly lookup: SimulatedQuery;

  constructor(config: ScenarioDatabaseConfig, why: string) {
    const relation = { schema: this.schema, table: 'orders' };
    this.lookup = {
      queryId: REAL_QUERY_ID_PLACEHOLDER,
      text: lookupText(this.schema),
      relation,
      indexColumns: ['customer_id'],
      meanMs: config.simulated.meanMs,
      meanMsWithIndex: config.simulated.meanMsWithIndex,
      plannedCostReduction: config.simulated.plannedCostReduction,
      callsPerRead: config.callsPerBatch,
    };
    this.simulated = new SimulatedDatabase({
      tables: [{ relation, rows: config.rows, bytes: config.rows * 210, indexes: [{ name: 'orders_pkey', columns: ['id'] }] }],
      queries: [
        this.lookup,
        { queryId: '1001', text: 'SELECT * FROM public.orders WHERE id = $1', relation, indexColumns: ['id'], meanMs: 0.05, meanMsWithIndex: 0.05, plannedCostReduction: 0 },
      ],
    });
    this.description = `simulated PostgreSQL (${why}): public.orders, ${config.rows} rows`;
  }

  latencyMs(): number {
    return currentMeanMs(this.simulated, this.lookup);
  }

  slowStatementLines(count: number): string[] {
    return Array.from({ length: count }, (_, line) => logLine(this.latencyMs() * (0.9 + (line % 3) * 0.1), this.schema, 1 + line * 7_919));
  }

  async ownIndexes(): Promise<string[]> {
    return this.simulated
      .indexesOf({ schema: this.schema, table: 'orders' })
      .map((index) => index.name)
      .filter(isOwnIndex);
  }

  async install(): Promise<void> {
    installPostgresEdge(this.simulated);
  }

  async close(): Promise<void> {
    installPostgresEdge(undefined);
  }
}

let schemas = 0;

class RealScenarioDatabase implements ScenarioDatabase {
  readonly kind = 'postgres' as const;
  readonly description: string;
  private lastBatch: number[] = [];
  private lastCustomers: number[] = [];
  private batches = 0;
  private secrets?: { restore(): void };

  private constructor(
    private readonly config: ScenarioDatabaseConfig,
    private readonly urls: { actor: string; reader: string },
    private readonly admin: Client,
    readonly database: string,
    readonly schema: string,
  ) {
    const where = new URL(urls.actor);
    this.description = `real PostgreSQL at ${where.host}/${database}: ${schema}.orders, ${config.rows} rows (schema dropped afterwards)`;
  }

  static async open(config: ScenarioDatabaseConfig, urls: { actor: string; reader: string }): Promise<RealScenarioDatabase> {
    schemas += 1;
    const schema = `selfheal_scn_${process.pid}_${schemas}`;
    const admin = new Client({ connectionString: urls.actor, application_name: 'self-heal-scenario-app' });
    await admin.connect();
    try {
      await buildWorkload(admin, schema, ['orders'], { orders: config.rows });
      const database = new URL(urls.actor).pathname.slice(1);
      const opened = new RealScenarioDatabase(config, urls, admin, database, schema);
      // The application has been running the lookup for a while: pg_stat_statements knows it.
      for (let batch = 0; batch < 2; batch += 1) await opened.runBatch();
      return opened;
    } catch (error) {
      await dropWorkload(admin, schema).catch(() => undefined);
      await admin.end().catch(() => undefined);
      throw error;
    }
  }

  /** One batch of the application's lookups, timed. */
  async runBatch(): Promise<void> {
    const times: number[] = [];
    const customers: number[] = [];
    for (let run = 0; run < this.config.callsPerBatch; run += 1) {
      const customer = 1 + ((this.batches * this.config.callsPerBatch + run) * 7_919) % 100_000;
      const started = process.hrtime.bigint();
      await this.admin.query(lookupText(this.schema), [customer]);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      customers.push(customer);
    }
    this.batches += 1;
    this.lastBatch = times;
    this.lastCustomers = customers;
  }

  latencyMs(): number {
    return this.lastBatch.length === 0 ? 0 : this.lastBatch.reduce((sum, time) => sum + time, 0) / this.lastBatch.length;
  }

  slowStatementLines(count: number): string[] {
    return this.lastBatch.slice(0, count).map((ms, index) => logLine(ms, this.schema, this.lastCustomers[index]!));
  }

  async ownIndexes(): Promise<string[]> {
    const { rows } = await this.admin.query<{ name: string }>('SELECT indexname::text AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY 1', [this.schema, 'orders']);
    return rows.map((row) => row.name).filter(isOwnIndex);
  }

  async install(secretArns: { reader: string; actor: string }): Promise<void> {
    const secretOf = (connectionString: string) => {
      const url = new URL(connectionString);
      return JSON.stringify({ engine: 'postgres', host: url.hostname, port: Number(url.port || 5432), username: decodeURIComponent(url.username), password: decodeURIComponent(url.password), dbname: url.pathname.slice(1) });
    };
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: secretArns.reader }).resolves({ SecretString: secretOf(this.urls.reader) });
    secrets.on(GetSecretValueCommand, { SecretId: secretArns.actor }).resolves({ SecretString: secretOf(this.urls.actor) });
    this.secrets = secrets;
    // Imported here, not at the top: the clients bring Powertools, which reads its settings when first loaded (after the runtime set them).
    const { secretsManager } = await import('../lambdas/shared/postgres/aws-clients.js');
    installPostgresEdge(new WorkloadDrivingEdge(new RdsPostgresEdge(new SecretsManagerConnections(secretsManager)), () => this.runBatch()));
  }

  async close(): Promise<void> {
    installPostgresEdge(undefined);
    this.secrets?.restore();
    await dropWorkload(this.admin, this.schema).catch(() => undefined);
    await this.admin.end().catch(() => undefined);
  }
}

/**
 * The deployed edge, with the application running between reads: before
 * each read of the query statistics, one more batch of the lookup runs.
 */
class WorkloadDrivingEdge implements PostgresEdge {
  readonly kind = 'postgres' as const;

  constructor(
    private readonly inner: PostgresEdge,
    private readonly runBatch: () => Promise<void>,
  ) {}

  async openReader(...args: Parameters<PostgresEdge['openReader']>): Promise<DatabaseReader> {
    const reader = await this.inner.openReader(...args);
    return {
      ...reader,
      topQueries: async (limit) => {
        await this.runBatch();
        return reader.topQueries(limit);
      },
      statsSnapshot: async (include) => {
        await this.runBatch();
        return reader.statsSnapshot(include);
      },
    };
  }

  indexActor(...args: Parameters<PostgresEdge['indexActor']>) {
    return this.inner.indexActor(...args);
  }
}
