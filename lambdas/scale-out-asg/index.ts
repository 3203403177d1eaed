import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { describeAutoScalingGroup } from '../shared/autoscaling.js';
import { callAws } from '../shared/aws-errors.js';
import { autoScaling, documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { MalformedEventError, StalePlanError } from '../shared/errors.js';
import { notifyActionTaken, notifyActionUndone } from '../shared/action-notifications.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { logger, metrics } from '../shared/powertools.js';
import { findResourceById, parseScope } from '../shared/scope.js';
import { SafetyLedger } from '../shared/safety-ledger.js';
import { StateStore } from '../shared/state-store.js';
import { checkInScope, checkScaleOut } from './scale-out-guard.js';
import { ACTIONS, ScaleOutAsgParamsSchema } from '../shared/actions/catalog.js';
import { checkTarget } from '../shared/actions/check-target.js';
import { ACTION_STEP_IDEMPOTENCY_KEY, ActionStepInputSchema, type ScaleOutResult, type UndoInput, type UndoResult } from '../shared/actions/action-step.js';
import { describeParseFailure } from '../shared/parse-failure.js';

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const tableName = requireEnv('TABLE_NAME');
const store = new StateStore(documentClient(), tableName);
const ledger = new SafetyLedger(documentClient(), tableName);

export const ScaleOutInputSchema = ActionStepInputSchema;

/**
 * Raises the group's desired capacity to the planned target. The group's
 * capacity before the change is written to the attempt record, and the
 * action to the resource's safety ledger, before anything changes, so the
 * change can always be audited, undone and counted. Setting an absolute capacity
 * makes a retried call harmless: the second call finds the target reached.
 */
export const lambdaHandler = async (input: z.infer<typeof ScaleOutInputSchema>): Promise<ScaleOutResult | UndoResult> => {
  if (input.decision.action !== 'scaleOutAsg') {
    throw new MalformedEventError(`decision.action: ScaleOutAsg received a ${input.decision.action} plan`);
  }
  // One dimension set for every metric of the call: the dashboard graphs actions by type.
  metrics.addDimension('action', 'scaleOutAsg');
  if (input.operation === 'undo') return undoScaleOut(input);
  const { incident, attempt, decision, executionId } = input;
  if (input.plannedFrom === undefined) throw new MalformedEventError('a scale-out needs plannedFrom: the capacity the plan was made from');
  const plannedFrom = input.plannedFrom;
  const parsed = ScaleOutAsgParamsSchema.safeParse(decision.params);
  if (!parsed.success) throw new MalformedEventError(`invalid scaleOutAsg params: ${describeParseFailure(parsed.error)}`);
  const params = { ...parsed.data, fromCapacity: plannedFrom };
  const resource = checkInScope(params, incident, findResourceById(scope, incident.resource.id));
  const group = await describeAutoScalingGroup(autoScaling(), resource.name);
  const step = checkScaleOut(params, incident, resource, group);

  const recorded = await store.recordAttempt(
    {
      incidentId: incident.incidentId,
      attempt,
      action: 'scaleOutAsg',
      params,
      before: { ...group },
      startedAt: new Date().toISOString(),
      executionId,
    },
    new Date(),
  );
  const beforeCapacity = Number(recorded.before.desiredCapacity ?? group.desiredCapacity);
  if (beforeCapacity < params.targetCapacity) {
    // The resource's ledger learns of the action before it happens: the attempt
    // budget and ping-pong detection must count it even if the call then fails.
    await ledger.recordAction(
      incident.resource.id,
      {
        incidentId: incident.incidentId,
        attempt,
        action: 'scaleOutAsg',
        target: incident.resource.id,
        at: recorded.startedAt,
        result: 'pending',
        effect: { before: beforeCapacity, after: params.targetCapacity },
      },
      new Date(),
    );
  }

  if (step.change) {
    await callAws('SetDesiredCapacity', () =>
      autoScaling().send(
        new SetDesiredCapacityCommand({
          AutoScalingGroupName: params.autoScalingGroupName,
          DesiredCapacity: step.targetCapacity,
          HonorCooldown: false,
        }),
      ),
    );
    metrics.addMetric('ActionsTaken', MetricUnit.Count, 1);
    logger.info('scaled out', { group: params.autoScalingGroupName, from: group.desiredCapacity, to: step.targetCapacity });
  } else {
    metrics.addMetric('ActionsAlreadyApplied', MetricUnit.Count, 1);
    logger.info('no change needed', { reason: step.reason });
  }

  // Judged against the recorded before-state, so a retry of an attempt whose
  // first call already landed still reports that this run raised capacity.
  const changed = beforeCapacity < params.targetCapacity;
  const result: ScaleOutResult = {
    attempt,
    action: 'scaleOutAsg',
    target: ACTIONS.scaleOutAsg.targetOf(params),
    autoScalingGroupName: params.autoScalingGroupName,
    beforeCapacity,
    targetCapacity: params.targetCapacity,
    changed,
    // When the change began: verification judges every alarm transition from then on.
    actedAt: recorded.startedAt,
    summary: changed
      ? `raised the desired capacity of ${params.autoScalingGroupName} from ${beforeCapacity} to ${params.targetCapacity}`
      : `${params.autoScalingGroupName} already had desired capacity ${beforeCapacity}`,
    undoable: true,
    before: { desiredCapacity: beforeCapacity },
    applied: { targetCapacity: params.targetCapacity },
  };
  if (changed) await notifyActionTaken(input, result);
  return result;
};

/**
 * Puts the desired capacity back to what it was before the step, but only
 * while the group still has the step's target: if something else has moved
 * it since, that is its decision and the undo leaves it alone.
 */
async function undoScaleOut(input: UndoInput): Promise<UndoResult> {
  const { incident, attempt } = input;
  checkTarget(scope, incident, 'scaleOutAsg', input.decision.params);
  const name = String(input.action.autoScalingGroupName ?? input.decision.params.autoScalingGroupName);
  // The capacity recorded before the step, from the attempt record (not from the input).
  const recorded = await store.getAttempt(incident.incidentId, attempt);
  if (recorded === undefined || recorded.action !== 'scaleOutAsg') {
    throw new StalePlanError(`no scale-out recorded for ${incident.incidentId} attempt ${attempt}: nothing recorded to undo to`);
  }
  const before = Number(recorded.before.desiredCapacity);
  const target = Number(input.action.applied.targetCapacity);
  const group = await describeAutoScalingGroup(autoScaling(), name);
  let undone = false;
  // Whether our step still stands afterwards: not once reversed, now or by an earlier try whose response was lost.
  let inPlace = true;
  let summary: string;
  if (group.desiredCapacity === target) {
    await callAws('SetDesiredCapacity', () =>
      autoScaling().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: before, HonorCooldown: false })),
    );
    undone = true;
    inPlace = false;
    summary = `set the desired capacity of ${name} back from ${target} to ${before}`;
  } else if (group.desiredCapacity === before) {
    inPlace = false;
    summary = `${name} is already back at ${before}; nothing to undo`;
  } else {
    summary = `${name} is at ${group.desiredCapacity}, neither the step's ${target} nor the earlier ${before}: something else manages it now, so it is left alone`;
  }
  // Only a reversed action is `undone` in the ledger; one left standing still counts as in place.
  if (!inPlace) await ledger.setResult(incident.resource.id, incident.incidentId, attempt, 'undone', new Date());
  metrics.addMetric('ActionsUndone', MetricUnit.Count, undone ? 1 : 0);
  logger.info('scale-out undone', { group: name, undone, summary });
  const result: UndoResult = {
    action: 'scaleOutAsg',
    target: input.action.target,
    undone,
    inPlace,
    summary,
    undoneAt: new Date().toISOString(),
    // No undefined values: the idempotency store cannot persist them.
    details: { desiredCapacity: group.desiredCapacity, ...(undone ? { restoredTo: before } : {}) },
  };
  if (undone) await notifyActionUndone(input, result);
  return result;
}

export const handler = workflowHandler(ScaleOutInputSchema, lambdaHandler, { emitsMetrics: true, idempotency: idempotentBy('scale-out-asg', ACTION_STEP_IDEMPOTENCY_KEY) });
