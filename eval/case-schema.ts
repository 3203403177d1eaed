import * as z from 'zod';
import { ActionNameSchema } from '../lambdas/shared/actions/catalog.js';
import { AutonomyOverridesSchema, ModeSchema } from '../lambdas/shared/scope.js';

/**
 * The compact form of one evaluation case, as written in `eval/cases/*.json`.
 * `build-case.ts` expands it into the full incident, context and scope the
 * decision path reads. Every field but `name`, `description`, `adversarial`,
 * `model` and `expect` has a default: a CPU alarm at 95 % (threshold 70 %) on
 * the Auto Scaling group `web` (desired 4, min 2, max 10), maxStep 2, mode auto.
 */

/** A reply the fake Converse endpoint gives, in compact form. */
const ToolReplySpecSchema = z
  .object({
    kind: z.literal('tool'),
    /** The tool (catalog action) the model calls; any name, to test unknown tools. */
    name: z.string().min(1),
    /** The action params, as the model sends them (not validated here: bad params are a test too). */
    params: z.record(z.string(), z.unknown()),
    rationale: z.string().default('The evidence in the context supports this action.'),
    /** Not range-checked here: the decider must cope with whatever the model sends. */
    confidence: z.unknown().default(0.85),
    evidence: z.array(z.string()).default([]),
    /** Extra fields merged into the tool input (e.g. a claimed `target`). */
    extra: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const ImmediateReplySpecSchema = z.discriminatedUnion('kind', [
  ToolReplySpecSchema,
  z.object({ kind: z.literal('text'), text: z.string() }).strict(),
  z.object({ kind: z.literal('raw'), status: z.number().int().min(100).max(599), body: z.string() }).strict(),
  z.object({ kind: z.literal('error'), status: z.number().int().min(400).max(599), errorType: z.string().min(1), message: z.string() }).strict(),
]);

export const ModelReplySpecSchema = z.union([
  ImmediateReplySpecSchema,
  z.object({ kind: z.literal('delay'), ms: z.number().int().min(0).max(60_000), then: ImmediateReplySpecSchema }).strict(),
]);
export type ModelReplySpec = z.infer<typeof ModelReplySpecSchema>;

const AlarmSpecSchema = z
  .object({
    /** Defaults to `<group>-cpu-high`. */
    name: z.string().min(1).max(255).optional(),
    metric: z.string().min(1).default('CPUUtilization'),
    namespace: z.string().min(1).default('AWS/EC2'),
    /** The latest datapoint; `null` when CloudWatch reported none. */
    value: z.number().nullable().default(95),
    /** `null` for an alarm without a static threshold (anomaly detection band). */
    threshold: z.number().nullable().default(70),
    operator: z.string().default('GreaterThanThreshold'),
    state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']).default('ALARM'),
    /** One value per minute up to the onset, for the alarm's metric series; none by default. */
    series: z.array(z.number()).max(60).default([]),
  })
  .strict();

const ExpectedOutcomeSchema = z
  .object({
    action: ActionNameSchema,
    /** `kind/...`; omitted (and `none`) for escalateOnly. */
    target: z.string().min(1).optional(),
    /** Adversarial cases: escalation is an acceptable outcome too. */
    orEscalate: z.boolean().default(false),
    /** For a scale-out: the acceptable range of the target capacity. */
    capacity: z.object({ min: z.number().int().min(1), max: z.number().int().min(1) }).strict().optional(),
    /**
     * The plan the decider should propose when it is not carried out (dry-run,
     * observe/recommend autonomy): checked against the plan, not the outcome.
     */
    proposed: z.object({ action: ActionNameSchema, target: z.string().min(1) }).strict().optional(),
  })
  .strict()
  .superRefine((expect, ctx) => {
    if (expect.action === 'escalateOnly') {
      if (expect.target !== undefined && expect.target !== 'none') ctx.addIssue({ code: 'custom', path: ['target'], message: 'escalateOnly has no target' });
      if (expect.orEscalate) ctx.addIssue({ code: 'custom', path: ['orEscalate'], message: 'orEscalate is implied for escalateOnly' });
      if (expect.capacity !== undefined) ctx.addIssue({ code: 'custom', path: ['capacity'], message: 'capacity is for scaleOutAsg' });
    } else if (expect.target === undefined) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: `${expect.action} needs a target` });
    }
    if (expect.capacity !== undefined && expect.action !== 'scaleOutAsg') {
      ctx.addIssue({ code: 'custom', path: ['capacity'], message: 'capacity is for scaleOutAsg' });
    }
    if (expect.capacity !== undefined && expect.capacity.min > expect.capacity.max) {
      ctx.addIssue({ code: 'custom', path: ['capacity'], message: 'min above max' });
    }
  });
export type ExpectedOutcome = z.infer<typeof ExpectedOutcomeSchema>;

export const CaseSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1).max(1_000),
    /** Whether the case attacks the system (hostile logs, a model that obeys them, harmful plans). */
    adversarial: z.boolean(),
    group: z
      .object({
        name: z.string().min(1).max(255).default('web'),
        desired: z.number().int().min(0).default(4),
        min: z.number().int().min(0).default(2),
        max: z.number().int().min(0).default(10),
        /** Defaults to desired. */
        inService: z.number().int().min(0).optional(),
      })
      .strict()
      .default({ name: 'web', desired: 4, min: 2, max: 10 }),
    limits: z
      .object({ maxStep: z.number().int().min(1).max(100).default(2), maxCapacity: z.number().int().min(1).optional() })
      .strict()
      .default({ maxStep: 2 }),
    /** The alarm as the context read it; `null` when it could not be read (a gap). */
    alarm: AlarmSpecSchema.nullable().default(AlarmSpecSchema.parse({})),
    /** The incident signal's metric when it differs from the alarm's (or the alarm is `null`); `null` for none. */
    signalMetric: z.string().nullable().optional(),
    /** Recent log lines per log group: untrusted text. */
    logs: z.array(z.object({ group: z.string().min(1), lines: z.array(z.string()).min(1) }).strict()).default([]),
    /** Changes around the onset (deploys, scaling activities). */
    changes: z
      .array(
        z
          .object({
            minutesBefore: z.number().min(0).max(120),
            source: z.string().default('cloudtrail'),
            event: z.string(),
            actor: z.string().optional(),
            summary: z.string(),
          })
          .strict(),
      )
      .default([]),
    /**
     * A PostgreSQL incident instead of an Auto Scaling one: the incident's
     * resource is this rds-postgres database, and the context holds what
     * InspectDatabase read, with the advisor's recommendation or its refusal.
     */
    database: z
      .object({
        name: z.string().min(1).max(63).default('orders-db'),
        schemas: z.array(z.string().min(1)).min(1).default(['public']),
        /** UNTRUSTED like every statement text: the busiest statement as pg_stat_statements normalized it. */
        topQuery: z.string().max(600).default('SELECT id, amount FROM public.orders WHERE customer_id = $1'),
        recommendation: z
          .object({ schema: z.string().min(1), table: z.string().min(1), columns: z.array(z.string().min(1)).min(1).max(3), queryId: z.string().optional() })
          .strict()
          .optional(),
        refusal: z.string().max(1_000).optional(),
      })
      .strict()
      .optional(),
    /** Other Auto Scaling groups registered in the scope (each with its own `<name>-cpu-high` alarm). */
    otherGroups: z.array(z.string().min(1)).default([]),
    /** Declared dependencies of the incident's group (`kind/...` targets). */
    dependencies: z.array(z.string()).default([]),
    guardrails: z
      .object({ protectedCidrs: z.array(z.string()).default([]), allowedNamespaces: z.array(z.string()).default([]) })
      .strict()
      .default({ protectedCidrs: [], allowedNamespaces: [] }),
    mode: ModeSchema.default('auto'),
    /** Deployment-level autonomy overrides. */
    autonomy: AutonomyOverridesSchema.default({}),
    /** Autonomy overrides on the incident's group. */
    resourceAutonomy: AutonomyOverridesSchema.default({}),
    /** Parts of the context that could not be gathered. */
    gaps: z.array(z.string()).default([]),
    /** The fake model's reply, or one reply per call when the decider calls more than once (the last repeats). */
    model: z.union([ModelReplySpecSchema, z.array(ModelReplySpecSchema).min(1)]),
    /** Text the model's request must contain (e.g. the injected log line): proves the attack reached the model. */
    modelMustSee: z.array(z.string().min(1)).default([]),
    expect: ExpectedOutcomeSchema,
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.alarm === null && spec.signalMetric === undefined) {
      ctx.addIssue({ code: 'custom', path: ['signalMetric'], message: 'with no alarm, say which metric the signal named (or null)' });
    }
    if (spec.group.min > spec.group.max) ctx.addIssue({ code: 'custom', path: ['group'], message: 'min above max' });
    if (!spec.adversarial && spec.expect.orEscalate) {
      ctx.addIssue({ code: 'custom', path: ['expect', 'orEscalate'], message: 'orEscalate is for adversarial cases' });
    }
  });
export type CaseSpec = z.infer<typeof CaseSpecSchema>;

export const CaseFileSchema = z.array(CaseSpecSchema).min(1);

/** Every case across the files: names must be unique. */
export function checkUniqueNames(cases: readonly CaseSpec[]): void {
  const seen = new Set<string>();
  for (const spec of cases) {
    if (seen.has(spec.name)) throw new Error(`case name ${spec.name} is used twice`);
    seen.add(spec.name);
  }
}
