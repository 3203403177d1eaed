import * as z from 'zod';
import { ACTIONS } from '../shared/actions/catalog.js';
import { ActionResultSchema } from '../shared/actions/action-step.js';
import { readAlarmHistory } from '../shared/alarm-history.js';
import { describeAlarm } from '../shared/alarms.js';
import { describeAutoScalingGroup } from '../shared/autoscaling.js';
import { autoScaling, cloudWatch } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { MalformedEventError, OutOfScopeError } from '../shared/errors.js';
import { workflowHandler } from '../shared/handler.js';
import { alarmOf, IncidentSchema } from '../shared/incident.js';
import { logger } from '../shared/powertools.js';
import { findResourceById, parseScope } from '../shared/scope.js';
import { IndexEffectSchema, type Verification } from '../shared/workflow.js';
import { judgeIndexVerification, judgeVerification, type ObservedAlarm } from './judge-verification.js';

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
/** Most state changes read per alarm; more than this inside one verification window is flapping anyway. */
const MAX_HISTORY = 50;

export const VerifyRecoveryInputSchema = z.object({
  incident: IncidentSchema,
  action: ActionResultSchema,
  /** The context the plan was made from: the primary alarm's value then tells an improving metric from a stuck one. */
  context: z.looseObject({ alarm: z.looseObject({ latestValue: z.number().optional() }).optional() }),
  /** For an index: what MeasureIndexEffect found in pg_stat_statements. Required for `createIndexConcurrently`. */
  indexEffect: IndexEffectSchema.optional(),
});

async function observe(name: string, since: Date, now: Date): Promise<ObservedAlarm> {
  const [state, history] = await Promise.all([
    describeAlarm(cloudWatch(), name),
    readAlarmHistory(cloudWatch(), name, { start: since, end: now }, MAX_HISTORY).then(
      (items) => ({ ok: true as const, items }),
      (error: unknown) => {
        logger.warn('alarm history unreadable; judging by the state now', { alarm: name, error: (error as Error).message });
        return { ok: false as const, items: [] };
      },
    ),
  ]);
  return { name, state, history: history.items, historyKnown: history.ok };
}

/**
 * Reads the incident's alarms and the resource's dependent alarms after the
 * action, and judges whether the incident is over, whether the action made
 * something else worse, and whether it must be undone.
 */
export const lambdaHandler = async ({ incident, action, context, indexEffect }: z.infer<typeof VerifyRecoveryInputSchema>): Promise<Verification> => {
  const resource = findResourceById(scope, incident.resource.id);
  if (resource === undefined) throw new OutOfScopeError(`${incident.resource.id} is no longer registered`);
  const now = new Date();
  const actedAt = new Date(action.actedAt);
  const alarm = alarmOf(incident);
  const primaryNames = alarm === undefined ? resource.alarmNames : [alarm];
  const [primary, dependents, group] = await Promise.all([
    Promise.all(primaryNames.map((name) => observe(name, actedAt, now))),
    Promise.all(resource.dependentAlarmNames.map((name) => observe(name, actedAt, now))),
    action.action === 'scaleOutAsg' && typeof action.autoScalingGroupName === 'string'
      ? describeAutoScalingGroup(autoScaling(), action.autoScalingGroupName)
      : Promise.resolve(undefined),
  ]);
  const valueAtPlan = context.alarm?.latestValue;
  const byAlarms = judgeVerification({ primary, dependents, actedAt, now, valueAtPlan, incremental: ACTIONS[action.action].incremental === true });
  if (action.action === 'createIndexConcurrently' && indexEffect === undefined) {
    throw new MalformedEventError('indexEffect: an index is judged by its measured effect, and none was given');
  }
  const judgement = indexEffect === undefined ? byAlarms : judgeIndexVerification(byAlarms, indexEffect);
  const capacity = group === undefined ? '' : `; ${group.name} desired ${group.desiredCapacity}, ${group.inServiceInstances} in service`;
  const verification: Verification = {
    healthy: judgement.healthy,
    verdict: judgement.verdict,
    undo: judgement.undo && action.changed && action.undoable,
    alarmState: judgement.alarmState,
    tripped: [...judgement.tripped],
    ...(group === undefined ? {} : { desiredCapacity: group.desiredCapacity, inServiceInstances: group.inServiceInstances }),
    checkedAt: now.toISOString(),
    summary: `${judgement.summary}${capacity}`,
  };
  logger.info('verification', { ...verification });
  return verification;
};

export const handler = workflowHandler(VerifyRecoveryInputSchema, lambdaHandler);
