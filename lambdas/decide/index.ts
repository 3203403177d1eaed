import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { bedrockRuntime } from '../shared/clients.js';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger, metrics } from '../shared/powertools.js';
import { type Decision, IncidentContextSchema } from '../shared/workflow.js';
import { decideWithBedrock } from './bedrock-decider.js';
import { readDecisionSettings } from './decision-settings.js';
import { decideWithRunbooks } from './runbook-engine.js';
import { parseRunbooks } from './runbook-schema.js';

// Embedded at bundle time by the construct: esbuild's `define` replaces this literal
// `process.env.RUNBOOKS_JSON` (a dynamic lookup would not be replaced). Set by the local runtime and tests.
const embeddedRunbooks = process.env.RUNBOOKS_JSON;
if (embeddedRunbooks === undefined || embeddedRunbooks === '') {
  throw new Error('RUNBOOKS_JSON is neither embedded in the bundle nor set in the environment');
}
const runbooks = parseRunbooks(embeddedRunbooks);
const settings = readDecisionSettings(process.env);

export const DecideInputSchema = z.object({
  incident: IncidentSchema,
  context: IncidentContextSchema,
  attempt: z.number().int().min(0),
});

/**
 * Proposes a plan. With a model configured, Bedrock chooses a catalog action
 * through tool use; if it errors, times out, is throttled, answers without a
 * valid tool call, or is unsure, the runbooks decide and the plan records
 * why. Either way the plan is only a proposal: CheckPolicy judges it next.
 */
export const lambdaHandler = async ({ incident, context }: z.infer<typeof DecideInputSchema>): Promise<Decision> => {
  let decision: Decision;
  if (settings.modelId === undefined) {
    decision = decideWithRunbooks(runbooks, incident, context);
  } else {
    const outcome = await decideWithBedrock({
      incident,
      context,
      client: bedrockRuntime(),
      settings: { ...settings, modelId: settings.modelId },
    });
    if (outcome.ok) {
      decision = outcome.decision;
    } else {
      metrics.addMetric('ModelFallbacks', MetricUnit.Count, 1);
      // On its own, with the service dimension only: the alarm on throttles reads it without a `source`.
      if (outcome.throttled === true) metrics.singleMetric().addMetric('BedrockThrottles', MetricUnit.Count, 1);
      logger.warn('model answer not used; the runbooks decide', { reason: outcome.reason });
      decision = { ...decideWithRunbooks(runbooks, incident, context), model: outcome.model, fallbackReason: outcome.reason };
    }
  }
  if (decision.model !== undefined) {
    metrics.addMetric('ModelInputTokens', MetricUnit.Count, decision.model.inputTokens);
    metrics.addMetric('ModelOutputTokens', MetricUnit.Count, decision.model.outputTokens);
  }
  metrics.addDimension('source', decision.source);
  metrics.addMetric('Decisions', MetricUnit.Count, 1);
  logger.info('decision', { action: decision.action, source: decision.source, target: decision.target, rationale: decision.rationale });
  return decision;
};

export const handler = workflowHandler(DecideInputSchema, lambdaHandler, { emitsMetrics: true });
