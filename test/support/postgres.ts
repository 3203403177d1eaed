import { Client } from 'pg';

/**
 * Whether the local PostgreSQL the real-database tests need is there:
 * reachable at the URL, with HypoPG and pg_stat_statements installed
 * (`.ci/start-postgres.sh` starts one and exports the URLs).
 */
export async function postgresReachable(connectionString: string | undefined): Promise<boolean> {
  if (connectionString === undefined) return false;
  const client = new Client({ connectionString, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 'hypopg_create_index'::regproc, 'pg_stat_statements'::regclass");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
