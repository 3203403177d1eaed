import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger, metrics } from '../shared/powertools.js';
import { parseScope } from '../shared/scope.js';
import { DecisionSchema, IncidentContextSchema, type PolicyVerdict } from '../shared/workflow.js';
import { evaluatePolicy } from './policy.js';

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));

export const CheckPolicyInputSchema = z.object({
  incident: IncidentSchema,
  context: IncidentContextSchema,
  /** Validated loosely here on purpose: an unknown action or bad params is a denial with a reason, not a crash. */
  decision: DecisionSchema.extend({ action: z.string() }),
});

/** Judges the plan with the deterministic policy; the verdict, never the model, decides what may run. */
export const lambdaHandler = async ({ incident, context, decision }: z.infer<typeof CheckPolicyInputSchema>): Promise<PolicyVerdict> => {
  const verdict = evaluatePolicy({ incident, context, decision: decision as never, scope });
  metrics.addDimension('verdict', verdict.allowed ? 'allowed' : 'denied');
  metrics.addMetric('PlansChecked', MetricUnit.Count, 1);
  logger.info('policy verdict', { allowed: verdict.allowed, autonomy: verdict.autonomy, summary: verdict.summary, source: decision.source });
  return verdict;
};

export const handler = workflowHandler(CheckPolicyInputSchema, lambdaHandler, { emitsMetrics: true });
