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
import { requireEnv } from '../shared/env.js';
import { MalformedEventError } from '../shared/errors.js';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { parseScope } from '../shared/scope.js';
import { StateStore } from '../shared/state-store.js';
import type { AlarmStateChangeEvent } from '../shared/alarm-event.js';
import { AlarmStateChangeEventSchema } from '../shared/alarm-event.js';
import { describeParseFailure } from '../shared/parse-failure.js';
import { routeAlarmEvent } from './route-alarm-event.js';

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
const store = new StateStore(documentClient(), requireEnv('TABLE_NAME'));

export interface IntakeResult {
  status: 'started' | 'duplicate' | 'ignored';
  incidentId?: string;
  executionName?: string;
  reason?: string;
}

/**
 * Turns a CloudWatch alarm state change into a remediation run.
 *
 * The event is validated before anything is written: a malformed or foreign
 * event throws `MalformedEventError` (it then lands in the dead-letter queue
 * with the original payload), and an alarm nobody registered is ignored.
 * The execution name is derived from the incident, so a duplicate delivery
 * starts nothing new.
 */
export const lambdaHandler = async (parsed: ParsedResult<unknown, AlarmStateChangeEvent>): Promise<IntakeResult> => {
  let route;
  try {
    if (!parsed.success) {
      throw new MalformedEventError(`not a CloudWatch Alarm State Change event: ${describeParseFailure(parsed.error)}`);
    }
    route = routeAlarmEvent(parsed.data, scope);
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
  const opened = await store.openIncident(incident, executionName, new Date());

  try {
    await callAws('StartExecution', () =>
      stepFunctions().send(
        new StartExecutionCommand({
          stateMachineArn,
          name: executionName,
          input: JSON.stringify({ incident, attempt: { number: 0 } }),
        }),
      ),
    );
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) {
      logger.info('duplicate delivery: the incident already has a run', { executionName });
      metrics.addMetric('DuplicateSignals', MetricUnit.Count, 1);
      return { status: 'duplicate', incidentId: incident.incidentId, executionName };
    }
    throw error;
  }

  // Standard workflows accept a repeated StartExecution with identical input
  // as the same execution, so a redelivery that finds the incident open is a duplicate.
  const status = opened === 'opened' ? 'started' : 'duplicate';
  logger.info(status === 'started' ? 'remediation started' : 'duplicate delivery: run already started', { executionName });
  metrics.addMetric(status === 'started' ? 'IncidentsOpened' : 'DuplicateSignals', MetricUnit.Count, 1);
  return { status, incidentId: incident.incidentId, executionName };
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics))
  .use(parser({ schema: AlarmStateChangeEventSchema, safeParse: true }));
