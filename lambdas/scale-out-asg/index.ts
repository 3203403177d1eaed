import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { describeAutoScalingGroup } from '../shared/autoscaling.js';
import { callAws } from '../shared/aws-errors.js';
import { autoScaling, documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { MalformedEventError } from '../shared/errors.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger, metrics } from '../shared/powertools.js';
import { findResourceById, parseScope } from '../shared/scope.js';
import { SafetyLedger } from '../shared/safety-ledger.js';
import { StateStore } from '../shared/state-store.js';
import { DecisionSchema, type ScaleOutResult } from '../shared/workflow.js';
import { checkInScope, checkScaleOut } from './scale-out-guard.js';
import { ScaleOutAsgParamsSchema } from '../shared/actions/catalog.js';
import { describeParseFailure } from '../shared/parse-failure.js';

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const tableName = requireEnv('TABLE_NAME');
const store = new StateStore(documentClient(), tableName);
const ledger = new SafetyLedger(documentClient(), tableName);

export const ScaleOutInputSchema = z.object({
  incident: IncidentSchema,
  attempt: z.number().int().min(1),
  decision: DecisionSchema,
  /** The group's desired capacity in the context the plan was made from. */
  plannedFrom: z.number().int().min(0),
  executionId: z.string().optional(),
});

/**
 * Raises the group's desired capacity to the planned target. The group's
 * capacity before the change is written to the attempt record, and the
 * action to the resource's safety ledger, before anything changes, so the
 * change can always be audited, undone and counted. Setting an absolute capacity
 * makes a retried call harmless: the second call finds the target reached.
 */
export const lambdaHandler = async ({ incident, attempt, decision, plannedFrom, executionId }: z.infer<typeof ScaleOutInputSchema>): Promise<ScaleOutResult> => {
  if (decision.action !== 'scaleOutAsg') {
    throw new MalformedEventError(`ScaleOutAsg received a ${decision.action} plan`);
  }
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

  return {
    attempt,
    autoScalingGroupName: params.autoScalingGroupName,
    beforeCapacity,
    targetCapacity: params.targetCapacity,
    // Judged against the recorded before-state, so a retry of an attempt whose
    // first call already landed still reports that this run raised capacity.
    changed: beforeCapacity < params.targetCapacity,
    actedAt: new Date().toISOString(),
  };
};

export const handler = workflowHandler(ScaleOutInputSchema, lambdaHandler, { emitsMetrics: true, idempotency: idempotentBy('scale-out-asg', '[incident.incidentId, attempt]') });
