import fc from 'fast-check';
import { APPROVAL_ID, formPost, signatureFor, urlEvent } from '../lambdas/approval-fixtures.js';
import { hostileValue, mutationsOf } from './fuzz-arbitraries.js';

/**
 * Hostile requests to the approval callback's function URL: wrong methods
 * and paths, damaged or forged links, odd bodies and headers. A request
 * may carry a genuinely signed link (`signed: true`) for an approval that
 * does not exist, so that the record lookup is fuzzed too; every other
 * signature is forged or tampered with.
 */

const base64url = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
const base64urlOf = (length: number) => fc.array(base64url, { minLength: length, maxLength: length }).map((chars) => chars.join(''));

const nowSeconds = () => Math.floor(Date.now() / 1000);

const idArb = fc.oneof(
  { weight: 10, arbitrary: base64urlOf(22) },
  { weight: 1, arbitrary: fc.constant(APPROVAL_ID) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 23, max: 10_000 }).map((length) => 'a'.repeat(length)) },
  { weight: 1, arbitrary: base64urlOf(21) },
);

const expArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 60, max: 86_400 }).map((ahead) => String(nowSeconds() + ahead)) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((ago) => String(nowSeconds() - ago)) },
  { weight: 2, arbitrary: fc.constantFrom('0', '-1', '1e9', 'NaN', 'Infinity', '0x10', '1.5', ' 1', '9999999999999', '999999999999', '', '01') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

const answerArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('approve', 'reject') },
  { weight: 1, arbitrary: fc.constantFrom('APPROVE', 'yes', '', 'approve ', 'reject\u0000', 'constructor', '__proto__') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

type SigKind = 'valid' | 'tampered' | 'forged' | 'short' | 'long' | 'garbage';
const sigKindArb = fc.constantFrom<SigKind>('valid', 'tampered', 'forged', 'forged', 'short', 'long', 'garbage');

function signatureOf(kind: SigKind, id: string, exp: string, noise: string): string {
  const expiresAt = Number(exp);
  const genuine = () => signatureFor(id, expiresAt);
  switch (kind) {
    case 'valid':
      return genuine();
    case 'tampered': {
      const sig = genuine();
      const at = noise.length % sig.length;
      return `${sig.slice(0, at)}${sig[at] === 'A' ? 'B' : 'A'}${sig.slice(at + 1)}`;
    }
    case 'forged':
      return noise;
    case 'short':
      return noise.slice(0, 42);
    case 'long':
      return `${noise}A`;
    case 'garbage':
      return `${noise.slice(0, 40)}+/=`;
  }
}

type Presence = 'once' | 'missing' | 'twice' | 'empty';
const presenceArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Presence>('once') },
  { weight: 1, arbitrary: fc.constantFrom<Presence>('missing', 'twice', 'empty') },
);

/** Link fields, each present once, missing, duplicated or empty; plus junk parameters. */
const fieldsArb = fc
  .record({
    id: idArb,
    exp: expArb,
    answer: answerArb,
    sigKind: sigKindArb,
    noise: base64urlOf(43),
    presence: fc.record({ id: presenceArb, exp: presenceArb, sig: presenceArb, answer: presenceArb }),
    extra: fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 })), { maxLength: 3 }),
  })
  .map(({ id, exp, answer, sigKind, noise, presence, extra }) => {
    const values: Record<string, string> = { id, exp, sig: signatureOf(sigKind, id, exp, noise), answer };
    const params = new URLSearchParams();
    for (const name of ['id', 'exp', 'sig', 'answer'] as const) {
      const value = values[name]!;
      if (presence[name] === 'once') params.append(name, value);
      if (presence[name] === 'empty') params.append(name, '');
      if (presence[name] === 'twice') {
        params.append(name, value);
        params.append(name, name === 'sig' ? noise : value);
      }
    }
    for (const [name, value] of extra) params.append(name, value);
    return { query: params.toString(), signed: sigKind === 'valid' };
  });

const rawQueryArb = fc.oneof(
  { weight: 6, arbitrary: fieldsArb },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom('%', '%%', '%zz', 'id=%E0%A4%A', '&&&', '=', 'id', 'id==x', '?id=x', '#sig=x', 'a'.repeat(5_000)),
      )
      .map((query) => ({ query, signed: false })),
  },
);

const methodArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'get', 'post', 'Post') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'X'.repeat(16), 'X'.repeat(17), '', 'ǅ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

const pathArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/') },
  { weight: 1, arbitrary: fc.constantFrom('', '//', '/approve', '/..', '/%2e%2e/', '/?id=x', '/favicon.ico', 'x'.repeat(2_049)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 50 }) },
);

const contentTypeArb = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  ' application/x-www-form-urlencoded ;',
  'application/json',
  'multipart/form-data; boundary=x',
  'text/plain',
  '',
  ';',
  'x'.repeat(10_000),
);

const headersArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 200 }), { maxKeys: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((length) => ({ 'x-huge': 'h'.repeat(length), cookie: 'c=1'.repeat(length / 3) })) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 2_000 }).map((count) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-h-${i}`, String(i)]))) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('content-type', 'Content-Type', '__proto__', 'constructor', 'user-agent'), hostileValue, { maxKeys: 4 }) },
);

/** A body: the link's fields as a form, random bytes, or nothing; base64-encoded or not. */
const bodyArb = fc.oneof(
  { weight: 4, arbitrary: fieldsArb.map(({ query, signed }) => ({ body: query as string | undefined, signed })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ body: Buffer.from(bytes).toString('latin1') as string | undefined, signed: false })) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', '=', '&', 'a'.repeat(5_000), '%FF%FE', '{"id":"x"}').map((body) => ({ body, signed: false })) },
);

export interface FuzzRequest {
  event: unknown;
  /** The request carries a genuinely signed link somewhere (query or body). */
  signed: boolean;
}

/** Structured hostile requests, built field by field. */
const structuredRequestArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: methodArb,
    path: pathArb,
    query: rawQueryArb,
    body: bodyArb,
    base64: fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>('true', 1, null, undefined) }),
    contentType: fc.oneof(
      { weight: 4, arbitrary: fc.constant('application/x-www-form-urlencoded') },
      { weight: 2, arbitrary: contentTypeArb },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    headers: headersArb,
    sourceIp: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('203.0.113.7', '::1', '<script>alert(1)</script>') },
      { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(65)) },
    ),
    userAgent: fc.oneof(fc.constant('Mozilla/5.0'), fc.string({ unit: 'binary', maxLength: 300 }), fc.constant('\u0000'.repeat(10_000))),
  })
  .map(({ method, path, query, body, base64, contentType, headers, sourceIp, userAgent }) => {
    const event = urlEvent({ method, path, query: query.query, sourceIp, userAgent, ...(contentType === undefined ? {} : { contentType }) }) as unknown as Record<string, any>;
    if (body.body !== undefined) event.body = base64 === true ? Buffer.from(body.body, 'latin1').toString('base64') : body.body;
    event.isBase64Encoded = base64;
    if (headers !== undefined) event.headers = { ...event.headers, ...headers };
    return { event, signed: query.signed || body.signed };
  });

/** A valid link or form request, broken by random mutations. */
const mutatedRequestArb: fc.Arbitrary<FuzzRequest> = fc
  .constantFrom('GET', 'POST')
  .chain((method) => {
    const exp = nowSeconds() + 3_600;
    const fields = { id: APPROVAL_ID, exp: String(exp), sig: signatureFor(APPROVAL_ID, exp), answer: 'approve' };
    return mutationsOf(() => (method === 'GET' ? urlEvent({ query: fields }) : formPost(fields)));
  })
  .map((event) => ({ event, signed: true }));

/** Every kind of hostile request to the callback. */
export const hostileRequestArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 7, arbitrary: structuredRequestArb },
  { weight: 2, arbitrary: mutatedRequestArb },
  { weight: 1, arbitrary: fc.anything().map((event) => ({ event, signed: false })) },
);
