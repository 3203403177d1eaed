import * as z from 'zod';
import { CreateIndexParamsSchema } from '../index-advisor/advisor-schemas.js';

/**
 * The typed action catalog: every remediation the system can plan, with the
 * facts the policy and the reviewer need. The model picks from these as
 * tools (one tool per action, its JSON schema generated from `params`); the
 * runbooks name them; the policy checks them. Nothing outside the catalog
 * can be planned.
 */

export const AUTONOMY_LEVELS = ['observe', 'recommend', 'approve', 'auto'] as const;
export const AutonomySchema = z.enum(AUTONOMY_LEVELS);
/** `observe` records only; `recommend` notifies with the plan; `approve` waits for a human; `auto` acts. */
export type Autonomy = z.infer<typeof AutonomySchema>;

export type RiskLevel = 'low' | 'medium' | 'high';
export type TargetKind = 'autoscaling-group' | 'waf-ip-set' | 'eks-deployment' | 'eks-configmap' | 'postgres-table' | 'none';

const name = (what: string) => z.string().min(1).max(255).describe(what);
const k8sName = (what: string) =>
  z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name').describe(what);

export const ScaleOutAsgParamsSchema = z
  .object({
    autoScalingGroupName: name('Name of the Auto Scaling group to scale out; must be the incident resource.'),
    targetCapacity: z.number().int().min(1).max(10_000).describe('Desired capacity after the step (absolute, not a delta).'),
  })
  .strict();

export const BlockIpInWafParamsSchema = z
  .object({
    ipSetName: name('Name of the WAF IP set that holds blocked addresses.'),
    scope: z.enum(['REGIONAL', 'CLOUDFRONT']).describe('WAF scope of the IP set.'),
    cidr: z.string().min(3).max(64).describe('The single address to block, as /32 (IPv4) or /128 (IPv6).'),
    durationMinutes: z.number().int().min(5).max(1_440).describe('How long the block lasts before it is removed automatically.'),
  })
  .strict();

const EksDeploymentParams = {
  cluster: name('EKS cluster name.'),
  namespace: k8sName('Kubernetes namespace of the Deployment.'),
  deployment: k8sName('Name of the Deployment.'),
};
export const RollbackEksDeploymentParamsSchema = z.object(EksDeploymentParams).strict();
export const RestartEksDeploymentParamsSchema = z.object(EksDeploymentParams).strict();

export const PatchEksConfigMapParamsSchema = z
  .object({
    cluster: name('EKS cluster name.'),
    namespace: k8sName('Kubernetes namespace of the ConfigMap.'),
    configMap: k8sName('Name of the ConfigMap.'),
    key: z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/, 'a ConfigMap key').describe('Key to set.'),
    value: z.string().max(4_096).describe('Value to set; the previous value is kept for undo.'),
    restartDeployment: k8sName('Deployment in the same namespace to restart after the patch, so its pods read the new value; must be the incident\'s own.').optional(),
  })
  .strict();

/**
 * The advisor's `CreateIndexParamsSchema` (schema, table, columns, queryId),
 * plus the `rds-postgres` resource the table lives in, so the target
 * (`postgres-table/<database>/<schema>/<table>`) follows from the params
 * alone. The index name is never a param: it is derived from these fields.
 */
export const CreateIndexConcurrentlyParamsSchema = CreateIndexParamsSchema.extend({
  database: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'an RDS DB instance or cluster identifier')
    .describe("Name of the incident's rds-postgres resource (its DB instance or cluster identifier)."),
}).strict();

/** The advisor's params of a `createIndexConcurrently` plan, without the resource name. */
export function indexParamsOf(params: z.infer<typeof CreateIndexConcurrentlyParamsSchema>): z.infer<typeof CreateIndexParamsSchema> {
  const { database: _database, ...index } = params;
  return index;
}

/**
 * Whether a `kind/...` target is allowed by one of the patterns a scope
 * allows; a pattern ending in `/*` allows exactly one more path segment
 * (`postgres-table/<db>/<schema>/*` allows any table of that schema, and
 * nothing deeper).
 */
export function targetAllowedBy(patterns: readonly string[], target: string): boolean {
  return patterns.some((pattern) => {
    if (!pattern.endsWith('/*')) return pattern === target;
    const prefix = pattern.slice(0, -1);
    const rest = target.slice(prefix.length);
    return target.startsWith(prefix) && rest.length > 0 && !rest.includes('/');
  });
}

export const EscalateOnlyParamsSchema = z
  .object({ reason: z.string().min(1).max(1_000).describe('Why no automatic action is safe, for the human who takes over.') })
  .strict();

export interface ActionDefinition<TParams extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** What the action does, as the model reads it in the tool description. */
  readonly description: string;
  readonly params: TParams;
  readonly targetKind: TargetKind;
  readonly risk: RiskLevel;
  readonly reversible: boolean;
  /** How success is verified. */
  readonly verification: string;
  /** How the action is undone when verification fails. */
  readonly undo: string;
  /** The action that reverses this one; for ping-pong detection. */
  readonly inverse?: string;
  /** Autonomy when neither the deployment nor the resource sets one. */
  readonly defaultAutonomy: Autonomy;
  /** Whether the workflow can carry it out yet; a plan for an unimplemented action is escalated with the plan. */
  readonly implemented: boolean;
  /**
   * Whether a step that helped but did not yet clear the alarm is kept for
   * the next attempt to build on (scaling out one step at a time) rather
   * than undone.
   * @default false
   */
  readonly incremental?: boolean;
  /** The resource the action changes, as `kind/...`, from its validated params. */
  targetOf(params: z.infer<TParams>): string;
}

function define<TParams extends z.ZodType>(definition: ActionDefinition<TParams>): ActionDefinition<TParams> {
  return definition;
}

export const ACTIONS = {
  scaleOutAsg: define({
    name: 'scaleOutAsg',
    description:
      'Raise the desired capacity of the incident\'s Auto Scaling group to targetCapacity, for load the current instances cannot carry (CPU, request count). Never above MaxSize.',
    params: ScaleOutAsgParamsSchema,
    targetKind: 'autoscaling-group',
    risk: 'low',
    reversible: true,
    verification: "The incident's alarm returns to OK and no dependent alarm fires within the verification window.",
    undo: 'Set the desired capacity back to the value recorded before the action.',
    inverse: 'scaleInAsg',
    incremental: true,
    defaultAutonomy: 'auto',
    implemented: true,
    targetOf: (params) => `autoscaling-group/${params.autoScalingGroupName}`,
  }),
  blockIpInWaf: define({
    name: 'blockIpInWaf',
    description:
      'Add one client address that floods the site to a WAF IP set used by a block rule, for a limited time. Only for a single abusive address seen in the evidence.',
    params: BlockIpInWafParamsSchema,
    targetKind: 'waf-ip-set',
    risk: 'medium',
    reversible: true,
    verification: 'The request-rate alarm returns to OK and the blocked address stops appearing in the access logs.',
    undo: 'Remove the address from the IP set; every block also expires on its own.',
    inverse: 'unblockIpInWaf',
    defaultAutonomy: 'approve',
    implemented: true,
    targetOf: (params) => `waf-ip-set/${params.scope}/${params.ipSetName}`,
  }),
  rollbackEksDeployment: define({
    name: 'rollbackEksDeployment',
    description:
      'Roll a Kubernetes Deployment back to its previous revision (kubectl rollout undo), when a recent rollout coincides with the incident.',
    params: RollbackEksDeploymentParamsSchema,
    targetKind: 'eks-deployment',
    risk: 'high',
    reversible: true,
    verification: 'The rollout completes, pods are ready, and the alarm returns to OK.',
    undo: 'Roll forward to the revision that was live before the rollback.',
    inverse: 'rollForwardEksDeployment',
    defaultAutonomy: 'approve',
    implemented: true,
    targetOf: (params) => `eks-deployment/${params.cluster}/${params.namespace}/${params.deployment}`,
  }),
  restartEksDeployment: define({
    name: 'restartEksDeployment',
    description: 'Restart the pods of a Kubernetes Deployment (kubectl rollout restart), for stuck or leaking pods.',
    params: RestartEksDeploymentParamsSchema,
    targetKind: 'eks-deployment',
    risk: 'medium',
    reversible: false,
    verification: 'The rollout completes, pods are ready, and the alarm returns to OK.',
    undo: 'None needed: a restart changes no configuration; escalate if it does not help.',
    defaultAutonomy: 'approve',
    implemented: true,
    targetOf: (params) => `eks-deployment/${params.cluster}/${params.namespace}/${params.deployment}`,
  }),
  patchEksConfigMap: define({
    name: 'patchEksConfigMap',
    description:
      'Set one key of a ConfigMap, such as an environment variable the logs show is missing; the previous value is kept for undo.',
    params: PatchEksConfigMapParamsSchema,
    targetKind: 'eks-configmap',
    risk: 'high',
    reversible: true,
    verification: 'Pods that read the ConfigMap restart cleanly and the alarm returns to OK.',
    undo: 'Restore the previous value of the key, or remove it if it did not exist.',
    defaultAutonomy: 'approve',
    implemented: true,
    targetOf: (params) => `eks-configmap/${params.cluster}/${params.namespace}/${params.configMap}`,
  }),
  createIndexConcurrently: define({
    name: 'createIndexConcurrently',
    description:
      "Build the one btree index the index advisor recommended for a slow PostgreSQL query (CREATE INDEX CONCURRENTLY), with exactly the advisor's schema, table, columns and queryId from context.database.recommendation.params. Only when such a recommendation exists; never an index of your own design.",
    params: CreateIndexConcurrentlyParamsSchema,
    targetKind: 'postgres-table',
    risk: 'medium',
    reversible: true,
    verification:
      "The target query's mean execution time, from the pg_stat_statements delta since the build, drops by at least the resource's minImprovement, and no other busy query got slower.",
    undo: 'DROP INDEX CONCURRENTLY of the index this action built (a selfheal_ index); an index that was there before, or not ours, is never dropped.',
    inverse: 'dropIndexConcurrently',
    defaultAutonomy: 'approve',
    implemented: true,
    targetOf: (params) => `postgres-table/${params.database}/${params.schema}/${params.table}`,
  }),
  escalateOnly: define({
    name: 'escalateOnly',
    description: 'Take no automatic action and hand the incident to a human with the reason. Choose this whenever no other action is clearly safe and supported by the evidence.',
    params: EscalateOnlyParamsSchema,
    targetKind: 'none',
    risk: 'low',
    reversible: true,
    verification: 'None: a human takes over.',
    undo: 'None: nothing is changed.',
    defaultAutonomy: 'auto',
    implemented: true,
    targetOf: () => 'none',
  }),
} as const;

export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];
export const ActionNameSchema = z.enum(ACTION_NAMES as [ActionName, ...ActionName[]]);
export type ActionParams<TName extends ActionName> = z.infer<(typeof ACTIONS)[TName]['params']>;

export function isActionName(value: string): value is ActionName {
  return Object.hasOwn(ACTIONS, value);
}

/** Validates params for an action; the error names every wrong field. */
export function parseActionParams(action: ActionName, params: unknown): { ok: true; params: Record<string, unknown> } | { ok: false; error: string } {
  const parsed = ACTIONS[action].params.safeParse(params);
  if (parsed.success) return { ok: true, params: parsed.data as Record<string, unknown> };
  return { ok: false, error: z.prettifyError(parsed.error).replace(/\n/g, '; ') };
}

/** JSON schema of an action's params, for the model's tool definition. */
export function actionJsonSchema(action: ActionName): Record<string, unknown> {
  return z.toJSONSchema(ACTIONS[action].params, { target: 'draft-7' }) as Record<string, unknown>;
}
