import * as z from 'zod';
import { ACTIONS, ActionNameSchema } from '../shared/actions/catalog.js';
import { PLANNERS, PlannerNameSchema } from './planners.js';

/**
 * A runbook, as written in `runbooks/*.yaml`: when it applies (`match`),
 * which catalog action it plans, and the planner that computes the params.
 * Runbooks are validated against this schema at synth and in tests.
 */
export const RunbookSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1).max(500),
    /** Lower runs first; the first runbook that matches decides. */
    priority: z.number().int().min(0).max(1_000).default(100),
    match: z
      .object({
        /** Resource kinds this runbook is for; empty matches any. */
        resourceKinds: z.array(z.enum(['autoscaling-group', 'eks-deployment', 'waf-web-acl', 'rds-postgres'])).default([]),
        /** Metric names of the alarm; empty matches any. */
        metricNames: z.array(z.string().min(1)).default([]),
        /** Alarm names, exact or with `*` wildcards; empty matches any. */
        alarmNames: z.array(z.string().min(1)).default([]),
        /** Whether the alarm fires on high values (GreaterThan…), low values, or either. */
        direction: z.enum(['high', 'low', 'any']).default('any'),
        /** Log detections this runbook answers (`client-flood`, `signature`, …); empty matches alarms and detections alike. */
        detections: z.array(z.enum(['new-error-template', 'error-burst', 'signature', 'client-flood'])).default([]),
        /** Signature ids of a `signature` detection (e.g. `missing-env-var`); empty matches any. */
        signatures: z.array(z.string().min(1)).default([]),
      })
      .strict(),
    action: ActionNameSchema,
    planner: PlannerNameSchema,
    with: z.record(z.string(), z.unknown()).default({}),
    /** The confidence this runbook's plans carry. */
    confidence: z.number().min(0).max(1).default(0.8),
  })
  .strict()
  .superRefine((runbook, ctx) => {
    const options = PLANNERS[runbook.planner].with.safeParse(runbook.with);
    if (!options.success) {
      ctx.addIssue({ code: 'custom', path: ['with'], message: `invalid options for planner ${runbook.planner}: ${z.prettifyError(options.error)}` });
    }
    const only = PLANNERS[runbook.planner].plans;
    if (runbook.action !== only) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: `the ${runbook.planner} planner only plans ${only}` });
    }
    if (!(runbook.action in ACTIONS)) ctx.addIssue({ code: 'custom', path: ['action'], message: 'unknown action' });
  });
export type Runbook = z.infer<typeof RunbookSchema>;

export const RunbookSetSchema = z.array(RunbookSchema).superRefine((runbooks, ctx) => {
  const seen = new Set<string>();
  for (const runbook of runbooks) {
    if (seen.has(runbook.id)) ctx.addIssue({ code: 'custom', message: `runbook id ${runbook.id} is used twice` });
    seen.add(runbook.id);
  }
});

/** Parses the runbooks embedded in the bundle (or set locally) as JSON. */
export function parseRunbooks(json: string, source = 'RUNBOOKS_JSON'): Runbook[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = RunbookSetSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${source} holds invalid runbooks: ${z.prettifyError(parsed.error)}`);
  return [...parsed.data].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
}
