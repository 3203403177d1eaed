import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { AutonomyOverridesSchema, MetricRefSchema, ModeSchema, resourceIdOf, type Scope, ScopeSchema } from '../lambdas/shared/scope.js';
import { ApprovalStepSchema } from './simulated-approver.js';
import { FakeReplySchema } from './fake-bedrock.js';
import { WorldSchema } from './simulated-world.js';
import { ScenarioDatabaseSchema } from './scenario-database-schema.js';

/**
 * A scenario is data: the world, the resources in scope, the signals that
 * arrive, and what must be true afterwards. `npm start` runs every file in
 * `scenarios/`; tests run them too.
 */

const ScenarioResourceSchema = z.object({
  /** `autoscaling-group` (the default), `eks-deployment`, `waf-web-acl` or `rds-postgres`, with the fields of that kind below. */
  kind: z.enum(['autoscaling-group', 'eks-deployment', 'waf-web-acl', 'rds-postgres']).default('autoscaling-group'),
  /** The group's, the Deployment's or the web ACL's name. */
  name: z.string(),
  alarmNames: z.array(z.string()).min(1),
  /** Alarms whose going into ALARM after an action counts as an unintended consequence. */
  dependentAlarmNames: z.array(z.string()).default([]),
  /** EKS: cluster and namespace of the Deployment, and the declared ConfigMap values. */
  cluster: z.string().optional(),
  namespace: z.string().optional(),
  configMapDefaults: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  /** WAF: the web ACL's scope, the IP set blocks go to, and how long a block lasts. */
  scope: z.enum(['REGIONAL', 'CLOUDFRONT']).optional(),
  ipSetName: z.string().optional(),
  blockMinutes: z.number().int().min(5).optional(),
  /** PostgreSQL: the database inside the server, and the index limits (the schemas and secrets come from the scenario's `database`). */
  database: z.string().optional(),
  minImprovement: z.number().gt(0).lt(1).optional(),
  minCostReduction: z.number().gt(0).lt(1).optional(),
  maxStep: z.number().int().min(1).default(2),
  maxCapacity: z.number().int().min(1).optional(),
  maxAttempts: z.number().int().min(1).default(3),
  leaseSeconds: z.number().int().min(60).default(1_800),
  cooldownSeconds: z.number().int().min(0).default(900),
  verifyAfterSeconds: z.number().int().min(0).default(300),
  /** Autonomy per action for this resource, as the construct's `autonomy` prop sets it. */
  autonomy: AutonomyOverridesSchema.default({}),
  /** Targets an action may change on this resource's behalf. */
  dependencies: z.array(z.string()).default([]),
  approvalTimeoutSeconds: z.number().int().min(60).default(3_600),
  logGroupNames: z.array(z.string()).default([]),
  relatedMetrics: z.array(MetricRefSchema).default([]),
});

const SignalSchema = z.union([
  z.object({
    /** The alarm goes into ALARM; the world emits the EventBridge event CloudWatch would. */
    alarm: z.string(),
    /** How many times EventBridge delivers the same event (at-least-once delivery). */
    deliveries: z.number().int().min(1).default(1),
    /** Wait for every run started so far to finish before this signal arrives. */
    afterRunsSettle: z.boolean().default(false),
    /** Change groups' CPU demand just before the alarm fires, by group name. */
    setCpuDemand: z.record(z.string(), z.number().min(0)).default({}),
  }),
  z.object({
    /** A raw event, delivered as is: malformed, foreign or hand-made. */
    event: z.unknown(),
  }),
  z.object({
    /**
     * The log group's current lines reach the log intake through its
     * subscription filter, as one batch; every detection it publishes on
     * EventBridge is delivered to the incident intake, like an alarm.
     */
    logs: z.string(),
  }),
  z.object({
    /** Clients change their traffic (requests per minute, 0 to stop), after every run so far has finished. */
    traffic: z.record(z.string(), z.number().min(0)),
  }),
  z.object({
    /**
     * Time passes until every scheduled block has expired: after every run
     * so far has finished, each due schedule invokes the expiry function
     * with its payload, as EventBridge Scheduler would.
     */
    expireBlocks: z.literal(true),
  }),
  z.object({
    /**
     * A human resets the resource's circuit with the documented command
     * (`npx self-heal circuit reset`), after every run so far has finished.
     */
    resetCircuit: z.string(),
    by: z.string().default('on-call'),
  }),
]);

const LeaseSchema = z.object({
  resource: z.string(),
  holder: z.string(),
  /** Seconds until the existing lease expires; negative for a lease abandoned in the past. */
  expiresInSeconds: z.number().int(),
});

const ExpectSchema = z.object({
  /** Workflow executions started. */
  executions: z.number().int().min(0),
  /** Signals the intake rejected as malformed. */
  rejected: z.number().int().min(0).default(0),
  /** Signals grouped into a resource's open incident as evidence, starting no run. */
  grouped: z.number().int().min(0).default(0),
  /** Signals the intake ignored (unregistered alarm, not ALARM). */
  ignored: z.number().int().min(0).default(0),
  /** Final status of each incident, by resource name, in order of arrival. */
  incidents: z
    .array(
      z.object({
        resource: z.string(),
        status: z.enum(['resolved', 'escalated', 'skipped', 'observed', 'recommended', 'open']),
        attempts: z.number().int().min(0).optional(),
      }),
    )
    .default([]),
  /** Final desired capacity by group name. */
  groups: z.record(z.string(), z.object({ desiredCapacity: z.number().int() })).default({}),
  /** Final alarm state by name. */
  alarms: z.record(z.string(), z.enum(['OK', 'ALARM'])).default({}),
  /** SNS escalations published. */
  notifications: z.number().int().min(0).default(0),
  /** Final circuit state by resource name. */
  circuits: z.record(z.string(), z.enum(['open', 'closed'])).default({}),
  /** Final addresses of WAF IP sets, by `SCOPE/name`. */
  ipSets: z.record(z.string(), z.array(z.string())).default({}),
  /** Final image of Deployments, by `cluster/namespace/name`. */
  deployments: z.record(z.string(), z.string()).default({}),
  /** Final ConfigMap keys, by `cluster/namespace/name`, then key; null for a key that must be absent. */
  configMaps: z.record(z.string(), z.record(z.string(), z.string().nullable())).default({}),
  /** How many of this system's own (`selfheal_`) indexes the scenario's database has at the end. */
  ownIndexes: z.number().int().min(0).optional(),
  /** Expiry schedules still pending at the end. */
  pendingSchedules: z.number().int().min(0).optional(),
});

export const ScenarioSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string(),
  description: z.string(),
  mode: ModeSchema.default('auto'),
  resources: z.array(ScenarioResourceSchema).min(1),
  /** The deployment's guardrails: protected ranges and allowlisted namespaces. */
  guardrails: z.object({ protectedCidrs: z.array(z.string()).default([]), allowedNamespaces: z.array(z.string()).default([]) }).optional(),
  world: WorldSchema,
  leases: z.array(LeaseSchema).default([]),
  signals: z.array(SignalSchema).min(1),
  /**
   * A scripted model: the Decide step calls the fake Converse endpoint, which
   * answers with these replies in turn. Without it, the runbooks decide alone.
   */
  model: z
    .object({
      modelId: z.string().default('global.anthropic.claude-sonnet-4-6'),
      timeoutMs: z.number().int().min(1_000).default(5_000),
      replies: z.array(FakeReplySchema).min(1),
    })
    .optional(),
  /** How the human answers each approval request, in order (autonomy `approve`). */
  approvals: z.array(ApprovalStepSchema).default([]),
  /**
   * A PostgreSQL database behind an `rds-postgres` resource: the local
   * PostgreSQL when SELF_HEAL_PG_URL and SELF_HEAL_PG_READER_URL are set
   * (and `realPostgres` allows it), else the simulated one.
   */
  database: ScenarioDatabaseSchema.optional(),
  expect: ExpectSchema,
});
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

export function loadScenario(file: string): Scenario {
  const parsed = ScenarioSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a valid scenario:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The deployed-scope object the scenario's resources stand for. */
export function scopeOf(scenario: Scenario): Scope {
  return ScopeSchema.parse({
    mode: scenario.mode,
    resources: scenario.resources.map(scopeResourceOf),
    ...(scenario.guardrails === undefined ? {} : { guardrails: scenario.guardrails }),
  });
}

/** One scenario resource as the deployed scope holds it: only the fields of its kind. */
function scopeResourceOf(resource: Scenario['resources'][number]): Record<string, unknown> {
  const { kind, cluster, namespace, configMapDefaults, scope, ipSetName, blockMinutes, maxStep, maxCapacity, database, minImprovement, minCostReduction, ...shared } = resource;
  switch (kind) {
    case 'autoscaling-group':
      return { kind, maxStep, ...(maxCapacity === undefined ? {} : { maxCapacity }), ...shared };
    case 'eks-deployment':
      return { kind, cluster, namespace, configMapDefaults: configMapDefaults ?? {}, ...shared };
    case 'waf-web-acl':
      return { kind, scope: scope ?? 'REGIONAL', ipSetName, ...(blockMinutes === undefined ? {} : { blockMinutes }), ...shared };
    case 'rds-postgres':
      return {
        kind,
        database: database ?? 'selfheal',
        // The simulated database's schema; a run on a real PostgreSQL puts its own, unique one here.
        schemas: ['public'],
        readerSecretArn: scenarioSecretArn(resource.name, 'reader'),
        actorSecretArn: scenarioSecretArn(resource.name, 'actor'),
        ...(minImprovement === undefined ? {} : { minImprovement }),
        ...(minCostReduction === undefined ? {} : { minCostReduction }),
        ...shared,
      };
  }
}

/** The Secrets Manager secret of a scenario database's login; the local runtime answers it. */
export function scenarioSecretArn(resourceName: string, login: 'reader' | 'actor'): string {
  return `arn:aws:secretsmanager:us-east-1:123456789012:secret:${resourceName}-${login}-AbCdEf`;
}

/** The scope id of a scenario resource, by its name. */
export function resourceIdByName(scenario: Scenario, name: string): string {
  const resource = scopeOf(scenario).resources.find((candidate) => candidate.name === name);
  if (resource === undefined) throw new Error(`scenario ${scenario.name} has no resource named ${name}`);
  return resourceIdOf(resource);
}
