import * as z from 'zod';
import { ActionNameSchema, AutonomySchema } from './actions/catalog.js';
import { DEFAULT_FLAP_GUARD, FlapGuardSettingsSchema } from './flap-guard.js';
import { GuardrailSettingsSchema } from './index-advisor/guardrails.js';

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
 *
 * Every kind shares the fields below; each adds what its actions need.
 */
const ResourceScopeFields = {
  /** Alarms whose ALARM state opens an incident for this resource; they are also what verification watches. */
  alarmNames: z.array(z.string().min(1).max(255)).min(1),
  /**
   * Alarms that watch what an action could break (a database behind the
   * group, the error rate of a neighbour). One of them going into ALARM after
   * the action is an unintended consequence: the action is undone.
   */
  dependentAlarmNames: z.array(z.string().min(1).max(255)).max(20).default([]),
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
  /** Log groups whose recent lines are read into the incident's context, and whose detections open incidents. */
  logGroupNames: z.array(z.string().min(1).max(512)).max(5).default([]),
  /** Metrics read into the context next to the alarm's own. */
  relatedMetrics: z.array(MetricRefSchema).max(10).default([]),
  /** How long a plan waits for a human's approval before it escalates. */
  /** At most 12 hours, so the wait always ends inside the workflow's 24-hour timeout with room to escalate. */
  approvalTimeoutSeconds: z.number().int().min(60).max(43_200).default(3_600),
  /** Attempt budget, circuit breaker and cooldown ceiling: see `flap-guard.ts`. */
  flapGuard: FlapGuardSettingsSchema.default(DEFAULT_FLAP_GUARD),
};

export const AutoScalingGroupScopeSchema = z.object({
  kind: z.literal('autoscaling-group'),
  /** Name of the Auto Scaling group. */
  name: z.string().min(1).max(255),
  /** Largest number of instances one remediation step may add. */
  maxStep: z.number().int().min(1).max(100),
  /** Hard ceiling on desired capacity, applied on top of the group's own MaxSize. */
  maxCapacity: z.number().int().min(1).optional(),
  ...ResourceScopeFields,
});
export type AutoScalingGroupScope = z.infer<typeof AutoScalingGroupScopeSchema>;

const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'a Kubernetes object name');

/** A Kubernetes Deployment on an EKS cluster: rollback, restart, and ConfigMap fixes. */
export const EksDeploymentScopeSchema = z.object({
  kind: z.literal('eks-deployment'),
  /** EKS cluster name. */
  cluster: z.string().min(1).max(100),
  namespace: k8sName,
  /** Name of the Deployment. */
  name: k8sName,
  /**
   * The ConfigMaps a `patchEksConfigMap` plan may change, each with known
   * values for its keys (an empty record declares the ConfigMap without
   * defaults). A patch's value must be declared here, or read by BuildContext
   * from the ConfigMap's previous revision or from Parameter Store. Nothing
   * is ever invented.
   */
  configMapDefaults: z.record(k8sName, z.record(z.string(), z.string().max(4_096))).default({}),
  /**
   * Parameter Store path under which values for missing ConfigMap keys are
   * kept, as `<path><configMap>/<key>` (String parameters only; a
   * SecureString is never copied into a ConfigMap).
   */
  parameterStorePath: z
    .string()
    .regex(/^\/(?:[A-Za-z0-9_.-]+\/)*$/, 'a Parameter Store path such as /self-heal/shop/ (starts and ends with /)')
    .max(900)
    .optional(),
  ...ResourceScopeFields,
});
export type EksDeploymentScope = z.infer<typeof EksDeploymentScopeSchema>;

/** A site behind a WAF web ACL: abusive clients are blocked through one of its IP sets. */
export const WafWebAclScopeSchema = z.object({
  kind: z.literal('waf-web-acl'),
  /** Name of the web ACL. */
  name: z.string().min(1).max(128),
  scope: z.enum(['REGIONAL', 'CLOUDFRONT']),
  /** The IP set a block rule of the ACL uses; blocks are written there, and nowhere else. */
  ipSetName: z.string().min(1).max(128),
  /** How long a block lasts before it is removed automatically. */
  blockMinutes: z.number().int().min(5).max(1_440).default(60),
  ...ResourceScopeFields,
});
export type WafWebAclScope = z.infer<typeof WafWebAclScopeSchema>;

const pgIdentifier = z.string().regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'a lower-case PostgreSQL identifier');
const secretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'a Secrets Manager secret ARN');

/**
 * An RDS or Aurora PostgreSQL database whose slow queries may get the index
 * they are missing. Two logins, each in its own secret (the RDS secret
 * format: host, port, username, password, dbname): a read-only one for the
 * context and the measurements, and one that may `CREATE` in the allowed
 * schemas, for the index and its undo. The name is the DB instance (or
 * Aurora cluster) identifier.
 */
export const RdsPostgresScopeSchema = z.object({
  kind: z.literal('rds-postgres'),
  /** DB instance identifier, or Aurora DB cluster identifier. */
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'an RDS DB instance or cluster identifier'),
  /** `instance` for RDS for PostgreSQL, `cluster` for Aurora PostgreSQL. */
  engine: z.enum(['instance', 'cluster']).default('instance'),
  /** Database (inside the server) whose queries are advised. */
  database: z.string().min(1).max(63),
  /** Schemas whose tables may get an index; nothing outside them is ever touched. */
  schemas: z.array(pgIdentifier).min(1).max(20).default(['public']),
  /** Secret of the read-only login (pg_read_all_stats, SELECT, hypopg). */
  readerSecretArn: secretArn,
  /** Secret of the login that creates and drops the system's own indexes (CREATE on the schemas). */
  actorSecretArn: secretArn,
  /** Performance Insights resource id (`db-…`) for top SQL by load; without it, pg_stat_statements alone ranks the queries. */
  performanceInsightsResourceId: z.string().regex(/^(db|cluster)-[A-Z0-9]+$/).optional(),
  /** Smallest planner cost reduction (HypoPG) worth an index, as a fraction. */
  minCostReduction: z.number().gt(0).lt(1).default(0.5),
  /** Smallest measured drop of the query's mean time, as a fraction, for the index to be kept. */
  minImprovement: z.number().gt(0).lt(1).default(0.3),
  /** Table size, write rate, indexes per table and maintenance window limits (`index-advisor/guardrails.ts`). */
  indexGuardrails: GuardrailSettingsSchema.prefault({}),
  ...ResourceScopeFields,
});
export type RdsPostgresScope = z.infer<typeof RdsPostgresScopeSchema>;

export const ResourceScopeSchema = z.discriminatedUnion('kind', [AutoScalingGroupScopeSchema, EksDeploymentScopeSchema, WafWebAclScopeSchema, RdsPostgresScopeSchema]);
export type ResourceScope = z.infer<typeof ResourceScopeSchema>;
export type ResourceKind = ResourceScope['kind'];

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
    const logOwners = new Map<string, string>();
    for (const resource of scope.resources) {
      const id = resourceIdOf(resource);
      for (const alarmName of resource.alarmNames) {
        const owner = owners.get(alarmName);
        if (owner !== undefined && owner !== id) {
          ctx.addIssue({
            code: 'custom',
            message: `alarm "${alarmName}" is registered for both "${owner}" and "${id}"`,
          });
        }
        owners.set(alarmName, id);
      }
      for (const logGroupName of resource.logGroupNames) {
        const owner = logOwners.get(logGroupName);
        // Deployments may share a cluster's container log group: their streams name the pod.
        const shared = resource.kind === 'eks-deployment' && owner?.startsWith('eks-deployment/') === true;
        if (owner !== undefined && owner !== id && !shared) {
          ctx.addIssue({ code: 'custom', message: `log group "${logGroupName}" is read for both "${owner}" and "${id}"; a detection must name one resource` });
        }
        logOwners.set(logGroupName, id);
      }
      if (resource.kind === 'eks-deployment' && !scope.guardrails.allowedNamespaces.includes(resource.namespace)) {
        ctx.addIssue({ code: 'custom', message: `${id}: namespace "${resource.namespace}" is not in guardrails.allowedNamespaces` });
      }
    }
  });
export type Scope = z.infer<typeof ScopeSchema>;

/** Stable identifier of a resource, used as the key of its lease and history. */
export function resourceIdOf(resource: ResourceRef): string {
  if (resource.kind === 'eks-deployment') return `eks-deployment/${resource.cluster}/${resource.namespace}/${resource.name}`;
  return `${resource.kind}/${resource.name}`;
}

/** What names a resource: its kind and name, and for a Deployment its cluster and namespace. */
export type ResourceRef =
  | { kind: 'autoscaling-group' | 'waf-web-acl' | 'rds-postgres'; name: string }
  | { kind: 'eks-deployment'; cluster: string; namespace: string; name: string };

/** The `kind/...` targets an action may change for this resource: itself, what it implies, and its declared dependencies. */
export function allowedTargetsOf(resource: ResourceScope): string[] {
  const implied: string[] = [];
  if (resource.kind === 'waf-web-acl') implied.push(`waf-ip-set/${resource.scope}/${resource.ipSetName}`);
  if (resource.kind === 'eks-deployment') {
    for (const configMap of Object.keys(resource.configMapDefaults)) implied.push(`eks-configmap/${resource.cluster}/${resource.namespace}/${configMap}`);
  }
  // Any table of an allowed schema; the policy also requires the advisor's own recommendation.
  if (resource.kind === 'rds-postgres') for (const schema of resource.schemas) implied.push(`postgres-table/${resource.name}/${schema}/*`);
  return [...new Set([resourceIdOf(resource), ...implied, ...resource.dependencies])];
}

/**
 * The registered resource a log line is about: the one that reads its log
 * group, or, where several Deployments share a cluster's container log group,
 * the one whose pods write the stream (`<pod>_<namespace>_<container>`, as
 * Container Insights names it; a pod's name starts with its Deployment's).
 */
export function findResourceByLogGroup(scope: Scope, logGroupName: string, logStream = ''): ResourceScope | undefined {
  const readers = scope.resources.filter((resource) => resource.logGroupNames.includes(logGroupName));
  if (readers.length <= 1) return readers[0];
  const [pod = '', namespace = ''] = logStream.split('_');
  return readers.find((resource) => resource.kind === 'eks-deployment' && resource.namespace === namespace && pod.startsWith(`${resource.name}-`));
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
