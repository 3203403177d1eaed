import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type * as z from 'zod';
import { createBlockIpExecutor } from '../block-ip-in-waf/create-executor.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { logger, metrics } from '../shared/powertools.js';
import { parseScope } from '../shared/scope.js';
import { type UnblockResult, UnblockInputSchema } from '../shared/waf/index.js';
import { parseWafSettings } from '../shared/waf/waf-settings.js';

const executor = createBlockIpExecutor(parseWafSettings(requireEnv('WAF_SETTINGS')), parseScope(requireEnv('RESOURCE_SCOPE')), requireEnv('TABLE_NAME'), requireEnv('AWS_REGION'));

/**
 * Invoked by the block's one-time EventBridge Scheduler schedule when the
 * block ends: removes the address (only if this system added it and it is
 * still there) and records the removal. Calling it again changes nothing.
 */
export const lambdaHandler = async (input: z.infer<typeof UnblockInputSchema>): Promise<UnblockResult> => {
  const result = await executor.expire(input, new Date());
  metrics.addMetric('BlocksExpired', MetricUnit.Count, result.removed ? 1 : 0);
  logger.info('block expired', { ...result });
  return result;
};

export const handler = workflowHandler(UnblockInputSchema, lambdaHandler, { emitsMetrics: true });
