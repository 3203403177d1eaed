import { parseConfigError } from './config-error.js';
import { clipLogLine } from './text.js';

/**
 * Finds the environment variable a log says is missing. The lines are
 * UNTRUSTED application output, so what comes out is only ever a name that
 * passes `ENV_VAR_NAME`; a caller must still check it against the pod spec
 * before acting, and never takes a value from the logs.
 *
 * Recognised phrasings (and close variants):
 * - `environment variable DATABASE_URL is not set` (also `env var`, `is missing`, `is required`, quoted names)
 * - `missing required environment variable: DATABASE_URL`, `Error: Missing env var DATABASE_URL`
 * - `DATABASE_URL must be set` / `DATABASE_URL is not set` (upper-case names with an
 *   underscore, or on a line that mentions env/variable/config, to keep prose out)
 * - Python `KeyError: 'DATABASE_URL'` (a lower-case name only when the lines also show
 *   `os.environ[...]` / `getenv(...)` with it), Ruby `key not found: "DATABASE_URL"`
 * - Go envconfig `required key DATABASE_URL missing value`
 * - Spring `Could not resolve placeholder 'DATABASE_URL'`
 * - kubelet `couldn't find key DATABASE_URL in ConfigMap default/app-config`
 *
 * A line that goes on with a default (`…is not set, defaulting to info`) is a
 * warning, not the crash, and is skipped.
 */

/** What a POSIX shell (and Kubernetes, for our purposes) accepts as a variable name. */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface MissingVariable {
  readonly variable: string;
  /** The line that says so, clipped. UNTRUSTED. */
  readonly line: string;
  /** The ConfigMap a kubelet CreateContainerConfigError names. */
  readonly configMap?: { readonly name: string; readonly namespace?: string };
}

type Acceptance = 'any' | 'upper' | 'upper-or-env-ref' | 'upper-in-env-context';

interface Phrasing {
  readonly pattern: RegExp;
  readonly accept: Acceptance;
}

const QUOTE = `["'\`]?`;
const TOKEN = `${QUOTE}([^\\s'"\`,;:()\\[\\]{}<>=]+)${QUOTE}`;
const ENV_WORDS = `(?:env(?:ironment)?[\\s_-]?var(?:iable)?s?|env\\s+key|config(?:uration)?\\s+variable)`;

const PHRASINGS: readonly Phrasing[] = [
  {
    pattern: new RegExp(
      `${ENV_WORDS}\\s*[:=]?\\s*${TOKEN}\\s+(?:is\\s+|was\\s+)?(?:not\\s+(?:set|defined|provided|found|present)|unset|missing|undefined|empty|required)`,
      'i',
    ),
    accept: 'any',
  },
  { pattern: new RegExp(`missing\\s+(?:required\\s+|mandatory\\s+)?${ENV_WORDS}\\s*[:=]?\\s*${TOKEN}`, 'i'), accept: 'any' },
  { pattern: new RegExp(`required\\s+key\\s+${TOKEN}\\s+missing\\s+value`, 'i'), accept: 'any' },
  { pattern: new RegExp(`could\\s+not\\s+resolve\\s+placeholder\\s+${TOKEN}`, 'i'), accept: 'any' },
  { pattern: new RegExp(`KeyError:\\s*${TOKEN}`), accept: 'upper-or-env-ref' },
  { pattern: new RegExp(`key\\s+not\\s+found:\\s*${TOKEN}`), accept: 'upper' },
  {
    pattern: new RegExp(
      `(?:^|[\\s:'"\`])${TOKEN}\\s+(?:(?:must|needs\\s+to|has\\s+to|should)\\s+be\\s+(?:set|defined|provided|specified|configured)|is\\s+(?:not\\s+set|not\\s+defined|required|unset|undefined|missing))`,
    ),
    accept: 'upper-in-env-context',
  },
];

/** A line that only warns and carries on with a default is not the crash. */
const USES_DEFAULT = /\bdefault(?:ing|s)?\s+to\b|\busing\s+(?:the\s+)?default|\bfall(?:ing|s)?\s*back\b|\bignor(?:e|ed|ing)\b/i;
const UPPER_NAME = /^[A-Z_][A-Z0-9_]*$/;
const ENV_CONTEXT = /\b(?:env|environ|environment|variable|config)\b/i;
const ENV_REFERENCES = [/environ(?:\.get)?\s*[[(]\s*['"]([^'"]+)['"]/g, /getenv\(\s*['"]([^'"]+)['"]/g, /ENV\.fetch\(\s*['"]([^'"]+)['"]/g];

function referencedInCode(lines: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const line of lines) {
    for (const pattern of ENV_REFERENCES) {
      for (const match of line.matchAll(pattern)) if (match[1] !== undefined) names.add(match[1]);
    }
  }
  return names;
}

function cleanToken(token: string): string {
  return token.replace(/[.!?]+$/, '');
}

function accepted(name: string, rule: Acceptance, line: string, references: () => Set<string>): boolean {
  if (!ENV_VAR_NAME.test(name)) return false;
  switch (rule) {
    case 'any':
      return true;
    case 'upper':
      return UPPER_NAME.test(name) && name.length >= 2;
    case 'upper-or-env-ref':
      return (UPPER_NAME.test(name) && name.length >= 2) || references().has(name);
    case 'upper-in-env-context':
      return UPPER_NAME.test(name) && name.length >= 2 && (name.includes('_') || ENV_CONTEXT.test(line));
  }
}

/** The missing variable named in one line, if any (`references` lazily lists names the code reads from the environment). */
function fromLine(line: string, references: () => Set<string>): MissingVariable | undefined {
  const config = parseConfigError(line);
  if (config !== undefined && config.source === 'ConfigMap' && config.key !== undefined && ENV_VAR_NAME.test(config.key)) {
    return {
      variable: config.key,
      line: clipLogLine(line),
      configMap: { name: config.name, ...(config.namespace === undefined ? {} : { namespace: config.namespace }) },
    };
  }
  if (USES_DEFAULT.test(line)) return undefined;
  for (const phrasing of PHRASINGS) {
    const match = phrasing.pattern.exec(line);
    const token = match?.[1];
    if (token === undefined) continue;
    const name = cleanToken(token);
    if (accepted(name, phrasing.accept, line, references)) return { variable: name, line: clipLogLine(line) };
  }
  return undefined;
}

/**
 * The variable the lines say is missing, searching from the last line back
 * (the crash is at the end of a log tail). Undefined when no line says so.
 */
export function extractMissingVariable(lines: readonly string[]): MissingVariable | undefined {
  let references: Set<string> | undefined;
  const lazyReferences = () => (references ??= referencedInCode(lines));
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const found = fromLine(lines[index] ?? '', lazyReferences);
    if (found !== undefined) return found;
  }
  return undefined;
}
