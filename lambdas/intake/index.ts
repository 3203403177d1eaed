import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { ParsedResult } from '@aws-lambda-powertools/parser/types';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { callAws } from '../shared/aws-errors.js';
import { documentClient, stepFunctions } from '../shared/clients.js';
import { executionArnOf } from '../shared/console-links.js';
import { requireEnv } from '../shared/env.js';
import { MalformedEventError } from '../shared/errors.js';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { parseScope } from '../shared/scope.js';
import { idempotentBy } from '../shared/idempotency.js';
import { IncidentGroups } from '../shared/incident-groups.js';
import { type Incident, signalLabel } from '../shared/incident.js';
import { notify } from '../shared/notify.js';
import { StateStore } from '../shared/state-store.js';
import type { AlarmStateChangeEvent } from '../shared/alarm-event.js';
import { AlarmStateChangeEventSchema } from '../shared/alarm-event.js';
import { describeParseFailure } from '../shared/parse-failure.js';
import { type Admission, admitIncident } from './admit-incident.js';
import { routeAlarmEvent } from './route-alarm-event.js';
import { routeLogDetection } from './route-log-detection.js';
import { LOG_DETECTION_SOURCE, type LogDetectionEvent, LogDetectionEventSchema } from '../shared/log-detection.js';
import * as z from 'zod';

/**
 * What the intake accepts: a detection from the log intake (source
 * `self-healing.logs`), or else a CloudWatch alarm's state change. Each
 * event is checked against the one schema its source selects, so a foreign
 * or broken event is told every field that is wrong, not just "no match".
 */
export const IntakeEventSchema = z.unknown().transform((raw, context): AlarmStateChangeEvent | LogDetectionEvent => {
  const isDetection = typeof raw === 'object' && raw !== null && (raw as { source?: unknown }).source === LOG_DETECTION_SOURCE;
  const parsed = isDetection ? LogDetectionEventSchema.safeParse(raw) : AlarmStateChangeEventSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});
type IntakeEvent = AlarmStateChangeEvent | LogDetectionEvent;

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
const tableName = requireEnv('TABLE_NAME');
const store = new StateStore(documentClient(), tableName);
const groups = new IncidentGroups(documentClient(), tableName);

export interface IntakeResult {
  status: Admission['status'] | 'ignored';
  incidentId?: string;
  executionName?: string;
  signalId?: string;
  reason?: string;
}

/**
 * Turns a CloudWatch alarm state change into a remediation run.
 *
 * The event is validated before anything is written: a malformed or foreign
 * event throws `MalformedEventError` (it then lands in the dead-letter queue
 * with the original payload), and an alarm nobody registered is ignored.
 * While the resource has an open incident, the alarm is grouped into it as
 * evidence; the execution name is derived from the incident, so a duplicate
 * delivery starts nothing new.
 */
export const lambdaHandler = async (parsed: ParsedResult<unknown, IntakeEvent>): Promise<IntakeResult> => {
  let route;
  try {
    if (!parsed.success) {
      throw new MalformedEventError(`neither a CloudWatch Alarm State Change nor a Log Detection event: ${describeParseFailure(parsed.error)}`);
    }
    route = parsed.data.source === 'self-healing.logs' ? routeLogDetection(parsed.data as LogDetectionEvent, scope) : routeAlarmEvent(parsed.data as AlarmStateChangeEvent, scope);
  } catch (error) {
    if (error instanceof MalformedEventError) {
      logger.error('rejected event: nothing started, nothing written', {
        error: error.message,
        event: parsed.success ? parsed.data : parsed.originalEvent,
      });
      metrics.addMetric('RejectedEvents', MetricUnit.Count, 1);
    }
    throw error;
  }

  if (route.kind === 'ignored') {
    logger.info('ignored event', { reason: route.reason });
    metrics.addMetric('IgnoredEvents', MetricUnit.Count, 1);
    return { status: 'ignored', reason: route.reason };
  }

  const { incident, executionName } = route;
  logger.appendKeys({ incidentId: incident.incidentId, resourceId: incident.resource.id });
  const admission = await admitIncident(incident, executionName, { store, groups, startRun, now: new Date() });
  const messages = {
    started: 'remediation started',
    grouped: 'grouped into the open incident of the resource: no new run',
    duplicate: 'duplicate delivery: nothing new started',
  } as const;
  logger.info(messages[admission.status], { ...admission });
  metrics.addMetric(METRIC_BY_STATUS[admission.status], MetricUnit.Count, 1);
  // Only a new incident is news; a grouped or repeated signal joins one already announced.
  if (admission.status === 'started') await notifyOpened(incident, executionName);
  return admission;
};

function notifyOpened(incident: Incident, executionName: string) {
  const signal = signalLabel(incident.signal);
  return notify({
    type: 'incident-opened',
    incidentId: incident.incidentId,
    resourceId: incident.resource.id,
    summary: `${signal} opened an incident on ${incident.resource.id}; remediation started`,
    executionArn: executionArnOf(stateMachineArn, executionName),
    details: { resource: incident.resource, signal, source: incident.signal.source, onsetAt: incident.onsetAt, detectedAt: incident.detectedAt },
  });
}

const METRIC_BY_STATUS = { started: 'IncidentsOpened', grouped: 'GroupedSignals', duplicate: 'DuplicateSignals' } as const;

async function startRun(name: string, input: string): Promise<'started' | 'exists'> {
  try {
    await callAws('StartExecution', () => stepFunctions().send(new StartExecutionCommand({ stateMachineArn, name, input })));
    return 'started';
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return 'exists';
    throw error;
  }
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics))
  // Keyed on the EventBridge event id: a redelivery of the same event replays the first answer.
  .use(idempotentBy('intake', 'id'))
  .use(parser({ schema: IntakeEventSchema, safeParse: true }));
