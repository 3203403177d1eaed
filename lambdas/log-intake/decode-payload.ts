import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod';
import { describeParseFailure } from '../shared/parse-failure.js';
import { CorruptLogPayloadError, OversizedLogPayloadError } from './log-intake-errors.js';

/**
 * Decoding of what a CloudWatch Logs subscription filter hands a Lambda
 * function: `{ awslogs: { data } }`, where `data` is base64 of a gzipped JSON
 * document listing the log events of one log stream.
 */

/**
 * Most bytes a payload may decompress to. CloudWatch Logs sends at most about
 * 1 MB of events per invocation; ten times that leaves room for any real batch
 * and still stops a gzip bomb before it takes the function's memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 10 * 1024 * 1024;

/** The invocation event, before decoding. */
export const CloudWatchLogsSubscriptionEventSchema = z.object({
  awslogs: z.object({ data: z.string().min(1) }),
});
export type CloudWatchLogsSubscriptionEvent = z.infer<typeof CloudWatchLogsSubscriptionEventSchema>;

export const CloudWatchLogsLogEventSchema = z.object({
  id: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
  message: z.string(),
});
export type CloudWatchLogsLogEvent = z.infer<typeof CloudWatchLogsLogEventSchema>;

/** A batch of log events from one stream (`messageType: 'DATA_MESSAGE'`). */
export const CloudWatchLogsDecodedDataSchema = z.object({
  messageType: z.literal('DATA_MESSAGE'),
  owner: z.string().min(1),
  logGroup: z.string().min(1).max(512),
  logStream: z.string().min(1).max(512),
  subscriptionFilters: z.array(z.string()),
  logEvents: z.array(CloudWatchLogsLogEventSchema).min(1),
  policyLevel: z.string().optional(),
});
export type CloudWatchLogsDecodedData = z.infer<typeof CloudWatchLogsDecodedDataSchema>;

/**
 * The message CloudWatch Logs sends when a subscription is created, to check
 * the destination is reachable. Its fields are mostly empty; nothing in it is
 * a log line.
 */
const ControlMessageSchema = z.object({ messageType: z.literal('CONTROL_MESSAGE') });

export type DecodedPayload =
  | { readonly kind: 'data'; readonly batch: CloudWatchLogsDecodedData }
  | { readonly kind: 'control' };

export interface DecodeOptions {
  /**
   * Most bytes the gzipped JSON may decompress to; more is refused with
   * `OversizedLogPayloadError`.
   * @default DEFAULT_MAX_DECOMPRESSED_BYTES (10 MiB)
   */
  readonly maxDecompressedBytes?: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * Decodes a subscription event. A control message comes back as
 * `{ kind: 'control' }`; anything that is not base64 of gzipped JSON of the
 * documented shape throws `CorruptLogPayloadError`, saying which step failed,
 * and a payload that decompresses beyond the limit throws
 * `OversizedLogPayloadError`.
 */
export function decodeLogPayload(event: unknown, options: DecodeOptions = {}): DecodedPayload {
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const envelope = CloudWatchLogsSubscriptionEventSchema.safeParse(event);
  if (!envelope.success) {
    throw new CorruptLogPayloadError(`not a CloudWatch Logs subscription event: ${describeParseFailure(envelope.error)}`);
  }
  const { data } = envelope.data.awslogs;

  if (data.length % 4 !== 0 || !BASE64.test(data)) {
    throw new CorruptLogPayloadError(`awslogs.data is not valid base64 (${data.length} characters)`);
  }
  const compressed = Buffer.from(data, 'base64');
  if (compressed[0] !== GZIP_MAGIC[0] || compressed[1] !== GZIP_MAGIC[1]) {
    throw new CorruptLogPayloadError(`awslogs.data is not gzip: it does not start with the gzip magic bytes (${compressed.length} bytes)`);
  }

  let json: Buffer;
  try {
    json = gunzipSync(compressed, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new OversizedLogPayloadError(
        `awslogs.data decompresses to more than ${maxBytes} bytes (${compressed.length} bytes compressed); refused`,
      );
    }
    throw new CorruptLogPayloadError(`awslogs.data is corrupt gzip: ${(error as Error).message}`, { cause: error });
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch (error) {
    throw new CorruptLogPayloadError(`awslogs.data is not JSON once decompressed: ${(error as Error).message}`, { cause: error });
  }

  if (ControlMessageSchema.safeParse(parsed).success) return { kind: 'control' };
  const batch = CloudWatchLogsDecodedDataSchema.safeParse(parsed);
  if (!batch.success) {
    throw new CorruptLogPayloadError(`awslogs.data is not CloudWatch Logs subscription data: ${describeParseFailure(batch.error)}`);
  }
  return { kind: 'data', batch: batch.data };
}

/** Encodes a batch the way CloudWatch Logs does (gzip, then base64): for tests and the local runtime. */
export function encodeLogPayload(data: unknown): CloudWatchLogsSubscriptionEvent {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(data), 'utf8')).toString('base64') } };
}
