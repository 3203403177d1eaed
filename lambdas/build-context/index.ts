import * as z from 'zod';
import { describeAlarm } from '../shared/alarms.js';
import { describeAutoScalingGroup } from '../shared/autoscaling.js';
import { autoScaling, cloudWatch, documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { OutOfScopeError, TargetNotFoundError } from '../shared/errors.js';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger } from '../shared/powertools.js';
import { findResourceById, parseScope } from '../shared/scope.js';
import { StateStore } from '../shared/state-store.js';
import type { IncidentContext } from '../shared/workflow.js';
import { assembleContext, type Part } from './assemble-context.js';

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const store = new StateStore(documentClient(), requireEnv('TABLE_NAME'));

export const BuildContextInputSchema = z.object({ incident: IncidentSchema, attempt: z.number().int().min(0) });

async function part<T>(what: string, read: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    logger.warn('context part unavailable', { part: what, error: (error as Error).message });
    return { ok: false, gap: `${what}: ${(error as Error).name}: ${(error as Error).message}` };
  }
}

/**
 * Gathers the incident's context. The group's live state is required (there
 * is nothing to decide without it); the alarm and the history are best
 * effort and degrade into `gaps`.
 */
export const lambdaHandler = async ({ incident }: z.infer<typeof BuildContextInputSchema>): Promise<IncidentContext> => {
  const resource = findResourceById(scope, incident.resource.id);
  if (resource === undefined) {
    throw new OutOfScopeError(`${incident.resource.id} is no longer registered; nothing will be done`);
  }
  const [autoScalingGroup, alarm, recentIncidents] = await Promise.all([
    describeAutoScalingGroup(autoScaling(), resource.name),
    part('alarm', async () => {
      const alarm = await describeAlarm(cloudWatch(), incident.signal.alarmName);
      if (alarm === undefined) throw new TargetNotFoundError(`alarm ${incident.signal.alarmName} no longer exists`);
      return alarm;
    }),
    part('history', () => store.recentHistory(incident.resource.id, 5)),
  ]);
  return assembleContext({ mode: scope.mode, resource, autoScalingGroup, alarm, recentIncidents, now: new Date() });
};

export const handler = workflowHandler(BuildContextInputSchema, lambdaHandler);
