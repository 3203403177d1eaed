import type { Relation } from './advisor-schemas.js';
import { NotOurIndexError } from './index-advisor-errors.js';
import { isOwnIndex } from './index-name.js';

/**
 * The only DDL this system runs, built from validated names and never from
 * free text: every identifier is double-quoted (as `quote_ident` would when
 * needed), so a name with spaces, capitals or quotes in it cannot change
 * the statement. Builds and drops are CONCURRENTLY, so neither blocks
 * reads or writes of the table.
 */

/** An identifier as SQL text: `"name"`, with embedded quotes doubled. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) throw new RangeError(`not an identifier: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

export const qualifiedName = (schema: string, name: string): string => `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;

const columnList = (columns: readonly string[]) => {
  if (columns.length === 0) throw new RangeError('an index needs at least one column');
  return columns.map(quoteIdentifier).join(', ');
};

/** `CREATE INDEX CONCURRENTLY IF NOT EXISTS "name" ON "schema"."table" USING btree ("a", "b")`. */
export function createIndexSql(relation: Relation, columns: readonly string[], indexName: string): string {
  return `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdentifier(indexName)} ON ${qualifiedName(relation.schema, relation.table)} USING btree (${columnList(columns)})`;
}

/** The statement HypoPG's `hypopg_create_index` takes for a hypothetical index (no name, no CONCURRENTLY). */
export function hypotheticalIndexSql(relation: Relation, columns: readonly string[]): string {
  return `CREATE INDEX ON ${qualifiedName(relation.schema, relation.table)} USING btree (${columnList(columns)})`;
}

/** `DROP INDEX CONCURRENTLY IF EXISTS "schema"."name"`, only for an index this system created. */
export function dropIndexSql(schema: string, indexName: string): string {
  if (!isOwnIndex(indexName)) throw new NotOurIndexError(`refusing to drop ${JSON.stringify(indexName)}: not an index this system created`);
  return `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(schema, indexName)}`;
}
