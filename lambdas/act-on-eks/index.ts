import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type * as z from 'zod';
import { ActionStepInputSchema, ACTION_STEP_IDEMPOTENCY_KEY, type ActionResult, type UndoResult } from '../shared/actions/action-step.js';
import type { ActionName } from '../shared/actions/catalog.js';
import type { ActionExecutor } from '../shared/actions/executor.js';
import { applyAction, paramsFor, undoAction } from '../shared/actions/run-action-step.js';
import { notifyActionTaken, notifyActionUndone } from '../shared/action-notifications.js';
import { documentClient, eks } from '../shared/clients.js';
import { createEksExecutors } from '../shared/eks/index.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { logger, metrics } from '../shared/powertools.js';
import { SafetyLedger } from '../shared/safety-ledger.js';
import { parseScope } from '../shared/scope.js';
import { StateStore } from '../shared/state-store.js';
import { declaredClustersOf } from '../shared/eks/declared-clusters.js';
import { describeApplied, describeUndo } from './describe-eks-change.js';
import { PatchAndRestartExecutor } from './patch-and-restart.js';

const tableName = requireEnv('TABLE_NAME');
const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const eksExecutors = createEksExecutors({ eks: eks(), clusters: declaredClustersOf(scope) });
const executors: Record<string, ActionExecutor<never, object, object>> = {
  rollbackEksDeployment: eksExecutors.rollbackEksDeployment,
  restartEksDeployment: eksExecutors.restartEksDeployment,
  patchEksConfigMap: new PatchAndRestartExecutor(eksExecutors.patchEksConfigMap, eksExecutors.restartEksDeployment),
};
const EKS_ACTIONS: readonly ActionName[] = ['rollbackEksDeployment', 'restartEksDeployment', 'patchEksConfigMap'];
const deps = { scope, store: new StateStore(documentClient(), tableName), ledger: new SafetyLedger(documentClient(), tableName) };

/**
 * The EKS actions — roll back, restart, patch a ConfigMap (and restart) —
 * and their undo. The executors refuse clusters and namespaces outside the
 * scope before any call, refuse a Deployment that Argo CD or Flux manages
 * (`GitOpsManagedError`, escalated with the revert to make in git), and
 * write with resourceVersion preconditions so a concurrent edit is never
 * overwritten.
 */
export const lambdaHandler = async (input: z.infer<typeof ActionStepInputSchema>): Promise<ActionResult | UndoResult> => {
  const { action, params } = paramsFor(input, EKS_ACTIONS);
  const executor = executors[action] as ActionExecutor<unknown, object, object>;
  // One dimension set for every metric of the call: the dashboard graphs actions by type.
  metrics.addDimension('action', action);
  if (input.operation === 'undo') {
    const result = await undoAction(executor, input, action, params, (details) => describeUndo(action, details), deps);
    metrics.addMetric('ActionsUndone', MetricUnit.Count, result.undone ? 1 : 0);
    logger.info('EKS change undone', { ...result });
    if (result.undone) await notifyActionUndone(input, result);
    return result;
  }
  const result = await applyAction(executor, input, action, params, (before, applied) => describeApplied(action, before, applied), deps);
  metrics.addMetric('ActionsTaken', MetricUnit.Count, result.changed ? 1 : 0);
  logger.info('EKS change applied', { action, target: result.target, changed: result.changed, summary: result.summary });
  if (result.changed) await notifyActionTaken(input, result);
  return result;
};

export const handler = workflowHandler(ActionStepInputSchema, lambdaHandler, { emitsMetrics: true, idempotency: idempotentBy('act-on-eks', ACTION_STEP_IDEMPOTENCY_KEY) });
