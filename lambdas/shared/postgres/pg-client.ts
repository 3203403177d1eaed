import { Client, type ClientConfig, type QueryConfig, type QueryResultRow } from 'pg';
import { PostgresUnavailableError } from './postgres-errors.js';

/**
 * Opening a `pg` client the way every part of the edge needs it: a
 * recognisable application name, timeouts set before the first statement,
 * and a connection failure reported as `PostgresUnavailableError`.
 */

export interface PostgresConnectOptions {
  /**
   * How to reach the database, as `pg` takes it: a `connectionString`, or
   * host, port, database, user, and a password (a function for RDS IAM
   * auth tokens), with `ssl`.
   */
  readonly connection: ClientConfig;
  /**
   * Shown in `pg_stat_activity`.
   * @default 'self-heal'
   */
  readonly applicationName?: string;
  /**
   * `statement_timeout` for the session.
   * @default 10_000
   */
  readonly statementTimeoutMs?: number;
  /**
   * `lock_timeout` for the session.
   * @default 5_000
   */
  readonly lockTimeoutMs?: number;
}

export async function openClient(options: PostgresConnectOptions): Promise<Client> {
  const client = new Client({ ...options.connection, application_name: options.applicationName ?? 'self-heal' });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new PostgresUnavailableError(`cannot connect to PostgreSQL: ${(error as Error).message}`, { cause: error });
  }
  try {
    await setSetting(client, 'statement_timeout', `${options.statementTimeoutMs ?? 10_000}`);
    await setSetting(client, 'lock_timeout', `${options.lockTimeoutMs ?? 5_000}`);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** `SET name = value` for the session, with the value sent as a parameter. */
export async function setSetting(client: Client, name: string, value: string): Promise<void> {
  await client.query('SELECT set_config($1, $2, false)', [name, value]);
}

/**
 * Runs one statement over the extended protocol, which refuses more than
 * one command: a query text from the database's own statistics can never
 * smuggle a second statement in.
 */
export function querySingleStatement<T extends QueryResultRow>(client: Client, text: string): Promise<{ rows: T[] }> {
  return client.query<T>({ text, queryMode: 'extended' } as QueryConfig);
}
