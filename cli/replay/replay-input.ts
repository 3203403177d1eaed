import * as z from 'zod';
import { type AlarmStateChangeEvent, AlarmStateChangeEventSchema } from '../../lambdas/shared/alarm-event.js';
import { type Incident, IncidentSchema } from '../../lambdas/shared/incident.js';
import { LOG_DETECTION_SOURCE, type LogDetectionEvent, LogDetectionEventSchema } from '../../lambdas/shared/log-detection.js';
import { describeParseFailure } from '../../lambdas/shared/parse-failure.js';
import { type CloudWatchLogsDecodedData, CloudWatchLogsDecodedDataSchema, decodeLogPayload } from '../../lambdas/log-intake/decode-payload.js';

/**
 * What `self-heal replay` reads, told apart by shape:
 *
 * - a CloudWatch alarm state change, as EventBridge delivers it (`source: aws.cloudwatch`);
 * - a CloudWatch Logs subscription payload, as the log intake receives it
 *   (`{ awslogs: { data } }`, base64 of gzip), or its decoded JSON (`messageType: DATA_MESSAGE`);
 * - a log detection, as the log intake publishes it (`source: self-healing.logs`);
 * - a captured incident: the incident itself, or a workflow execution's input `{ incident, … }`.
 */
export type ReplayInput =
  | { readonly kind: 'alarm-event'; readonly event: AlarmStateChangeEvent }
  | { readonly kind: 'log-payload'; readonly batch: CloudWatchLogsDecodedData; readonly encoded: boolean }
  | { readonly kind: 'log-detection'; readonly event: LogDetectionEvent }
  | { readonly kind: 'incident'; readonly incident: Incident };

export type ReplayInputKind = ReplayInput['kind'];

/** The input cannot be replayed: not JSON, not a kind replay reads, or not valid as its kind. */
export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
}

export const ACCEPTED_INPUTS =
  'a CloudWatch alarm state-change event (source aws.cloudwatch), a CloudWatch Logs subscription payload ' +
  '({"awslogs":{"data":…}} or its decoded JSON with messageType DATA_MESSAGE), a log detection event ' +
  '(source self-healing.logs), or a captured incident (incidentId, resource, signal — or an execution input {"incident":…})';

function parseAs<T>(schema: z.ZodType<T>, value: unknown, what: string, file: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ReplayInputError(`${file} looks like ${what} but is not a valid one: ${describeParseFailure(parsed.error)}`);
  return parsed.data;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads one input file's text. */
export function parseReplayInput(text: string, file: string): ReplayInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ReplayInputError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(raw)) throw new ReplayInputError(`${file} holds ${Array.isArray(raw) ? 'an array' : `a ${typeof raw}`}, not an event; replay reads ${ACCEPTED_INPUTS}`);

  if ('awslogs' in raw) {
    let decoded;
    try {
      decoded = decodeLogPayload(raw);
    } catch (error) {
      throw new ReplayInputError(`${file} is not a usable CloudWatch Logs subscription payload: ${(error as Error).message}`);
    }
    if (decoded.kind === 'control') throw new ReplayInputError(`${file} is a CloudWatch Logs CONTROL_MESSAGE: it carries no log lines, so there is nothing to replay`);
    return { kind: 'log-payload', batch: decoded.batch, encoded: true };
  }
  if ('messageType' in raw) {
    if (raw.messageType === 'CONTROL_MESSAGE') {
      throw new ReplayInputError(`${file} is a CloudWatch Logs CONTROL_MESSAGE: it carries no log lines, so there is nothing to replay`);
    }
    return { kind: 'log-payload', batch: parseAs(CloudWatchLogsDecodedDataSchema, raw, 'decoded CloudWatch Logs subscription data', file), encoded: false };
  }
  if (raw.source === 'aws.cloudwatch') {
    return { kind: 'alarm-event', event: parseAs(AlarmStateChangeEventSchema, raw, 'a CloudWatch alarm state-change event', file) };
  }
  if (raw.source === LOG_DETECTION_SOURCE) {
    return { kind: 'log-detection', event: parseAs(LogDetectionEventSchema, raw, 'a log detection event', file) };
  }
  if ('incidentId' in raw) return { kind: 'incident', incident: parseAs(IncidentSchema, raw, 'a captured incident', file) };
  if (isObject(raw.incident)) return { kind: 'incident', incident: parseAs(IncidentSchema, raw.incident, 'a captured incident (execution input)', file) };
  throw new ReplayInputError(`${file} is none of what replay reads; expected ${ACCEPTED_INPUTS}`);
}

/** One line that says what the input is. */
export function describeReplayInput(input: ReplayInput): string {
  switch (input.kind) {
    case 'alarm-event':
      return `CloudWatch alarm ${input.event.detail.alarmName} → ${input.event.detail.state.value} at ${input.event.detail.state.timestamp}`;
    case 'log-payload':
      return `${input.batch.logEvents.length} log event(s) of ${input.batch.logGroup} ${input.batch.logStream}${input.encoded ? ' (subscription payload)' : ' (decoded subscription data)'}`;
    case 'log-detection':
      return `log detection ${input.event.detail.kind} in ${input.event.detail.logGroup}: ${input.event.detail.summary}`;
    case 'incident':
      return `captured incident ${input.incident.incidentId} on ${input.incident.resource.id}`;
  }
}
