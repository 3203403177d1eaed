import { createHash } from 'node:crypto';
import { MAX_IDENTIFIER_BYTES, type Relation } from './advisor-schemas.js';

/**
 * Names of the indexes this system creates: `selfheal_<table>_<columns>_<hash>`,
 * recognisable in `\di` and in the catalog, at most 63 bytes (ASCII only),
 * and the same for the same table and columns (so a retried build finds
 * its own index). The hash covers the exact schema, table and columns, so
 * two tables whose names shorten alike still get different names.
 */

export const OWN_INDEX_PREFIX = 'selfheal_';
const HASH_LENGTH = 8;
const BODY_LENGTH = MAX_IDENTIFIER_BYTES - OWN_INDEX_PREFIX.length - 1 - HASH_LENGTH;
const OWN_INDEX_NAME = new RegExp(`^${OWN_INDEX_PREFIX}[a-z0-9_]{1,${BODY_LENGTH}}_[0-9a-f]{${HASH_LENGTH}}$`);

const readable = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');

export function indexNameFor(relation: Relation, columns: readonly string[]): string {
  if (columns.length === 0) throw new RangeError('an index needs at least one column');
  const hash = createHash('sha256')
    .update(JSON.stringify([relation.schema, relation.table, columns]))
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const body = readable([relation.table, ...columns].map(readable).filter((part) => part !== '').join('_')).slice(0, BODY_LENGTH).replace(/_+$/, '');
  return `${OWN_INDEX_PREFIX}${body === '' ? 'idx' : body}_${hash}`;
}

/** Whether the name is one `indexNameFor` makes: only such indexes may be dropped by this system. */
export const isOwnIndex = (name: string): boolean => OWN_INDEX_NAME.test(name);
