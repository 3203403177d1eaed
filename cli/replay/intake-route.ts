import { detect } from '../../lambdas/log-intake/detect.js';
import { emptyBurstState } from '../../lambdas/log-intake/burst-detector.js';
import { parseSignaturesSetting } from '../../lambdas/log-intake/signatures.js';
import { routeAlarmEvent, type Route } from '../../lambdas/intake/route-alarm-event.js';
import { routeLogDetection } from '../../lambdas/intake/route-log-detection.js';
import { executionNameFor } from '../../lambdas/shared/execution-name.js';
import type { Incident } from '../../lambdas/shared/incident.js';
import {
  detectionIdFor,
  LOG_DETECTION_DETAIL_TYPE,
  LOG_DETECTION_SOURCE,
  type LogDetection,
  type LogDetectionEvent,
  LogDetectionEventSchema,
} from '../../lambdas/shared/log-detection.js';
import { emptyState, TemplateMiner } from '../../lambdas/shared/logs/index.js';
import { describeParseFailure } from '../../lambdas/shared/parse-failure.js';
import { findResourceById, type Scope } from '../../lambdas/shared/scope.js';
import { type ReplayInput, ReplayInputError } from './replay-input.js';

/**
 * Turns a replay input into the incident the intake would open, with the
 * intake's own pure routing and nothing written: an alarm event through
 * `routeAlarmEvent`; a log payload through the log intake's detection code
 * (a fresh miner state, the default signatures and thresholds), each
 * detection as the event the intake would receive, through
 * `routeLogDetection`. The first detection that names a registered
 * resource opens the incident; the next ones about the same resource would
 * be grouped into it as evidence.
 */

/** What became of one detection of a log payload. */
export interface DetectionRoute {
  readonly kind: LogDetection['kind'];
  readonly summary: string;
  /** `opens`: the replayed incident; `grouped`: evidence of it; `other`: opens an incident of another resource; `ignored`. */
  readonly becomes: 'opens' | 'grouped' | 'other' | 'ignored';
  readonly resourceId?: string;
  readonly reason?: string;
}

export type IntakeRoute =
  | { readonly status: 'ignored'; readonly reason: string; readonly detections: readonly DetectionRoute[] }
  | { readonly status: 'incident'; readonly incident: Incident; readonly executionName: string; readonly detections: readonly DetectionRoute[] };

export interface RouteOptions {
  /** The region a log payload's detections carry (a payload names no region). */
  readonly region: string;
  readonly now: Date;
}

/** The event the log intake publishes for a detection, as EventBridge delivers it to the intake. */
export function detectionEvent(detection: LogDetection, account: string, options: RouteOptions): LogDetectionEvent {
  const detectionId = detectionIdFor(detection);
  const parsed = LogDetectionEventSchema.safeParse({
    version: '0',
    id: `replay-${detectionId}`,
    'detail-type': LOG_DETECTION_DETAIL_TYPE,
    source: LOG_DETECTION_SOURCE,
    account,
    time: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources: [],
    detail: { ...detection, detectionId },
  });
  if (!parsed.success) throw new ReplayInputError(`the log intake could not publish detection ${detection.kind}: ${describeParseFailure(parsed.error)}`);
  return parsed.data;
}

function fromRoute(route: Route, detections: readonly DetectionRoute[] = []): IntakeRoute {
  return route.kind === 'ignored'
    ? { status: 'ignored', reason: route.reason, detections }
    : { status: 'incident', incident: route.incident, executionName: route.executionName, detections };
}

function routeLogPayload(input: Extract<ReplayInput, { kind: 'log-payload' }>, scope: Scope, options: RouteOptions): IntakeRoute {
  const { batch } = input;
  const result = detect(batch, TemplateMiner.fromState(emptyState()), emptyBurstState(), { signatures: parseSignaturesSetting(undefined) });
  if (result.detections.length === 0) {
    return { status: 'ignored', reason: `the log intake finds nothing in these ${batch.logEvents.length} line(s) of ${batch.logGroup}: no detection, no incident`, detections: [] };
  }
  let opened: Extract<Route, { kind: 'incident' }> | undefined;
  const detections: DetectionRoute[] = [];
  for (const detection of result.detections) {
    const route = routeLogDetection(detectionEvent(detection, batch.owner, options), scope);
    if (route.kind === 'ignored') {
      detections.push({ kind: detection.kind, summary: detection.summary, becomes: 'ignored', reason: route.reason });
      continue;
    }
    const resourceId = route.incident.resource.id;
    opened ??= route;
    const becomes = route === opened ? 'opens' : resourceId === opened.incident.resource.id ? 'grouped' : 'other';
    detections.push({ kind: detection.kind, summary: detection.summary, becomes, resourceId });
  }
  if (opened === undefined) {
    return { status: 'ignored', reason: `no registered resource reads log group ${batch.logGroup} (stream ${batch.logStream})`, detections };
  }
  return fromRoute(opened, detections);
}

export function routeReplayInput(input: ReplayInput, scope: Scope, options: RouteOptions): IntakeRoute {
  try {
    switch (input.kind) {
      case 'alarm-event':
        return fromRoute(routeAlarmEvent(input.event, scope));
      case 'log-detection':
        return fromRoute(routeLogDetection(input.event, scope));
      case 'log-payload':
        return routeLogPayload(input, scope, options);
      case 'incident': {
        const { incident } = input;
        const resource = findResourceById(scope, incident.resource.id);
        if (resource === undefined) return { status: 'ignored', reason: `${incident.resource.id} is not registered in the scope: nothing would run`, detections: [] };
        return { status: 'incident', incident, executionName: executionNameFor(incident.incidentId, resource.name), detections: [] };
      }
    }
  } catch (error) {
    if (error instanceof ReplayInputError) throw error;
    if ((error as Error).name === 'MalformedEventError') throw new ReplayInputError(`the intake would reject it: ${(error as Error).message}`);
    throw error;
  }
}
