import * as z from 'zod';
import { type LogSeverity, LogSeveritySchema } from '../shared/log-detection.js';
import { describeParseFailure } from '../shared/parse-failure.js';
import { InvalidSignatureError } from './log-intake-errors.js';

/**
 * Known error signatures, as data: a regular expression per failure mode
 * that has a known remediation (or at least a known owner). Users add their
 * own, or replace a built-in by reusing its id, with a JSON array in the
 * `SIGNATURES` setting.
 *
 * Extraction: every named capture group that took part in the match becomes
 * a field of the detection. A group may end in `_<digits>` to give one field
 * several alternatives (JavaScript refuses two groups of the same name in
 * one pattern): `(?<variable>…)|(?<variable_2>…)` both fill `variable`.
 */

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const GROUP_SUFFIX = /_\d+$/;

export const SignatureSchema = z
  .object({
    /** Stable id: lower-case words joined by dashes. A user signature with a built-in's id replaces it. */
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters, digits and single dashes').max(64),
    /** What the signature means, for people. */
    title: z.string().min(1).max(200),
    /** Regular expression source, as for `new RegExp(pattern, flags)`. */
    pattern: z.string().min(1).max(2_000),
    /** Any of `i`, `m`, `s`, `u`; `g` and `y` are refused, they make a RegExp stateful. */
    flags: z.string().regex(/^(?!.*(.).*\1)[imsu]*$/, 'only i, m, s and u, each at most once').default(''),
    severity: LogSeveritySchema,
    /**
     * Fields to extract, by name: each needs a named group `name` (or
     * `name_<digits>`) in the pattern.
     * @default - every named group
     */
    extract: z.array(z.string().regex(FIELD_NAME, 'a field name is letters and digits')).max(10).optional(),
  })
  .strict();
export type Signature = z.input<typeof SignatureSchema>;

/** A signature ready to match lines. */
export interface CompiledSignature {
  readonly id: string;
  readonly title: string;
  readonly severity: LogSeverity;
  readonly regex: RegExp;
  /** Field names to extract; empty means none. */
  readonly fields: readonly string[];
}

/** Built-in signatures. Patterns are anchored on wording that real software prints, not on any one product. */
export const BUILT_IN_SIGNATURES: readonly Signature[] = [
  {
    id: 'connection-refused',
    title: 'Connection refused by a dependency',
    pattern: String.raw`\bECONNREFUSED\b(?:\s+(?<target>[\w.\-\[\]]+:\d+))?|\bconnection refused\b`,
    flags: 'i',
    severity: 'high',
  },
  {
    id: 'out-of-memory',
    title: 'Process killed or failing for lack of memory',
    pattern: String.raw`\bOOMKilled\b|\bout of memory\b|\bOutOfMemoryError\b|\boom[-_ ]kill|\bCannot allocate memory\b|\bMemoryError\b`,
    flags: 'i',
    severity: 'high',
  },
  {
    id: 'crash-loop-back-off',
    title: 'Container restarting in a crash loop',
    pattern: String.raw`\bCrashLoopBackOff\b|\bBack-off restarting failed container\b(?:\s+(?<container>[\w.\-]+)\s+in\s+pod\s+(?<pod>[\w.\-]+))?`,
    flags: 'i',
    severity: 'high',
  },
  {
    id: 'missing-env-var',
    title: 'Required environment variable not set',
    // Case-sensitive on purpose: a variable name is UPPER_CASE in the forms
    // that would otherwise catch any dictionary key or word.
    pattern: [
      String.raw`\b[Ee]nv(?:ironment)?[ _]?[Vv]ar(?:iable)?s?\s+['"\x60]?(?<variable>[A-Za-z_][A-Za-z0-9_]*)['"\x60]?\s+(?:is\s+|was\s+|has\s+)?(?:required\s+but\s+)?(?:not\s+(?:been\s+)?(?:set|defined|found|provided)|missing|undefined|empty|unset)`,
      String.raw`\bKeyError:\s*['"](?<variable_2>[A-Z][A-Z0-9_]+)['"]`,
      String.raw`\b(?<variable_3>[A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{2,}[A-Z0-9]*)\s+must\s+be\s+(?:set|defined|provided)`,
      String.raw`\b[Mm]issing\s+(?:required\s+)?env(?:ironment)?[ _]?var(?:iable)?s?:?\s+['"\x60]?(?<variable_4>[A-Za-z_][A-Za-z0-9_]*)`,
      String.raw`\b[Uu]ndefined\s+env(?:ironment)?[ _]?var(?:iable)?s?:?\s+['"\x60]?(?<variable_5>[A-Za-z_][A-Za-z0-9_]*)`,
    ].join('|'),
    severity: 'high',
    extract: ['variable'],
  },
  {
    id: 'timeout',
    title: 'Operation timed out or deadline exceeded',
    pattern: String.raw`\bdeadline exceeded\b|\bDEADLINE_EXCEEDED\b|\btimed out\b|\bETIMEDOUT\b|\bESOCKETTIMEDOUT\b|\b(?:request|read|write|connect|connection|gateway|socket|operation|query|statement) timeout\b|\btimeout (?:exceeded|expired|elapsed)\b`,
    flags: 'i',
    severity: 'medium',
  },
  {
    id: 'upstream-5xx',
    title: 'Upstream answered with a server error',
    pattern: String.raw`\b(?<status>50[0-4])\s+(?:Internal Server Error|Bad Gateway|Service (?:Temporarily )?Unavailable|Gateway Time-?out)\b|\bupstream\b[^\n]{0,80}?\b(?:status|returned|responded|response|code)\b\D{0,20}(?<status_2>5\d\d)\b|\bno healthy upstream\b|\bupstream connect error\b|\bupstream prematurely closed connection\b`,
    flags: 'i',
    severity: 'medium',
  },
  {
    id: 'disk-full',
    title: 'Disk full',
    pattern: String.raw`\bENOSPC\b|\bNo space left on device\b|\bdisk (?:is )?full\b`,
    flags: 'i',
    severity: 'high',
  },
  {
    id: 'postgres-slow-statement',
    title: 'PostgreSQL statement slower than log_min_duration_statement (or auto_explain)',
    // `LOG:  duration: 1234.567 ms  statement: SELECT …`, `… execute <unnamed>: SELECT …`
    // (extended protocol) and auto_explain's `… duration: 1234.567 ms  plan:`.
    // The statement is untrusted evidence: at most 200 characters are kept.
    pattern: String.raw`\bduration: (?<durationMs>\d+(?:\.\d+)?) ms\s+(?:(?:statement|execute [^:\n]{1,64}): (?<statement>[^\n]{1,200})|plan:)`,
    severity: 'medium',
  },
  {
    id: 'too-many-connections',
    title: 'Connection limit reached',
    pattern: String.raw`\btoo many (?:open )?connections\b|\btoo many clients\b|\bremaining connection slots are reserved\b|\bER_CON_COUNT_ERROR\b|\bconnection pool (?:is )?exhausted\b`,
    flags: 'i',
    severity: 'high',
  },
];

/**
 * Compiles the built-in signatures plus the user's (unvalidated JSON value,
 * typically `JSON.parse(process.env.SIGNATURES)`). A user signature whose id
 * is a built-in's replaces it in place; the others follow the built-ins.
 * Throws `InvalidSignatureError`, naming the signature and the problem, on
 * anything that does not validate or compile.
 */
export function compileSignatures(userSignatures: unknown = []): CompiledSignature[] {
  const parsed = z.array(SignatureSchema).max(100).safeParse(userSignatures);
  if (!parsed.success) throw new InvalidSignatureError(`invalid signatures: ${describeParseFailure(parsed.error)}`);
  const userIds = new Set<string>();
  for (const signature of parsed.data) {
    if (userIds.has(signature.id)) throw new InvalidSignatureError(`invalid signatures: id ${signature.id} is defined twice`);
    userIds.add(signature.id);
  }

  const byId = new Map<string, Signature>();
  for (const signature of BUILT_IN_SIGNATURES) byId.set(signature.id, signature);
  for (const signature of parsed.data) byId.set(signature.id, signature);
  return [...byId.values()].map(compileSignature);
}

/** Reads the `SIGNATURES` setting: absent or blank means none. */
export function parseSignaturesSetting(json: string | undefined): CompiledSignature[] {
  if (json === undefined || json.trim() === '') return compileSignatures([]);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidSignatureError(`SIGNATURES is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return compileSignatures(value);
}

function compileSignature(signature: Signature): CompiledSignature {
  let regex: RegExp;
  try {
    regex = new RegExp(signature.pattern, signature.flags ?? '');
  } catch (error) {
    throw new InvalidSignatureError(`signature ${signature.id}: the pattern does not compile: ${(error as Error).message}`, { cause: error });
  }
  if (regex.test('')) throw new InvalidSignatureError(`signature ${signature.id}: the pattern matches an empty line, so it would match every line`);
  const groups = groupNamesOf(signature.pattern);
  const fieldsInPattern = [...new Set(groups.map(fieldOfGroup))];
  for (const field of signature.extract ?? []) {
    if (!fieldsInPattern.includes(field)) {
      throw new InvalidSignatureError(`signature ${signature.id}: extract names ${field}, but the pattern has no group (?<${field}>…)`);
    }
  }
  return {
    id: signature.id,
    title: signature.title,
    severity: signature.severity,
    regex,
    fields: signature.extract ?? fieldsInPattern.filter((field) => FIELD_NAME.test(field)),
  };
}

/** The field a named group fills: its name without a `_<digits>` suffix. */
function fieldOfGroup(group: string): string {
  return group.replace(GROUP_SUFFIX, '');
}

function groupNamesOf(pattern: string): string[] {
  return [...pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((match) => match[1]!);
}

/**
 * Matches a line against a signature: the extracted fields (possibly none)
 * when it matches, `undefined` when it does not.
 */
export function matchSignature(signature: CompiledSignature, line: string): Record<string, string> | undefined {
  const match = signature.regex.exec(line);
  if (match === null) return undefined;
  const fields: Record<string, string> = {};
  if (match.groups !== undefined && signature.fields.length > 0) {
    for (const [group, value] of Object.entries(match.groups)) {
      if (value === undefined) continue;
      const field = fieldOfGroup(group);
      if (signature.fields.includes(field) && fields[field] === undefined) fields[field] = value;
    }
  }
  return fields;
}
