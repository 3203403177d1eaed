import * as z from 'zod';
import { ActionNameSchema, AutonomySchema } from './actions/catalog.js';
import { DEFAULT_FLAP_GUARD, FlapGuardSettingsSchema } from './flap-guard.js';

/** A metric read into the incident's context next to the alarm's own. */
export const MetricRefSchema = z.object({
  namespace: z.string().min(1).max(255),
  metricName: z.string().min(1).max(255),
  dimensions: z.record(z.string(), z.string()).default({}),
  stat: z.string().min(1).max(32).default('Average'),
});
export type MetricRef = z.infer<typeof MetricRefSchema>;

/** Autonomy per action; unset actions keep the catalog's default. */
export const AutonomyOverridesSchema = z.partialRecord(ActionNameSchema, AutonomySchema);

/**
 * The resources a deployment is allowed to touch, and the limits for each.
 *
 * The CDK construct serialises this object into the `RESOURCE_SCOPE`
 * environment variable of every function that needs it; the local runtime
 * builds it from a scenario file. It is the single source of truth for
 * "is this resource in scope" — nothing a signal or a model says widens it.
 */
export const AutoScalingGroupScopeSchema = z.object({
  kind: z.literal('autoscaling-group'),
  /** Name of the Auto Scaling group. */
  name: z.string().min(1).max(255),
  /** Alarms whose ALARM state opens an incident for this group. */
  alarmNames: z.array(z.string().min(1).max(255)).min(1),
  /** Largest number of instances one remediation step may add. */
  maxStep: z.number().int().min(1).max(100),
  /** Hard ceiling on desired capacity, applied on top of the group's own MaxSize. */
  maxCapacity: z.number().int().min(1).optional(),
  /** Remediation attempts one incident may make before it escalates. */
  maxAttempts: z.number().int().min(1).max(10),
  /** How long a run may hold the resource before its lease counts as abandoned. */
  leaseSeconds: z.number().int().min(60).max(86_400),
  /** Quiet period after a remediation ends, during which new incidents are skipped. */
  cooldownSeconds: z.number().int().min(0).max(86_400),
  /** Wait between acting and checking whether the alarm has cleared. */
  verifyAfterSeconds: z.number().int().min(0).max(3_600),
  /**
   * Other resources an action may change on this one's behalf, as
   * `kind/...` targets (e.g. `waf-ip-set/REGIONAL/site-blocklist`).
   */
  dependencies: z.array(z.string().min(3).max(512)).default([]),
  /** Autonomy per action for this resource, over the deployment's and the catalog's. */
  autonomy: AutonomyOverridesSchema.default({}),
  /** Log groups whose recent lines are read into the incident's context. */
  logGroupNames: z.array(z.string().min(1).max(512)).max(5).default([]),
  /** Metrics read into the context next to the alarm's own. */
  relatedMetrics: z.array(MetricRefSchema).max(10).default([]),
  /** How long a plan waits for a human's approval before it escalates. */
  /** At most 12 hours, so the wait always ends inside the workflow's 24-hour timeout with room to escalate. */
  approvalTimeoutSeconds: z.number().int().min(60).max(43_200).default(3_600),
  /** Attempt budget, circuit breaker and cooldown ceiling: see `flap-guard.ts`. */
  flapGuard: FlapGuardSettingsSchema.default(DEFAULT_FLAP_GUARD),
});
export type AutoScalingGroupScope = z.infer<typeof AutoScalingGroupScopeSchema>;

export const ResourceScopeSchema = AutoScalingGroupScopeSchema;
export type ResourceScope = z.infer<typeof ResourceScopeSchema>;

export const ModeSchema = z.enum(['dry-run', 'auto']);
export type Mode = z.infer<typeof ModeSchema>;

export const ScopeSchema = z
  .object({
    /** `dry-run` decides and records but never acts; `auto` acts within the limits. */
    mode: ModeSchema,
    resources: z.array(ResourceScopeSchema),
    /** Autonomy per action for every resource, over the catalog's defaults. */
    autonomy: AutonomyOverridesSchema.default({}),
    /** Limits no plan may cross, whatever the resource. */
    guardrails: z
      .object({
        /** Addresses that may never be blocked: office ranges, health checkers, the VPC itself. */
        protectedCidrs: z.array(z.string().min(3).max(64)).default([]),
        /** Kubernetes namespaces actions may touch; empty allows none. */
        allowedNamespaces: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a Kubernetes namespace name')).default([]),
      })
      .default({ protectedCidrs: [], allowedNamespaces: [] }),
  })
  .superRefine((scope, ctx) => {
    const owners = new Map<string, string>();
    for (const resource of scope.resources) {
      for (const alarmName of resource.alarmNames) {
        const owner = owners.get(alarmName);
        if (owner !== undefined && owner !== resource.name) {
          ctx.addIssue({
            code: 'custom',
            message: `alarm "${alarmName}" is registered for both "${owner}" and "${resource.name}"`,
          });
        }
        owners.set(alarmName, resource.name);
      }
    }
  });
export type Scope = z.infer<typeof ScopeSchema>;

/** Stable identifier of a resource, used as the key of its lease and history. */
export function resourceIdOf(resource: Pick<ResourceScope, 'kind' | 'name'>): string {
  return `${resource.kind}/${resource.name}`;
}

/** The registered resource that owns an alarm, if any. */
export function findResourceByAlarm(scope: Scope, alarmName: string): ResourceScope | undefined {
  return scope.resources.find((resource) => resource.alarmNames.includes(alarmName));
}

/** The registered resource with this id, if any. */
export function findResourceById(scope: Scope, resourceId: string): ResourceScope | undefined {
  return scope.resources.find((resource) => resourceIdOf(resource) === resourceId);
}

/** Parses the serialised scope, with an error that names the variable. */
export function parseScope(json: string, source = 'RESOURCE_SCOPE'): Scope {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ScopeSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${source} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
