import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type * as z from 'zod';
import { ActionStepInputSchema, ACTION_STEP_IDEMPOTENCY_KEY, type ActionResult, type UndoResult } from '../shared/actions/action-step.js';
import { applyAction, paramsFor, undoAction } from '../shared/actions/run-action-step.js';
import { notifyActionTaken, notifyActionUndone } from '../shared/action-notifications.js';
import { documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { logger, metrics } from '../shared/powertools.js';
import { SafetyLedger } from '../shared/safety-ledger.js';
import { parseScope } from '../shared/scope.js';
import { StateStore } from '../shared/state-store.js';
import type { BlockIpApplied, UnblockResult } from '../shared/waf/index.js';
import { parseWafSettings } from '../shared/waf/waf-settings.js';
import { createBlockIpExecutor } from './create-executor.js';

const tableName = requireEnv('TABLE_NAME');
const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const executor = createBlockIpExecutor(parseWafSettings(requireEnv('WAF_SETTINGS')), scope, tableName, requireEnv('AWS_REGION'));
const deps = { scope, store: new StateStore(documentClient(), tableName), ledger: new SafetyLedger(documentClient(), tableName) };

/**
 * `blockIpInWaf`: adds the flooding address to the site's IP set with an
 * expiry already scheduled, or (undo) takes it out again. The executor
 * refuses protected and non-public addresses, undeclared IP sets, a set
 * near its quota and a spent cap, each with a named error.
 */
export const lambdaHandler = async (input: z.infer<typeof ActionStepInputSchema>): Promise<ActionResult | UndoResult> => {
  const { action, params } = paramsFor(input, ['blockIpInWaf']);
  // One dimension set for every metric of the call: the dashboard graphs actions by type.
  metrics.addDimension('action', action);
  if (input.operation === 'undo') {
    const result = await undoAction(executor, input, action, params, (details) => {
      const unblock = details as UnblockResult;
      // Removed now, or by an earlier try of this undo whose response was lost: either way no longer in place.
      return { undone: unblock.removed, inPlace: !(unblock.removed || unblock.removedBecause === 'undone'), summary: unblock.summary };
    }, deps);
    metrics.addMetric('ActionsUndone', MetricUnit.Count, result.undone ? 1 : 0);
    logger.info('block undone', { ...result });
    if (result.undone) await notifyActionUndone(input, result);
    return result;
  }
  const result = await applyAction(executor, input, action, params, (_before, applied) => {
    const block = applied as BlockIpApplied;
    return { changed: block.changed, summary: block.summary };
  }, deps);
  metrics.addMetric('ActionsTaken', MetricUnit.Count, result.changed ? 1 : 0);
  logger.info('address blocked', { target: result.target, changed: result.changed, summary: result.summary });
  if (result.changed) await notifyActionTaken(input, result);
  return result;
};

export const handler = workflowHandler(ActionStepInputSchema, lambdaHandler, { emitsMetrics: true, idempotency: idempotentBy('block-ip-in-waf', ACTION_STEP_IDEMPOTENCY_KEY) });
