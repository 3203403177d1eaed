/**
 * CloudWatch Logs filter patterns, as much of them as the simulated world
 * needs to answer FilterLogEvents:
 *
 * - term patterns: empty matches everything, `a b` needs every term,
 *   `?a ?b` any of them (terms match as substrings, quotes are dropped);
 * - JSON patterns over JSON messages: `{ $.action = "BLOCK" }`,
 *   `{ $.httpRequest.clientIp = "203.0.113.*" && $.status >= 500 }`, with
 *   `=`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`, parentheses, `*` wildcards
 *   in strings, numbers, `true`, `false` and `null`. A message that is not
 *   JSON never matches a JSON pattern.
 */

export function matchesFilterPattern(filterPattern: string | undefined, message: string): boolean {
  const pattern = (filterPattern ?? '').trim();
  if (pattern.startsWith('{') && pattern.endsWith('}')) return matchesJsonPattern(pattern, message);
  const terms = pattern.split(/\s+/).filter((term) => term !== '');
  if (terms.length === 0) return true;
  const optional = terms.filter((term) => term.startsWith('?')).map((term) => term.slice(1).replace(/^"|"$/g, ''));
  const required = terms.filter((term) => !term.startsWith('?')).map((term) => term.replace(/^"|"$/g, ''));
  return required.every((term) => message.includes(term)) && (optional.length === 0 || optional.some((term) => message.includes(term)));
}

// ---- JSON patterns --------------------------------------------------------------------------

type Token = { kind: 'selector'; path: (string | number)[] } | { kind: 'op' | 'logic' | 'paren'; text: string } | { kind: 'value'; value: unknown };

type Expression =
  | { kind: 'compare'; path: (string | number)[]; op: string; value: unknown }
  | { kind: 'and' | 'or'; left: Expression; right: Expression };

const cache = new Map<string, Expression>();

function tokenize(body: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < body.length) {
    const rest = body.slice(index);
    let match: RegExpMatchArray | null;
    if ((match = rest.match(/^\s+/))) {
      index += match[0].length;
    } else if ((match = rest.match(/^\$((?:\.[A-Za-z0-9_-]+|\[\d+\])+)/))) {
      const path = [...match[1]!.matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)].map((part) => (part[1] !== undefined ? part[1] : Number(part[2])));
      tokens.push({ kind: 'selector', path });
      index += match[0].length;
    } else if ((match = rest.match(/^(&&|\|\|)/))) {
      tokens.push({ kind: 'logic', text: match[1]! });
      index += 2;
    } else if ((match = rest.match(/^(!=|<=|>=|=|<|>)/))) {
      tokens.push({ kind: 'op', text: match[1]! });
      index += match[1]!.length;
    } else if (rest[0] === '(' || rest[0] === ')') {
      tokens.push({ kind: 'paren', text: rest[0] });
      index += 1;
    } else if ((match = rest.match(/^"((?:[^"\\]|\\.)*)"/))) {
      tokens.push({ kind: 'value', value: match[1]!.replace(/\\(.)/g, '$1') });
      index += match[0].length;
    } else if ((match = rest.match(/^-?\d+(?:\.\d+)?/))) {
      tokens.push({ kind: 'value', value: Number(match[0]) });
      index += match[0].length;
    } else if ((match = rest.match(/^(true|false|null)\b/i))) {
      const word = match[1]!.toLowerCase();
      tokens.push({ kind: 'value', value: word === 'null' ? null : word === 'true' });
      index += match[0].length;
    } else if ((match = rest.match(/^[^\s()&|=!<>"]+/))) {
      // An unquoted string value, as CloudWatch allows for simple words.
      tokens.push({ kind: 'value', value: match[0] });
      index += match[0].length;
    } else {
      throw new Error(`cannot parse the filter pattern near "${rest.slice(0, 20)}"`);
    }
  }
  return tokens;
}

function parse(pattern: string): Expression {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const tokens = tokenize(pattern.slice(1, -1));
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];

  const primary = (): Expression => {
    const token = next();
    if (token?.kind === 'paren' && token.text === '(') {
      const inner = disjunction();
      const close = next();
      if (close?.kind !== 'paren' || close.text !== ')') throw new Error('unbalanced parentheses in the filter pattern');
      return inner;
    }
    if (token?.kind !== 'selector') throw new Error('a JSON filter pattern compares a $.selector');
    const op = next();
    const value = next();
    if (op?.kind !== 'op' || value?.kind !== 'value') throw new Error('a JSON filter pattern compares a $.selector with an operator and a value');
    return { kind: 'compare', path: token.path, op: op.text, value: value.value };
  };
  const conjunction = (): Expression => {
    let left = primary();
    while (peek()?.kind === 'logic' && (peek() as { text: string }).text === '&&') {
      next();
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const disjunction = (): Expression => {
    let left = conjunction();
    while (peek()?.kind === 'logic' && (peek() as { text: string }).text === '||') {
      next();
      left = { kind: 'or', left, right: conjunction() };
    }
    return left;
  };
  const expression = disjunction();
  if (position !== tokens.length) throw new Error('unexpected text at the end of the filter pattern');
  cache.set(pattern, expression);
  return expression;
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function compare(actual: unknown, op: string, expected: unknown): boolean {
  if (actual === undefined) return false;
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return false;
    switch (op) {
      case '=':
        return actual === expected;
      case '!=':
        return actual !== expected;
      case '<':
        return actual < expected;
      case '<=':
        return actual <= expected;
      case '>':
        return actual > expected;
      case '>=':
        return actual >= expected;
    }
    return false;
  }
  const equal = typeof expected === 'string' ? typeof actual === 'string' && wildcard(expected).test(actual) : actual === expected;
  if (op === '=') return equal;
  if (op === '!=') return !equal;
  return false;
}

function evaluate(expression: Expression, document: unknown): boolean {
  if (expression.kind !== 'compare') {
    return expression.kind === 'and'
      ? evaluate(expression.left, document) && evaluate(expression.right, document)
      : evaluate(expression.left, document) || evaluate(expression.right, document);
  }
  let value: unknown = document;
  for (const step of expression.path) {
    if (value === null || typeof value !== 'object') return false;
    value = (value as Record<string | number, unknown>)[step];
  }
  return compare(value, expression.op, expression.value);
}

function matchesJsonPattern(pattern: string, message: string): boolean {
  const expression = parse(pattern);
  let document: unknown;
  try {
    document = JSON.parse(message);
  } catch {
    return false;
  }
  return evaluate(expression, document);
}
