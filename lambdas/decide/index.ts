import * as z from 'zod';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger } from '../shared/powertools.js';
import { type Decision, IncidentContextSchema } from '../shared/workflow.js';
import { decideScaleOut } from './scale-out-runbook.js';

export const DecideInputSchema = z.object({
  incident: IncidentSchema,
  context: IncidentContextSchema,
  attempt: z.number().int().min(0),
});

/** Chooses the remediation. The plan it returns is checked again before anything acts on it. */
export const lambdaHandler = async ({ incident, context }: z.infer<typeof DecideInputSchema>): Promise<Decision> => {
  const decision = decideScaleOut(incident, context);
  logger.info('decision', { action: decision.action, source: decision.source, rationale: decision.rationale });
  return decision;
};

export const handler = workflowHandler(DecideInputSchema, lambdaHandler);
