import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { documentClient, eventBridge } from '../shared/clients.js';
import { toPutEventsEntry } from '../shared/log-detection.js';
import { TemplateMiner } from '../shared/logs/index.js';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { decodeLogPayload } from './decode-payload.js';
import { detect } from './detect.js';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CorruptLogPayloadError, OversizedLogPayloadError } from './log-intake-errors.js';
import { readLogIntakeSettings } from './log-intake-settings.js';
import { publishEntries, type PutEvents } from './publish-detections.js';
import { batchKeyOf, TemplateStateStore, withBatch } from './template-state-store.js';

const settings = readLogIntakeSettings(process.env);
const store = new TemplateStateStore(documentClient(), settings.tableName);
const putEvents: PutEvents = (entries) => eventBridge().send(new PutEventsCommand({ Entries: [...entries] }));

/** Characters of a rejected payload logged, to tell garbage from truncation without logging it all. */
const LOGGED_PREFIX = 64;

export interface LogIntakeResult {
  status: 'processed' | 'skipped' | 'duplicate';
  logGroup?: string;
  /** Log events in the batch. */
  events: number;
  /** Templates the log group's miner holds after the batch. */
  templates: number;
  /** Detections published. */
  detections: number;
  reason?: string;
}

/**
 * Mines one CloudWatch Logs subscription batch and publishes what it finds.
 *
 * Decode → load the log group's state → detect → publish the detections on
 * the event bus → save the state. The state is saved only after every
 * detection is published: if publishing fails the invocation fails with
 * nothing saved, and the redelivered batch, mined from the same state,
 * yields the same detections under the same ids; a batch delivered again
 * after it was saved is recognised by its key and skipped. A payload that
 * cannot be decoded is logged and rejected (`CorruptLogPayloadError`,
 * `OversizedLogPayloadError`) before anything is read or written; the async
 * invocation's failure destination keeps it.
 */
export const lambdaHandler = async (event: unknown): Promise<LogIntakeResult> => {
  let decoded;
  try {
    decoded = decodeLogPayload(event);
  } catch (error) {
    if (error instanceof CorruptLogPayloadError || error instanceof OversizedLogPayloadError) {
      const raw = rawDataOf(event);
      logger.error('rejected log payload: nothing published, nothing written', {
        error: error.message,
        errorName: error.name,
        rawSize: raw.length,
        rawPrefix: raw.slice(0, LOGGED_PREFIX),
      });
      metrics.addMetric(error instanceof OversizedLogPayloadError ? 'OversizedLogPayloads' : 'CorruptLogPayloads', MetricUnit.Count, 1);
    }
    throw error;
  }

  if (decoded.kind === 'control') {
    logger.info('control message from CloudWatch Logs: nothing to mine');
    return { status: 'skipped', events: 0, templates: 0, detections: 0, reason: 'control message' };
  }

  const { batch } = decoded;
  logger.appendKeys({ logGroup: batch.logGroup, logStream: batch.logStream });
  const loaded = await store.load(batch.logGroup);
  if (loaded.recovered !== undefined) {
    logger.warn('stored template state unreadable: starting from an empty state', { reason: loaded.recovered, version: loaded.version });
    metrics.addMetric('TemplateStateRecovered', MetricUnit.Count, 1);
  }
  const batchKey = batchKeyOf(batch);
  if (loaded.state.batches.includes(batchKey)) {
    logger.info('duplicate delivery: this batch is already mined and its detections published', { batchKey });
    metrics.addMetric('DuplicateLogBatches', MetricUnit.Count, 1);
    return { status: 'duplicate', logGroup: batch.logGroup, events: batch.logEvents.length, templates: loaded.state.miner.templates.length, detections: 0 };
  }

  const miner = TemplateMiner.fromState(loaded.state.miner);
  const result = detect(batch, miner, loaded.state.bursts, {
    signatures: settings.signatures,
    flood: settings.flood,
    burst: settings.burst,
    maxDetections: settings.maxDetections,
  });
  if (result.dropped > 0) logger.warn('more detections than the per-batch cap: the least severe were not published', { dropped: result.dropped });

  const entries = result.detections.map((detection) => toPutEventsEntry(detection, settings.eventBusName));
  await publishEntries(entries, putEvents);

  const saved = await store.save(
    batch.logGroup,
    { miner: miner.toState(), bursts: result.bursts, batches: withBatch(loaded.state.batches, batchKey) },
    loaded,
  );

  logger.info('log batch mined', {
    events: batch.logEvents.length,
    accessLogLines: result.accessLogLines,
    detections: result.detections.map(({ kind, templateId, signatureId, fields, count }) => ({ kind, templateId, signatureId, ip: fields.ip, count })),
    stateVersion: saved.version,
    saveAttempts: saved.attempts,
    storedBytes: saved.storedBytes,
    prunedTemplates: saved.prunedTemplates,
  });
  metrics.addMetric('LogEvents', MetricUnit.Count, batch.logEvents.length);
  metrics.addMetric('LogDetections', MetricUnit.Count, result.detections.length);
  if (result.dropped > 0) metrics.addMetric('LogDetectionsDropped', MetricUnit.Count, result.dropped);
  if (saved.attempts > 1) metrics.addMetric('TemplateStateMerges', MetricUnit.Count, saved.attempts - 1);
  if (saved.prunedTemplates > 0) metrics.addMetric('TemplatesPruned', MetricUnit.Count, saved.prunedTemplates);

  return {
    status: 'processed',
    logGroup: batch.logGroup,
    events: batch.logEvents.length,
    templates: miner.size,
    detections: result.detections.length,
  };
};

/** The raw `awslogs.data` (or the whole event) as text, for the rejection log. */
function rawDataOf(event: unknown): string {
  const data = (event as { awslogs?: { data?: unknown } } | null)?.awslogs?.data;
  if (typeof data === 'string') return data;
  try {
    return JSON.stringify(event) ?? '';
  } catch {
    return '';
  }
}

/**
 * No Powertools Idempotency here: the state item itself remembers the
 * batches it holds (`batches`), so a redelivery after a success is
 * recognised by the read the handler makes anyway, and committed by the same
 * conditional write as the state, at no extra DynamoDB call per batch.
 */
export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));
