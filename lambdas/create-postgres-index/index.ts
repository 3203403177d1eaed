import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type * as z from 'zod';
import { ACTION_STEP_IDEMPOTENCY_KEY, ActionStepInputSchema, type ActionResult, type UndoResult } from '../shared/actions/action-step.js';
import { notifyActionTaken, notifyActionUndone } from '../shared/action-notifications.js';
import { documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { logger, metrics } from '../shared/powertools.js';
import { currentPostgresEdge } from '../shared/postgres/resource.js';
import { SafetyLedger } from '../shared/safety-ledger.js';
import { parseScope } from '../shared/scope.js';
import { StateStore } from '../shared/state-store.js';
import { applyCreateIndex, type CreateIndexResult, undoCreateIndex } from './create-index-step.js';

const tableName = requireEnv('TABLE_NAME');
const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const store = new StateStore(documentClient(), tableName);
const ledger = new SafetyLedger(documentClient(), tableName);

/** The notification carries what changed, not the statistics snapshots. */
function forNotification(result: CreateIndexResult): ActionResult {
  const { stats: _stats, indexes: _indexes, ...before } = result.before;
  const { statsAtApply: _statsAtApply, ...applied } = result.applied;
  return { ...result, before, applied };
}

/**
 * Builds the index advisor's index with CREATE INDEX CONCURRENTLY (apply),
 * or drops the index this attempt built (undo). Idempotent by incident,
 * attempt and operation; the index name follows from the table and
 * columns, so a retry finds its own index. The actor login does the DDL;
 * the reader login reads pg_stat_statements before and after the build.
 */
export const lambdaHandler = async (input: z.infer<typeof ActionStepInputSchema>): Promise<ActionResult | UndoResult> => {
  metrics.addDimension('action', 'createIndexConcurrently');
  const deps = { scope, store, ledger, edge: currentPostgresEdge() };
  if (input.operation === 'undo') {
    const result = await undoCreateIndex(input, deps);
    metrics.addMetric('ActionsUndone', MetricUnit.Count, result.undone ? 1 : 0);
    logger.info('index undone', { ...result });
    if (result.undone) await notifyActionUndone(input, result);
    return result;
  }
  const result = await applyCreateIndex(input, deps);
  metrics.addMetric('ActionsTaken', MetricUnit.Count, result.changed ? 1 : 0);
  logger.info('index applied', { target: result.target, changed: result.changed, edge: result.edge, summary: result.summary });
  if (result.changed) await notifyActionTaken(input, forNotification(result));
  return result;
};

export const handler = workflowHandler(ActionStepInputSchema, lambdaHandler, {
  emitsMetrics: true,
  idempotency: idempotentBy('create-postgres-index', ACTION_STEP_IDEMPOTENCY_KEY),
});
