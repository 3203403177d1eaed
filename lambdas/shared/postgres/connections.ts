import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ClientConfig } from 'pg';
import * as z from 'zod';
import { callAws } from '../aws-errors.js';
import { MalformedEventError } from '../errors.js';

/**
 * Where a login's connection settings come from: a Secrets Manager secret
 * in the RDS format (`host`, `port`, `username`, `password`, `dbname`).
 * The database connected to is always the scope's `database`: the secret's
 * `dbname` (often `postgres` for a master secret) only says where the login
 * was made. TLS is on, with the server certificate verified (set
 * `NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem` on the Lambda function for
 * the RDS CAs), except to a loopback address, where the local runtime's
 * PostgreSQL listens; an RDS endpoint is never a loopback address.
 */

export const RdsSecretSchema = z.looseObject({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65_535).default(5432),
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().optional(),
});
export type RdsSecret = z.infer<typeof RdsSecretSchema>;

export interface ConnectionResolver {
  /** Connection settings for the login in `secretArn`, to `database`. */
  connectionFor(secretArn: string, database: string): Promise<ClientConfig>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** `pg` settings for a login: TLS verified unless the host is a loopback address. */
export function clientConfigOf(secret: RdsSecret, database: string): ClientConfig {
  return {
    host: secret.host,
    port: secret.port,
    user: secret.username,
    password: secret.password,
    database,
    ssl: LOOPBACK.has(secret.host) ? false : { rejectUnauthorized: true },
    connectionTimeoutMillis: 5_000,
  };
}

/** How long a secret's value is reused before it is read again (a rotated password is picked up after this). */
const SECRET_CACHE_MS = 5 * 60_000;

export class SecretsManagerConnections implements ConnectionResolver {
  private readonly cache = new Map<string, { secret: RdsSecret; readAt: number }>();

  constructor(
    private readonly client: () => SecretsManagerClient,
    private readonly clock: () => number = Date.now,
  ) {}

  async connectionFor(secretArn: string, database: string): Promise<ClientConfig> {
    const cached = this.cache.get(secretArn);
    if (cached !== undefined && this.clock() - cached.readAt < SECRET_CACHE_MS) return clientConfigOf(cached.secret, database);
    const response = await callAws('GetSecretValue', () => this.client().send(new GetSecretValueCommand({ SecretId: secretArn })));
    let raw: unknown;
    try {
      raw = JSON.parse(response.SecretString ?? '');
    } catch {
      throw new MalformedEventError(`secret ${secretArn} is not JSON in the RDS format (host, port, username, password)`);
    }
    const parsed = RdsSecretSchema.safeParse(raw);
    // Never echo the secret's content: name only the missing fields.
    if (!parsed.success) throw new MalformedEventError(`secret ${secretArn} lacks ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
    this.cache.set(secretArn, { secret: parsed.data, readAt: this.clock() });
    return clientConfigOf(parsed.data, database);
  }
}
