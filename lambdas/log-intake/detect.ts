import { clip } from '../shared/clip.js';
import type { TemplateMiner } from '../shared/logs/index.js';
import {
  type LogDetection,
  type LogDetectionKind,
  type LogSeverity,
  MAX_FIELD_LENGTH,
  MAX_SAMPLE_LENGTH,
} from '../shared/log-detection.js';
import { type BurstOptions, type BurstState, detectBursts, renameBurstTemplates } from './burst-detector.js';
import type { CloudWatchLogsDecodedData } from './decode-payload.js';
import { type FloodOptions, floodsAmong, type IndexedRequest, parseAccessLogLine } from '../shared/access-logs/flood-detector.js';
import { type CompiledSignature, matchSignature } from './signatures.js';

/**
 * Turns one decoded batch into detections. Pure apart from the miner it is
 * given, which mines the batch's lines (the caller saves its state after).
 *
 * Access-log lines (WAF, ALB) go to the flood detector only; every other
 * line is mined into a template and matched against the signatures. Error-
 * like templates feed the burst statistics, and those first seen in this
 * batch are reported as new.
 */

export interface DetectOptions {
  readonly signatures: readonly CompiledSignature[];
  /** @default the flood detector's defaults (300 requests a minute) */
  readonly flood?: FloodOptions;
  /** @default the burst detector's defaults (20 a minute, 4 σ) */
  readonly burst?: BurstOptions;
  /**
   * Most detections reported for one batch; the most severe are kept.
   * @default 20
   */
  readonly maxDetections?: number;
  /**
   * Characters of a line the signatures look at; bounds the cost of a
   * user's expensive pattern on a huge line.
   * @default 8192
   */
  readonly maxMatchedLength?: number;
}

export interface DetectResult {
  /** Most severe first, at most `maxDetections`. */
  readonly detections: LogDetection[];
  /** Detections found beyond the cap, not reported. */
  readonly dropped: number;
  readonly bursts: BurstState;
  /** Log lines mined into templates (all lines but access-log lines). */
  readonly minedLines: number;
  /** Access-log lines read by the flood detector. */
  readonly accessLogLines: number;
}

/**
 * Words that make a template an error. Matched on the template's text, so
 * only the constant words count; `<*>` never matches.
 */
const ERROR_WORDS =
  /(?:error|exception|fail|fatal|refused|denied|panic|timeout|timed out|killed|crash|abort|unavailable|unreachable|unhealthy|critical|traceback|segfault|segmentation fault|\boom|cannot|could not|unable to|forbidden|invalid|deadlock|rejected)/i;

/** Whether a template's text reads like an error. */
export function isErrorLike(templateText: string): boolean {
  return ERROR_WORDS.test(templateText);
}

const SEVERITY_RANK: Record<LogSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const KIND_RANK: Record<LogDetectionKind, number> = { signature: 0, 'client-flood': 1, 'error-burst': 2, 'new-error-template': 3 };
/** Field values a summary may quote: short, and only characters of names, addresses and numbers. */
const QUOTABLE = /^[\w.:\-[\]/@]{1,128}$/;

interface TemplateLines {
  readonly firstIndex: number;
  count: number;
  readonly times: number[];
  readonly indexes: number[];
}

export function detect(
  batch: CloudWatchLogsDecodedData,
  miner: TemplateMiner,
  burstState: BurstState,
  options: DetectOptions,
): DetectResult {
  const maxDetections = options.maxDetections ?? 20;
  const maxMatchedLength = options.maxMatchedLength ?? 8192;
  const events = batch.logEvents;
  const known = new Set(miner.templates().map((template) => template.id));

  const requests: IndexedRequest[] = [];
  const minedIds: (string | undefined)[] = new Array(events.length);
  const signatureHits = new Map<CompiledSignature, { count: number; firstIndex: number; fields: Record<string, string> }>();
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    const request = parseAccessLogLine(event.message, event.timestamp);
    if (request !== undefined) {
      requests.push({ ...request, index });
      continue;
    }
    minedIds[index] = miner.add(event.message, event.timestamp).id;
    const matched = event.message.length > maxMatchedLength ? event.message.slice(0, maxMatchedLength) : event.message;
    for (const signature of options.signatures) {
      const fields = matchSignature(signature, matched);
      if (fields === undefined) continue;
      const hit = signatureHits.get(signature);
      if (hit === undefined) signatureHits.set(signature, { count: 1, firstIndex: index, fields });
      else hit.count++;
    }
  }

  // Templates may have merged while the batch was mined: group lines by the template they belong to now.
  const byTemplate = new Map<string, TemplateLines>();
  for (let index = 0; index < events.length; index++) {
    const id = minedIds[index];
    if (id === undefined) continue;
    const template = miner.resolve(id);
    if (template === undefined) continue; // evicted within the batch
    const lines = byTemplate.get(template.id);
    if (lines === undefined) byTemplate.set(template.id, { firstIndex: index, count: 1, times: [events[index]!.timestamp], indexes: [index] });
    else {
      lines.count++;
      lines.times.push(events[index]!.timestamp);
      lines.indexes.push(index);
    }
  }

  const base = { logGroup: batch.logGroup, logStream: batch.logStream };
  const candidates: LogDetection[] = [];
  const at = (index: number) => ({ at: new Date(events[index]!.timestamp).toISOString(), eventId: events[index]!.id, sample: clip(events[index]!.message, MAX_SAMPLE_LENGTH) });

  const errorTemplates = new Map<string, readonly number[]>();
  for (const [templateId, lines] of byTemplate) {
    const template = miner.resolve(templateId)!;
    if (!isErrorLike(template.text)) continue;
    errorTemplates.set(templateId, lines.times);
    if (known.has(templateId)) continue;
    candidates.push({
      ...base,
      kind: 'new-error-template',
      ...at(lines.firstIndex),
      count: lines.count,
      templateId,
      template: clip(template.text, MAX_SAMPLE_LENGTH),
      severity: 'medium',
      fields: {},
      summary: `A new error message (template ${templateId}) appeared in ${batch.logGroup}: ${plural(lines.count, 'line')} in this batch.`,
    });
  }

  const renamed = renameBurstTemplates(burstState, (id) => miner.resolve(id)?.id);
  const { bursts, state: bursts2 } = detectBursts(renamed, errorTemplates, options.burst);
  for (const burst of bursts) {
    const lines = byTemplate.get(burst.templateId)!;
    const firstIndex = lines.indexes.find((index) => Math.floor(events[index]!.timestamp / 60_000) * 60_000 === burst.minuteStart)!;
    candidates.push({
      ...base,
      kind: 'error-burst',
      ...at(firstIndex),
      count: burst.count,
      templateId: burst.templateId,
      template: clip(miner.resolve(burst.templateId)!.text, MAX_SAMPLE_LENGTH),
      severity: 'high',
      fields: {
        minuteStart: new Date(burst.minuteStart).toISOString(),
        baselinePerMinute: burst.baselineMean.toFixed(1),
        threshold: burst.threshold.toFixed(1),
      },
      summary:
        `Error burst in ${batch.logGroup}: template ${burst.templateId} logged ${burst.count} times in the minute from ` +
        `${new Date(burst.minuteStart).toISOString().slice(11, 16)} UTC, against a baseline of ${burst.baselineMean.toFixed(1)} a minute ` +
        `(threshold ${burst.threshold.toFixed(1)}).`,
    });
  }

  for (const [signature, hit] of signatureHits) {
    const fields = boundedFields(hit.fields);
    const quoted = Object.entries(fields)
      .filter(([, value]) => QUOTABLE.test(value))
      .map(([name, value]) => `${name} ${value}`);
    candidates.push({
      ...base,
      kind: 'signature',
      ...at(hit.firstIndex),
      count: hit.count,
      signatureId: signature.id,
      severity: signature.severity,
      fields,
      summary: `${signature.title} in ${batch.logGroup}: ${plural(hit.count, 'matching line')}${quoted.length > 0 ? ` (${quoted.join(', ')})` : ''}.`,
    });
  }

  const floods = floodsAmong(requests, events, options.flood);
  const threshold = options.flood?.thresholdPerMinute ?? 300;
  for (const flood of floods) {
    candidates.push({
      ...base,
      kind: 'client-flood',
      ...at(flood.sampleIndex),
      count: flood.requests,
      severity: 'high',
      fields: { ip: flood.ip, perMinute: flood.perMinute.toFixed(1), windowSeconds: String(Math.round(flood.windowSeconds)) },
      summary:
        `Client ${flood.ip} sent ${flood.requests} requests in ${Math.round(flood.windowSeconds)} s ` +
        `(${flood.perMinute.toFixed(1)} a minute, above ${threshold}) according to ${batch.logGroup}.`,
    });
  }

  const unique = dedupe(candidates).sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || KIND_RANK[a.kind] - KIND_RANK[b.kind] || b.count - a.count,
  );
  return {
    detections: unique.slice(0, maxDetections),
    dropped: Math.max(0, unique.length - maxDetections),
    bursts: bursts2,
    minedLines: events.length - requests.length,
    accessLogLines: requests.length,
  };
}

/** One detection per kind and subject; of several (bursts of a template in two minutes), the largest. */
function dedupe(detections: readonly LogDetection[]): LogDetection[] {
  const byKey = new Map<string, LogDetection>();
  for (const detection of detections) {
    const key = `${detection.kind}|${detection.templateId ?? ''}|${detection.signatureId ?? ''}|${detection.fields.ip ?? ''}`;
    const seen = byKey.get(key);
    if (seen === undefined || detection.count > seen.count) byKey.set(key, detection);
  }
  return [...byKey.values()];
}

function boundedFields(fields: Record<string, string>): Record<string, string> {
  const bounded: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) bounded[name] = clip(value, MAX_FIELD_LENGTH);
  return bounded;
}


function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
