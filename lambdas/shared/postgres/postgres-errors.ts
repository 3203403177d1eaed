/**
 * Named errors of the PostgreSQL edge. As in `../errors.ts`, each class
 * name is exactly the string a Step Functions `Retry` or `Catch` matches.
 */

/** The database could not be reached or refused the login; worth retrying with backoff. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

/** A lock was not granted within `lock_timeout` (SQLSTATE 55P03): busy table, try again later. */
export class PostgresLockTimeoutError extends Error {
  override readonly name = 'PostgresLockTimeoutError';
}

/** An extension the advisor needs (`pg_stat_statements`, `hypopg`) is not installed in the database, or not readable. */
export class ExtensionMissingError extends Error {
  override readonly name = 'ExtensionMissingError';
}

/** The SQLSTATE of a server error, when the error came from the server. */
export const sqlStateOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;

/** SQLSTATE classes and codes meaning "the connection, not the statement, failed". */
const CONNECTION_FAILURES = /^(08|57P0[1-3]|53300|28)/;
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'EPIPE']);

export function isConnectionFailure(error: unknown): boolean {
  const code = sqlStateOf(error);
  if (code === undefined) return false;
  return NETWORK_ERRORS.has(code) || CONNECTION_FAILURES.test(code);
}
