/**
 * Reads the condition strings of a plan (`Filter`, `Index Cond`,
 * `Hash Cond`, `Sort Key` …) as PostgreSQL deparses them, e.g.
 * `((o.customer_id = $1) AND (o.created_at >= '2024-01-01'::date))`.
 *
 * Only the shapes a plain btree index serves are recognised: a column
 * compared with a value by `=`, `<`, `<=`, `>`, `>=`, `= ANY (…)` or
 * `IS NULL`, inside a top-level AND. Anything else (OR, functions of a
 * column, LIKE, casts other than to text) yields nothing, never an error.
 */

export interface ColumnRef {
  /** The table alias, when the column is qualified (always with VERBOSE). */
  readonly qualifier?: string;
  readonly column: string;
}

export type ComparisonOperator = '=' | '<' | '<=' | '>' | '>=' | 'is-null';

/** One side of a comparison. */
export interface ComparisonSide {
  /** Set when the side is exactly one column (possibly cast to text). */
  readonly column?: ColumnRef;
  /** Every column the side mentions; `undefined` means it has a name this parser cannot place (so it may mention any column). */
  readonly references: readonly ColumnRef[] | undefined;
}

export interface Comparison {
  readonly left: ComparisonSide;
  readonly operator: ComparisonOperator;
  readonly right: ComparisonSide;
}

export interface SortKeyColumn {
  readonly column: ColumnRef;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'operator' | 'cast' | '(' | ')' | '[' | ']' | ',' | '.';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

class UnreadableCondition extends Error {}

const OPERATOR_CHARS = new Set('+-*/<>=~!@#%^&|`?'.split(''));
const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === "'" || ((char === 'E' || char === 'e') && text[index + 1] === "'")) {
      // A string literal; '' is an escaped quote, and E'…' may escape with a backslash.
      const escapes = char !== "'";
      let end = escapes ? index + 2 : index + 1;
      for (;;) {
        if (end >= text.length) throw new UnreadableCondition('unterminated string');
        if (escapes && text[end] === '\\') end += 2;
        else if (text[end] === "'" && text[end + 1] === "'") end += 2;
        else if (text[end] === "'") break;
        else end += 1;
      }
      tokens.push({ kind: 'string', text: text.slice(index, end + 1) });
      index = end + 1;
    } else if (char === '"') {
      let end = index + 1;
      let name = '';
      for (;;) {
        if (end >= text.length) throw new UnreadableCondition('unterminated quoted identifier');
        if (text[end] === '"' && text[end + 1] === '"') {
          name += '"';
          end += 2;
        } else if (text[end] === '"') break;
        else {
          name += text[end];
          end += 1;
        }
      }
      tokens.push({ kind: 'quoted', text: name });
      index = end + 1;
    } else if (char === '$' && /[0-9]/.test(text[index + 1] ?? '')) {
      let end = index + 1;
      while (/[0-9]/.test(text[end] ?? '')) end += 1;
      tokens.push({ kind: 'param', text: text.slice(index, end) });
      index = end;
    } else if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(text[index + 1] ?? ''))) {
      let end = index;
      while (/[0-9.eE]/.test(text[end] ?? '') || (/[eE]/.test(text[end - 1] ?? '') && /[+-]/.test(text[end] ?? ''))) end += 1;
      tokens.push({ kind: 'number', text: text.slice(index, end) });
      index = end;
    } else if (WORD_START.test(char)) {
      let end = index + 1;
      while (end < text.length && WORD_PART.test(text[end]!)) end += 1;
      tokens.push({ kind: 'word', text: text.slice(index, end) });
      index = end;
    } else if (char === ':' && text[index + 1] === ':') {
      tokens.push({ kind: 'cast', text: '::' });
      index += 2;
    } else if ('()[],.'.includes(char)) {
      tokens.push({ kind: char as TokenKind, text: char });
      index += 1;
    } else if (OPERATOR_CHARS.has(char)) {
      let end = index;
      while (end < text.length && OPERATOR_CHARS.has(text[end]!)) end += 1;
      tokens.push({ kind: 'operator', text: text.slice(index, end) });
      index = end;
    } else {
      throw new UnreadableCondition(`unexpected character ${JSON.stringify(char)}`);
    }
  }
  return tokens;
}

const isWord = (token: Token | undefined, word: string): boolean => token?.kind === 'word' && token.text.toUpperCase() === word;
const isName = (token: Token | undefined): boolean => token?.kind === 'word' || token?.kind === 'quoted';

/** Index of the parenthesis closing the one opened at `open`. */
function closingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let index = open; index < tokens.length; index += 1) {
    const kind = tokens[index]!.kind;
    if (kind === '(' || kind === '[') depth += 1;
    else if (kind === ')' || kind === ']') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  throw new UnreadableCondition('unbalanced parentheses');
}

/** Drops parentheses that wrap the whole token list. */
function unwrap(tokens: readonly Token[]): readonly Token[] {
  let current = tokens;
  while (current.length >= 2 && current[0]!.kind === '(' && closingParen(current, 0) === current.length - 1) current = current.slice(1, -1);
  return current;
}

/** Splits at top-level occurrences of a keyword; `undefined` when `forbidden` occurs at the top level. */
function splitTopLevel(tokens: readonly Token[], keyword: string, forbidden: string): Array<readonly Token[]> | undefined {
  const parts: Array<readonly Token[]> = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.kind === '(' || token.kind === '[') depth += 1;
    else if (token.kind === ')' || token.kind === ']') depth -= 1;
    else if (depth === 0 && isWord(token, forbidden)) return undefined;
    else if (depth === 0 && isWord(token, keyword)) {
      parts.push(tokens.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(tokens.slice(start));
  return parts;
}

/** Words that are never column names in deparsed conditions. */
const KEYWORDS = new Set([
  'AND', 'OR', 'NOT', 'NULL', 'TRUE', 'FALSE', 'IS', 'ANY', 'ALL', 'SOME', 'ARRAY', 'IN', 'BETWEEN', 'LIKE', 'ILIKE',
  'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'DISTINCT', 'FROM', 'AT', 'TIME', 'ZONE', 'INTERVAL', 'COLLATE', 'ROW',
  'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'LOCALTIME', 'LOCALTIMESTAMP', 'CURRENT_USER', 'CURRENT_ROLE',
  'SESSION_USER', 'USER', 'CURRENT_CATALOG', 'CURRENT_SCHEMA',
]);

/** Casts that keep a plain index on the column usable (binary-compatible with the column's type). */
const TRANSPARENT_CASTS = new Set(['text', 'character varying', 'varchar']);

/** The type name after a `::` starting at `start`; returns it and the index after it. */
function readTypeName(tokens: readonly Token[], start: number): { name: string; next: number } {
  const words: string[] = [];
  let index = start;
  while (isName(tokens[index]) && !isWord(tokens[index], 'AND') && !isWord(tokens[index], 'OR')) {
    words.push(tokens[index]!.text.toLowerCase());
    index += 1;
    if (tokens[index]?.kind === '.' && isName(tokens[index + 1])) index += 1; // schema-qualified type
  }
  if (tokens[index]?.kind === '(') index = closingParen(tokens, index) + 1; // typmod, e.g. numeric(10,2)
  while (tokens[index]?.kind === '[' && tokens[index + 1]?.kind === ']') index += 2; // array type
  if (words.length === 0) throw new UnreadableCondition('cast without a type');
  return { name: words.join(' '), next: index };
}

/** Every column reference of an expression, or `undefined` when a name cannot be placed. */
function columnReferences(tokens: readonly Token[]): ColumnRef[] | undefined {
  const references: ColumnRef[] = [];
  let index = 0;
  while (index < tokens.length) {
    const token = tokens[index]!;
    if (token.kind === 'cast') {
      index = readTypeName(tokens, index + 1).next;
      continue;
    }
    if (!isName(token)) {
      index += 1;
      continue;
    }
    const next = tokens[index + 1];
    if (next?.kind === '(') {
      index += 1; // a function name; its arguments are read next
      continue;
    }
    if (token.kind === 'word' && KEYWORDS.has(token.text.toUpperCase())) {
      index += 1;
      continue;
    }
    if (next?.kind === '.' && isName(tokens[index + 2])) {
      if (tokens[index + 3]?.kind === '.' || tokens[index + 3]?.kind === '(') return undefined; // three-part names, schema.function(…)
      references.push({ qualifier: token.text, column: tokens[index + 2]!.text });
      index += 3;
      continue;
    }
    if (token.kind === 'word' && /^(SubPlan|InitPlan|hashed)$/i.test(token.text)) return undefined;
    references.push({ column: token.text });
    index += 1;
  }
  return references;
}

/** The column a side consists of: `col`, `alias.col`, `(col)::text`, `col::text`. */
function soleColumn(tokens: readonly Token[]): ColumnRef | undefined {
  let current = unwrap(tokens);
  // Strip casts that keep a plain index usable: (col)::text, col::character varying.
  const castAt = current.findIndex((token) => token.kind === 'cast');
  if (castAt > 0) {
    const { name, next } = readTypeName(current, castAt + 1);
    if (next !== current.length || !TRANSPARENT_CASTS.has(name)) return undefined;
    current = unwrap(current.slice(0, castAt));
  }
  if (current.length === 1 && isName(current[0]) && !(current[0]!.kind === 'word' && KEYWORDS.has(current[0]!.text.toUpperCase()))) {
    return { column: current[0]!.text };
  }
  if (current.length === 3 && isName(current[0]) && current[1]!.kind === '.' && isName(current[2])) {
    return { qualifier: current[0]!.text, column: current[2]!.text };
  }
  return undefined;
}

const side = (tokens: readonly Token[]): ComparisonSide => {
  const column = soleColumn(tokens);
  const references = columnReferences(tokens);
  return column === undefined ? { references } : { column, references };
};

const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=', 'is-null': 'is-null' };

/** One conjunct: `a = b`, `a < b`, `a = ANY (…)`, `a IS NULL`. */
function comparisonOf(conjunct: readonly Token[]): Comparison | undefined {
  const tokens = unwrap(conjunct);
  const last = tokens.length - 1;
  if (tokens.length >= 3 && isWord(tokens[last], 'NULL') && isWord(tokens[last - 1], 'IS')) {
    const left = tokens.slice(0, last - 1);
    return { left: side(left), operator: 'is-null', right: { references: [] } };
  }
  let depth = 0;
  let found: number | undefined;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.kind === '(' || token.kind === '[') depth += 1;
    else if (token.kind === ')' || token.kind === ']') depth -= 1;
    else if (depth === 0 && token.kind === 'operator') {
      if (found !== undefined) return undefined; // more than one top-level operator: an expression, not a comparison
      found = index;
    } else if (depth === 0 && token.kind === 'word' && ['NOT', 'IS', 'LIKE', 'ILIKE', 'IN', 'BETWEEN'].includes(token.text.toUpperCase())) {
      return undefined;
    }
  }
  if (found === undefined || found === 0 || found === last) return undefined;
  const operator = tokens[found]!.text as ComparisonOperator;
  if (!['=', '<', '<=', '>', '>='].includes(operator)) return undefined;
  let right = tokens.slice(found + 1);
  if (isWord(right[0], 'ANY')) {
    if (operator !== '=') return undefined; // col < ANY (…) is not an index condition worth proposing
    right = right.slice(1);
  } else if (isWord(right[0], 'ALL') || isWord(right[0], 'SOME')) {
    return undefined;
  }
  return { left: side(tokens.slice(0, found)), operator, right: side(right) };
}

function conjunctsOf(tokens: readonly Token[]): Array<readonly Token[]> {
  const parts = splitTopLevel(unwrap(tokens), 'AND', 'OR');
  if (parts === undefined) return [];
  if (parts.length === 1) return [unwrap(parts[0]!)];
  return parts.flatMap((part) => conjunctsOf(part));
}

/**
 * The comparisons of a condition's top-level AND. An OR at the top yields
 * none (no single index serves it); an unreadable conjunct is skipped.
 */
export function parseComparisons(condition: string): Comparison[] {
  let tokens: Token[];
  try {
    tokens = tokenize(condition);
  } catch {
    return [];
  }
  const comparisons: Comparison[] = [];
  let conjuncts: Array<readonly Token[]>;
  try {
    conjuncts = conjunctsOf(tokens);
  } catch {
    return [];
  }
  for (const conjunct of conjuncts) {
    try {
      const comparison = comparisonOf(conjunct);
      if (comparison !== undefined) comparisons.push(comparison);
    } catch {
      // unreadable conjunct: no candidate from it
    }
  }
  return comparisons;
}

/** The same comparison read from the other side (`5 < a` as `a > 5`). */
export const flipComparison = (comparison: Comparison): Comparison => ({
  left: comparison.right,
  operator: FLIPPED[comparison.operator],
  right: comparison.left,
});

/** The column pairs a join condition equates: `(o.customer_id = c.id)`. */
export function parseEquiJoinPairs(condition: string): Array<readonly [ColumnRef, ColumnRef]> {
  return parseComparisons(condition)
    .filter((comparison) => comparison.operator === '=' && comparison.left.column !== undefined && comparison.right.column !== undefined)
    .map((comparison) => [comparison.left.column!, comparison.right.column!] as const);
}

/** One `Sort Key` entry: `o.created_at DESC`, `"Name" NULLS FIRST`; `undefined` for an expression. */
export function parseSortKey(key: string): SortKeyColumn | undefined {
  let tokens: Token[];
  try {
    tokens = tokenize(key);
  } catch {
    return undefined;
  }
  let descending = false;
  let nullsFirst: boolean | undefined;
  if (isWord(tokens.at(-2), 'NULLS') && (isWord(tokens.at(-1), 'FIRST') || isWord(tokens.at(-1), 'LAST'))) {
    nullsFirst = isWord(tokens.at(-1), 'FIRST');
    tokens = tokens.slice(0, -2);
  }
  if (isWord(tokens.at(-1), 'DESC') || isWord(tokens.at(-1), 'ASC')) {
    descending = isWord(tokens.at(-1), 'DESC');
    tokens = tokens.slice(0, -1);
  }
  if (tokens.some((token) => isWord(token, 'USING') || isWord(token, 'COLLATE'))) return undefined;
  try {
    const column = soleColumn(tokens);
    if (column === undefined) return undefined;
    return { column, descending, nullsFirst: nullsFirst ?? descending };
  } catch {
    return undefined;
  }
}
