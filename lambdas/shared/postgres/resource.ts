import { OutOfScopeError } from '../errors.js';
import type { Incident } from '../incident.js';
import { findResourceById, type RdsPostgresScope, type Scope } from '../scope.js';
import { secretsManager } from './aws-clients.js';
import { SecretsManagerConnections } from './connections.js';
import { type PostgresEdge, postgresEdge, RdsPostgresEdge } from './postgres-edge.js';

/** The incident's registered PostgreSQL database; anything else is out of scope for the PostgreSQL functions. */
export function databaseOf(scope: Scope, incident: Incident): RdsPostgresScope {
  const resource = findResourceById(scope, incident.resource.id);
  if (resource === undefined || resource.kind !== 'rds-postgres') {
    throw new OutOfScopeError(`${incident.resource.id} is not a registered rds-postgres database`);
  }
  return resource;
}

let defaultEdge: PostgresEdge | undefined;

/** The edge the PostgreSQL functions use: the installed one (local runtime, tests), else RDS through Secrets Manager. */
export function currentPostgresEdge(): PostgresEdge {
  return postgresEdge(() => (defaultEdge ??= new RdsPostgresEdge(new SecretsManagerConnections(secretsManager))));
}
