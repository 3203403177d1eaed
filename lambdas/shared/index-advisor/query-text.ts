import { QueryNotExplainableError } from './index-advisor-errors.js';

/**
 * What the advisor needs to know of a query's text before it asks the
 * server for a plan: that it is one statement of a kind an index can help
 * (SELECT, WITH, UPDATE, DELETE), and how many `$n` parameters it has
 * (`pg_stat_statements` replaces constants with them). The text is read
 * the way the server lexes it: strings, quoted names, dollar quotes and
 * comments are skipped, so a `$1` or `;` inside them counts for nothing.
 */

export const EXPLAINABLE_KINDS = ['select', 'with', 'update', 'delete'] as const;
export type StatementKind = (typeof EXPLAINABLE_KINDS)[number];

export interface ExplainableStatement {
  readonly kind: StatementKind;
  /** The highest `$n` used; 0 for a query with literal values. */
  readonly parameterCount: number;
  /** The text without a trailing semicolon, as it will be sent. */
  readonly text: string;
}

/** The longest query text the advisor plans (pg_stat_statements keeps long ones whole). */
export const MAX_QUERY_LENGTH = 100_000;

interface Scan {
  readonly firstWord: string | undefined;
  readonly parameterCount: number;
  /** Where a `;` ends the first statement, if one does. */
  readonly statementEnd: number | undefined;
}

function scan(text: string): Scan {
  let index = 0;
  let firstWord: string | undefined;
  let parameterCount = 0;
  let statementEnd: number | undefined;
  const fail = (what: string) => {
    throw new QueryNotExplainableError(`query text has an unterminated ${what}`);
  };
  while (index < text.length) {
    const char = text[index]!;
    const next = text[index + 1];
    if (char === '-' && next === '-') {
      const end = text.indexOf('\n', index);
      index = end === -1 ? text.length : end + 1;
    } else if (char === '/' && next === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 1;
      index += 2;
      while (depth > 0) {
        if (index >= text.length) fail('comment');
        if (text.startsWith('/*', index)) {
          depth += 1;
          index += 2;
        } else if (text.startsWith('*/', index)) {
          depth -= 1;
          index += 2;
        } else index += 1;
      }
    } else if (char === "'" || ((char === 'E' || char === 'e') && next === "'" && !/[A-Za-z0-9_]/.test(text[index - 1] ?? ''))) {
      const escapes = char !== "'";
      index += escapes ? 2 : 1;
      for (;;) {
        if (index >= text.length) fail('string');
        if (escapes && text[index] === '\\') index += 2;
        else if (text[index] === "'" && text[index + 1] === "'") index += 2;
        else if (text[index] === "'") break;
        else index += 1;
      }
      index += 1;
    } else if (char === '"') {
      const end = text.indexOf('"', index + 1);
      if (end === -1) fail('quoted identifier');
      index = end + 1;
    } else if (char === '$' && /[0-9]/.test(next ?? '') && !/[A-Za-z0-9_]/.test(text[index - 1] ?? '')) {
      let end = index + 1;
      while (/[0-9]/.test(text[end] ?? '')) end += 1;
      parameterCount = Math.max(parameterCount, Number(text.slice(index + 1, end)));
      index = end;
    } else if (char === '$' && !/[A-Za-z0-9_]/.test(text[index - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(index));
      if (tag === null) {
        index += 1;
        continue;
      }
      const end = text.indexOf(tag[0], index + tag[0].length);
      if (end === -1) fail('dollar-quoted string');
      index = end + tag[0].length;
    } else if (char === ';') {
      statementEnd ??= index;
      index += 1;
    } else if (/[A-Za-z_]/.test(char)) {
      let end = index + 1;
      while (/[A-Za-z0-9_$]/.test(text[end] ?? '')) end += 1;
      firstWord ??= text.slice(index, end).toLowerCase();
      index = end;
    } else {
      if (firstWord === undefined && char === '(') firstWord = '(';
      index += 1;
    }
  }
  return { firstWord, parameterCount, statementEnd };
}

/** `PREPARE name [(types)] AS `: an application's SQL-level prepared statement is recorded with it. */
const PREPARE_PREFIX = /^\s*PREPARE\s+(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s*(?:\([^()]*\))?\s*AS\s+/i;

/** Checks that the text is one statement an index can help, and counts its parameters. */
export function explainableStatement(query: string): ExplainableStatement {
  const prepared = PREPARE_PREFIX.exec(query);
  if (prepared !== null) return explainableStatement(query.slice(prepared[0].length));
  if (query.length > MAX_QUERY_LENGTH) throw new QueryNotExplainableError(`query text is longer than ${MAX_QUERY_LENGTH} characters`);
  if (query.includes('\u0000')) throw new QueryNotExplainableError('query text contains a NUL character');
  const { firstWord, parameterCount, statementEnd } = scan(query);
  let text = query;
  if (statementEnd !== undefined) {
    if (!/^[\s;]*$/.test(query.slice(statementEnd))) throw new QueryNotExplainableError('query text holds more than one statement');
    text = query.slice(0, statementEnd);
  }
  const kind = firstWord === '(' ? 'select' : firstWord;
  if (!(EXPLAINABLE_KINDS as readonly string[]).includes(kind ?? '')) {
    throw new QueryNotExplainableError(`only ${EXPLAINABLE_KINDS.join(', ').toUpperCase()} statements are planned; this one starts with ${JSON.stringify(firstWord ?? '')}`);
  }
  if (parameterCount > 65_535) throw new QueryNotExplainableError(`query uses $${parameterCount}; PostgreSQL allows at most 65535 parameters`);
  return { kind: kind as StatementKind, parameterCount, text: text.trimEnd() };
}
