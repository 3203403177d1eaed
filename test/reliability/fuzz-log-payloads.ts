import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { CloudWatchLogsDecodedDataSchema, CloudWatchLogsSubscriptionEventSchema, DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../lambdas/log-intake/decode-payload.js';
import { hostileValue, mutationsOf } from './fuzz-arbitraries.js';

/**
 * Hostile CloudWatch Logs subscription payloads for the log intake. Each
 * comes with what the intake must make of it, decided when it is built (or,
 * for a mutated envelope or document, by the published shapes):
 *
 * - `corrupt`: `CorruptLogPayloadError`, naming `field` when a shape is wrong;
 * - `oversized`: `OversizedLogPayloadError` (a gzip bomb);
 * - `control`: CloudWatch Logs' CONTROL_MESSAGE, skipped;
 * - `data`: a well-formed batch, mined.
 */

export type LogPayloadExpectation = { kind: 'corrupt'; field?: string } | { kind: 'oversized' } | { kind: 'control' } | { kind: 'data' };

export interface LogPayloadCase {
  event: unknown;
  expect: LogPayloadExpectation;
  /** How it was made, for the tally and for a failing case's report. */
  how: string;
}

export const LOG_GROUP = '/site/access';

const gzipBase64 = (text: string | Buffer) => gzipSync(typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64');
const envelope = (data: unknown) => ({ awslogs: { data } });

function firstField(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }>): string {
  const path = issues[0]?.path ?? [];
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** What a decompressed document is, by the published shapes: CONTROL_MESSAGE, a batch, or neither (naming the first wrong field). */
export function expectationOfDocument(text: string): LogPayloadExpectation {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { kind: 'corrupt' };
  }
  if (typeof document === 'object' && document !== null && !Array.isArray(document) && (document as { messageType?: unknown }).messageType === 'CONTROL_MESSAGE') {
    return { kind: 'control' };
  }
  const batch = CloudWatchLogsDecodedDataSchema.safeParse(document);
  return batch.success ? { kind: 'data' } : { kind: 'corrupt', field: firstField(batch.error.issues) };
}

const lineArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('INFO request served in 12 ms', 'ERROR connect ECONNREFUSED 10.0.3.17:5432', 'WARN retrying in 200 ms', 'Error: Cannot find module "x"') },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.ipV4().map((ip) => `${ip} - - [27/Nov/2026:10:00:00 +0000] "GET /login HTTP/1.1" 401 12`) },
);

/** A well-formed DATA_MESSAGE document of one stream. */
const batchArb = fc.array(lineArb, { minLength: 1, maxLength: 20 }).map((lines) => ({
  messageType: 'DATA_MESSAGE',
  owner: '123456789012',
  logGroup: LOG_GROUP,
  logStream: 'site/i-00000000000000000',
  subscriptionFilters: ['self-healing'],
  logEvents: lines.map((message, index) => ({ id: `3${String(index).padStart(55, '0')}`, timestamp: 1_795_000_000_000 + index * 1_000, message })),
}));

/** What CloudWatch Logs sends when the subscription is created. */
export const CONTROL_MESSAGE = {
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [{ id: '', timestamp: 1_795_000_000_000, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }],
};

/**
 * Gzip bombs: a few KB that decompress beyond the intake's limit. Built
 * once: compressing tens of megabytes for every case would be the slowest
 * part of the suite.
 */
let bombs: string[] | undefined;
function gzipBombs(): string[] {
  bombs ??= [
    gzipBase64(Buffer.alloc(DEFAULT_MAX_DECOMPRESSED_BYTES + 1, 0)),
    // Valid JSON all the way, just far too much of it.
    gzipBase64(`{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"${LOG_GROUP}","logStream":"s","subscriptionFilters":[],"logEvents":[${'{"id":"1","timestamp":1,"message":"A"},'.repeat(Math.ceil(DEFAULT_MAX_DECOMPRESSED_BYTES / 38))}{"id":"1","timestamp":1,"message":"A"}]}`),
  ];
  return bombs;
}

/** A valid batch or control message, as a subscription delivers it. */
const seedArb: fc.Arbitrary<LogPayloadCase> = fc.oneof(
  { weight: 4, arbitrary: batchArb.map((batch) => ({ event: envelope(gzipBase64(JSON.stringify(batch))), expect: { kind: 'data' } as const, how: 'valid batch' })) },
  { weight: 1, arbitrary: fc.constant({ event: envelope(gzipBase64(JSON.stringify(CONTROL_MESSAGE))), expect: { kind: 'control' } as const, how: 'control message' }) },
);

/** The envelope broken by mutations; `data` unchanged keeps the seed's fate, any other `data` is garbage. */
const mutatedEnvelopeArb: fc.Arbitrary<LogPayloadCase> = seedArb.chain((seed) =>
  mutationsOf(() => seed.event).map((event): LogPayloadCase => {
    const parsed = CloudWatchLogsSubscriptionEventSchema.safeParse(event === undefined ? {} : event);
    if (!parsed.success) return { event, expect: { kind: 'corrupt', field: firstField(parsed.error.issues) }, how: 'mutated envelope' };
    const same = parsed.data.awslogs.data === (seed.event as { awslogs: { data: string } }).awslogs.data;
    return { event, expect: same ? seed.expect : { kind: 'corrupt' }, how: same ? `${seed.how} (envelope mutated, data kept)` : 'mutated envelope, other data' };
  }),
);

/** The decompressed document broken by mutations, then compressed and encoded properly. */
const mutatedDocumentArb: fc.Arbitrary<LogPayloadCase> = fc
  .oneof({ weight: 4, arbitrary: batchArb.map((batch) => () => batch) }, { weight: 1, arbitrary: fc.constant(() => CONTROL_MESSAGE as unknown) })
  .chain((seed) => mutationsOf(seed))
  .map((document) => {
    const text = JSON.stringify(document) ?? 'undefined';
    return { event: envelope(gzipBase64(text)), expect: expectationOfDocument(text), how: 'mutated document' };
  });

/** `data` that is not base64: wrong alphabet, wrong padding, whitespace, truncation. */
const notBase64Arb: fc.Arbitrary<LogPayloadCase> = fc
  .oneof(
    batchArb.map((batch) => gzipBase64(JSON.stringify(batch)).replace(/\+/g, '-').replace(/\//g, '_') + '-_'),
    batchArb.map((batch) => gzipBase64(JSON.stringify(batch)).slice(0, -1)),
    batchArb.map((batch) => gzipBase64(JSON.stringify(batch)).replace(/(.{76})/g, '$1\n')),
    batchArb.map((batch) => ` ${gzipBase64(JSON.stringify(batch))}`),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }).filter((text) => text.length % 4 !== 0 || /[^A-Za-z0-9+/=]/.test(text)),
    fc.constantFrom('====', 'H4sI', 'H4sI===', '%%%%', '\u0000\u0000\u0000\u0000', 'H4sIAAAAAAAA/w=='.replace('=', '')),
  )
  .map((data) => ({ event: envelope(data), expect: { kind: 'corrupt' } as const, how: 'not base64' }));

/** Valid base64 of bytes that are not a gzip stream. */
const notGzipArb: fc.Arbitrary<LogPayloadCase> = fc
  .oneof(
    fc.uint8Array({ minLength: 1, maxLength: 2_000 }),
    batchArb.map((batch) => new Uint8Array(Buffer.from(JSON.stringify(batch)))),
    fc.constant(new Uint8Array([0x1f])),
    fc.constant(new Uint8Array([0x8b, 0x1f, 0x08, 0x00])),
  )
  .filter((bytes) => !(bytes[0] === 0x1f && bytes[1] === 0x8b))
  .map((bytes) => ({ event: envelope(Buffer.from(bytes).toString('base64')), expect: { kind: 'corrupt' } as const, how: 'not gzip' }));

/** A gzip stream damaged after its header: cut short, a byte flipped in the data or in the checksum trailer, or garbage after the magic. */
const brokenGzipArb: fc.Arbitrary<LogPayloadCase> = fc
  .record({ batch: batchArb, cut: fc.nat(), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), kind: fc.constantFrom('truncate', 'flip', 'garbage') })
  .chain(({ batch, cut, at, bit, kind }) => {
    const gz = gzipSync(Buffer.from(JSON.stringify(batch), 'utf8'));
    if (kind === 'truncate') return fc.constant(gz.subarray(0, 2 + (cut % (gz.length - 2))));
    if (kind === 'flip') {
      // Bytes 4–9 (time, flags, OS) are not checked by gunzip; every byte from the data on is.
      const copy = Buffer.from(gz);
      const index = 10 + (at % (copy.length - 10));
      copy[index] = copy[index]! ^ (1 << bit);
      return fc.constant(copy);
    }
    return fc.uint8Array({ minLength: 1, maxLength: 500 }).map((tail) => Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(tail)]));
  })
  .map((bytes) => ({ event: envelope(bytes.toString('base64')), expect: expectationOfBytes(bytes), how: 'broken gzip' }));

/**
 * What damaged gzip bytes are, as zlib itself reads them: nearly always
 * corrupt, but a flipped padding bit of the last deflate byte is not
 * noticed by anyone, so zlib decides, not the test's hope.
 */
function expectationOfBytes(bytes: Buffer): LogPayloadExpectation {
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch {
    return { kind: 'corrupt' };
  }
  return expectationOfDocument(text);
}

/** Proper gzip of something that is not JSON. */
const notJsonArb: fc.Arbitrary<LogPayloadCase> = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    batchArb.map((batch) => JSON.stringify(batch).slice(0, -1)),
    fc.constantFrom('', 'undefined', 'NaN', "{'messageType':'DATA_MESSAGE'}", '{"messageType":"CONTROL_MESSAGE"', '\uFEFF{}'),
  )
  .map((text) => ({ event: envelope(gzipBase64(text)), expect: expectationOfDocument(text), how: 'gzip of text' }));

/** Decompresses beyond the limit. */
const oversizedArb: fc.Arbitrary<LogPayloadCase> = fc
  .nat()
  .map((index) => ({ event: envelope(gzipBombs()[index % gzipBombs().length]), expect: { kind: 'oversized' } as const, how: 'gzip bomb' }));

/** Something that is not a subscription event at all. */
const foreignArb: fc.Arbitrary<LogPayloadCase> = fc
  .oneof(hostileValue, fc.anything(), fc.constant(envelope(undefined)), fc.constant({ awslogs: 'H4sI' }), fc.constant({ Records: [{ kinesis: { data: 'H4sI' } }] }))
  .map((event) => {
    const parsed = CloudWatchLogsSubscriptionEventSchema.safeParse(event === undefined ? {} : event);
    if (!parsed.success) return { event, expect: { kind: 'corrupt', field: firstField(parsed.error.issues) } as const, how: 'foreign event' };
    return { event, expect: { kind: 'corrupt' } as const, how: 'foreign event with an awslogs.data string' };
  });

/** Every kind of payload the log intake may be handed. */
export const hostileLogPayloadArb: fc.Arbitrary<LogPayloadCase> = fc.oneof(
  { weight: 4, arbitrary: mutatedEnvelopeArb },
  { weight: 4, arbitrary: mutatedDocumentArb },
  { weight: 2, arbitrary: notBase64Arb },
  { weight: 2, arbitrary: notGzipArb },
  { weight: 3, arbitrary: brokenGzipArb },
  { weight: 2, arbitrary: notJsonArb },
  { weight: 1, arbitrary: oversizedArb },
  { weight: 2, arbitrary: foreignArb },
  { weight: 1, arbitrary: seedArb },
);
