import { ACTIONS, type ActionName, AUTONOMY_LEVELS, type Autonomy, isActionName, parseActionParams, targetAllowedBy } from '../shared/actions/catalog.js';
import type { Incident } from '../shared/incident.js';
import { allowedTargetsOf, type EksDeploymentScope, findResourceById, type RdsPostgresScope, type ResourceScope, type Scope } from '../shared/scope.js';
import type { Decision, IncidentContext, PolicyCheck, PolicyVerdict } from '../shared/workflow.js';
import { isSingleHost, NON_PUBLIC_RANGES, parseCidr, protectedRanges } from '../shared/addresses.js';

export interface PolicyInput {
  incident: Incident;
  context: IncidentContext;
  decision: Decision;
  /** The deployed scope, read from the function's environment, never from the plan. */
  scope: Scope;
}

const rank = (level: Autonomy) => AUTONOMY_LEVELS.indexOf(level);
const lower = (a: Autonomy, b: Autonomy): Autonomy => (rank(a) <= rank(b) ? a : b);

type Params = Record<string, unknown>;

/** A block may last at most as long as the site's scope allows. */
function blockDuration(minutes: number, resource: ResourceScope): PolicyCheck {
  const limit = resource.kind === 'waf-web-acl' ? resource.blockMinutes : undefined;
  const passed = limit !== undefined && minutes <= limit;
  return {
    name: 'block-duration',
    passed,
    detail: limit === undefined ? `${resource.kind} resources cannot block addresses` : `${minutes} min, at most ${limit} min`,
  };
}

/**
 * A ConfigMap patch sets only a value from a trusted source: declared in the
 * deployed scope, or read by BuildContext from the ConfigMap's previous
 * revision or Parameter Store (`context.kubernetes.trustedValues`). The plan
 * (a model's or a runbook's) is never the source.
 */
function trustedValueCheck(params: Params, resource: EksDeploymentScope, context: IncidentContext): PolicyCheck {
  const configMap = String(params.configMap);
  const key = String(params.key);
  const label = `${configMap}.${key}`;
  const declaredMap = Object.hasOwn(resource.configMapDefaults, configMap) ? resource.configMapDefaults[configMap] : undefined;
  const declared = declaredMap !== undefined && Object.hasOwn(declaredMap, key) ? declaredMap[key] : undefined;
  if (declared !== undefined && declared === params.value) {
    return { name: 'value-trusted', passed: true, detail: `the value for ${label} is the one declared in the scope` };
  }
  const read = (context.kubernetes?.trustedValues ?? []).find((value) => value.configMap === configMap && value.key === key && value.value === params.value);
  if (read !== undefined) {
    return { name: 'value-trusted', passed: true, detail: `the value for ${label} is the one read from ${read.detail}` };
  }
  return { name: 'value-trusted', passed: false, detail: `no declared or previously read value for ${label} matches the plan's; values are never invented` };
}

const sameColumns = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((column, position) => column === b[position]);

/**
 * An index plan builds exactly the index the advisor recommended in this
 * incident's context (read-only, HypoPG-scored, guardrails passed): same
 * schema, table, columns in the same order, and the same target query. The
 * plan's author (a model or a runbook) can never design an index of its own.
 */
function indexChecks(params: Params, resource: RdsPostgresScope, context: IncidentContext): PolicyCheck[] {
  const schema = String(params.schema);
  const table = `${schema}.${String(params.table)}`;
  const columns = Array.isArray(params.columns) ? params.columns : [];
  const database = context.database;
  const recommendation = database?.recommendation;
  const checks: PolicyCheck[] = [
    {
      name: 'same-database',
      passed: params.database === resource.name,
      detail: params.database === resource.name ? `${resource.name} is the incident's database` : `the plan names database ${String(params.database)}, not the incident's ${resource.name}`,
    },
    {
      name: 'schema-allowed',
      passed: resource.schemas.includes(schema),
      detail: resource.schemas.includes(schema) ? `schema ${schema} is allowed` : `schema ${schema} is not in the allowed schemas [${resource.schemas.join(', ')}]`,
    },
  ];
  if (recommendation === undefined) {
    const why = database === undefined ? 'the database was not inspected' : (database.refusal ?? 'the advisor recommended no index');
    checks.push({ name: 'matches-recommendation', passed: false, detail: `no index recommendation in the context (${why}); an index is never built without one` });
    return checks;
  }
  const wanted = recommendation.params;
  const same =
    wanted.schema === params.schema &&
    wanted.table === params.table &&
    sameColumns(wanted.columns, columns) &&
    (wanted.queryId === undefined || wanted.queryId === params.queryId);
  checks.push({
    name: 'matches-recommendation',
    passed: same,
    detail: same
      ? `${table} (${columns.join(', ')}) is the advisor's recommendation ${recommendation.indexName}, planner cost -${Math.floor(recommendation.costReduction * 100)}%`
      : `the plan's ${table} (${columns.join(', ')})${params.queryId === undefined ? '' : ` for query ${String(params.queryId)}`} is not the advisor's ${wanted.schema}.${wanted.table} (${wanted.columns.join(', ')})${wanted.queryId === undefined ? '' : ` for query ${wanted.queryId}`}`,
  });
  const guardrails = database?.guardrails;
  checks.push({
    name: 'guardrails-passed',
    passed: guardrails?.allowed === true,
    detail:
      guardrails === undefined
        ? 'the guardrails were not checked'
        : guardrails.allowed
          ? 'table size, write rate, index count and maintenance window are within the limits'
          : guardrails.findings.map((finding) => `${finding.reason}: ${finding.detail}`).join('; '),
  });
  return checks;
}

/** Per-action limits, checked against the live context and the deployed scope. */
function actionLimits(action: ActionName, params: Params, resource: ResourceScope, input: PolicyInput): PolicyCheck[] {
  const { scope, context, incident } = input;
  switch (action) {
    case 'scaleOutAsg': {
      const group = context.autoScalingGroup;
      if (resource.kind !== 'autoscaling-group' || group === undefined) {
        return [{ name: 'resource-kind', passed: false, detail: `scaleOutAsg needs an Auto Scaling group; ${incident.resource.id} is a ${resource.kind}` }];
      }
      const target = Number(params.targetCapacity);
      const ceiling = Math.min(group.maxSize, resource.maxCapacity ?? Number.POSITIVE_INFINITY);
      const step = target - group.desiredCapacity;
      return [
        { name: 'raises-capacity', passed: step >= 1, detail: `target ${target} vs current desired ${group.desiredCapacity}` },
        { name: 'within-max-step', passed: step <= resource.maxStep, detail: `step ${step}, maximum ${resource.maxStep}` },
        { name: 'within-ceiling', passed: target <= ceiling, detail: `target ${target}, ceiling ${ceiling} (MaxSize ${group.maxSize}${resource.maxCapacity === undefined ? '' : `, maxCapacity ${resource.maxCapacity}`})` },
      ];
    }
    case 'blockIpInWaf': {
      const cidr = String(params.cidr);
      const host = parseCidr(cidr);
      const guarded = protectedRanges(scope.guardrails.protectedCidrs);
      const nonPublic = protectedRanges(NON_PUBLIC_RANGES);
      const protectedBy = host === undefined ? undefined : guarded.contains(host.address);
      const nonPublicBy = host === undefined ? undefined : nonPublic.contains(host.address);
      return [
        { name: 'single-host', passed: isSingleHost(cidr), detail: `${cidr} must be one address (/32 or /128)` },
        {
          name: 'protected-ranges-valid',
          passed: guarded.invalid.length === 0,
          detail: guarded.invalid.length === 0 ? 'all protected ranges parse' : `unparseable protected ranges: ${guarded.invalid.join(', ')}`,
        },
        { name: 'not-protected', passed: protectedBy === undefined, detail: protectedBy === undefined ? `${cidr} is in no protected range` : `${cidr} is inside protected range ${protectedBy}` },
        { name: 'public-address', passed: nonPublicBy === undefined, detail: nonPublicBy === undefined ? `${cidr} is a public address` : `${cidr} is inside non-public range ${nonPublicBy}` },
        blockDuration(Number(params.durationMinutes), resource),
      ];
    }
    case 'rollbackEksDeployment':
    case 'restartEksDeployment':
    case 'patchEksConfigMap': {
      const namespace = String(params.namespace);
      const sameCluster = resource.kind === 'eks-deployment' && resource.cluster === params.cluster && resource.namespace === namespace;
      const kindCheck: PolicyCheck = {
        name: 'same-workload',
        passed: sameCluster,
        detail: sameCluster
          ? `${String(params.cluster)}/${namespace} is the incident's cluster and namespace`
          : `${action} must act in the incident's own cluster and namespace (${incident.resource.id})`,
      };
      const valueChecks: PolicyCheck[] = [];
      if (action === 'patchEksConfigMap' && resource.kind === 'eks-deployment') {
        valueChecks.push(trustedValueCheck(params, resource, context));
        if (params.restartDeployment !== undefined) {
          const own = params.restartDeployment === resource.name;
          valueChecks.push({
            name: 'restart-own-deployment',
            passed: own,
            detail: own ? `restarts ${resource.name} after the patch` : `may restart only the incident's Deployment ${resource.name}, not ${String(params.restartDeployment)}`,
          });
        }
      }
      const allowed = scope.guardrails.allowedNamespaces.includes(namespace);
      return [
        {
          name: 'namespace-allowed',
          passed: allowed,
          detail: allowed ? `namespace ${namespace} is allowlisted` : `namespace ${namespace} is not in the allowlist [${scope.guardrails.allowedNamespaces.join(', ')}]`,
        },
        kindCheck,
        ...valueChecks,
      ];
    }
    case 'createIndexConcurrently': {
      if (resource.kind !== 'rds-postgres') {
        return [{ name: 'resource-kind', passed: false, detail: `createIndexConcurrently needs a PostgreSQL database; ${incident.resource.id} is a ${resource.kind}` }];
      }
      return indexChecks(params, resource, context);
    }
    case 'escalateOnly':
      return [];
  }
}

/** The autonomy a plan may run with: the most specific setting, capped by the mode and by what is implemented. */
export function resolveAutonomy(action: ActionName, resource: ResourceScope, scope: Scope): { autonomy: Autonomy; because: string } {
  if (action === 'escalateOnly') return { autonomy: 'auto', because: 'escalation is always allowed' };
  const definition = ACTIONS[action];
  const configured = resource.autonomy[action] ?? scope.autonomy[action] ?? definition.defaultAutonomy;
  const origin = resource.autonomy[action] !== undefined ? 'the resource' : scope.autonomy[action] !== undefined ? 'the deployment' : 'the catalog default';
  let autonomy = configured;
  const caps: string[] = [];
  if (scope.mode === 'dry-run' && rank(autonomy) > rank('observe')) {
    autonomy = 'observe';
    caps.push('dry-run mode');
  }
  if (!definition.implemented && rank(autonomy) > rank('recommend')) {
    autonomy = lower(autonomy, 'recommend');
    caps.push(`${action} cannot be carried out automatically yet`);
  }
  return { autonomy, because: `${configured} from ${origin}${caps.length > 0 ? `, capped to ${autonomy} by ${caps.join(' and ')}` : ''}` };
}

/**
 * The deterministic policy. It runs after every decision, reads only the
 * deployed scope and the gathered context, and judges the plan: a known
 * action with valid params; a target that is the incident's own resource or
 * a declared dependency of it, and that matches the params; every
 * per-action limit. It then sets the autonomy the plan may run with.
 * Nothing in the plan — rationale, confidence, claimed target — can widen it.
 */
export function evaluatePolicy(input: PolicyInput): PolicyVerdict {
  const { incident, decision, scope } = input;
  const checks: PolicyCheck[] = [];
  const deny = (name: string, detail: string): PolicyVerdict => finish([...checks, { name, passed: false, detail }], 'observe');
  const finish = (all: PolicyCheck[], autonomy: Autonomy, because?: string): PolicyVerdict => {
    const reasons = all.filter((check) => !check.passed).map((check) => `${check.name}: ${check.detail}`);
    const allowed = reasons.length === 0;
    return {
      allowed,
      autonomy: allowed ? autonomy : 'observe',
      checks: all,
      reasons,
      summary: allowed
        ? `allowed: ${decision.action} on ${decision.target}, autonomy ${autonomy}${because === undefined ? '' : ` (${because})`}`
        : `denied: ${decision.action} on ${decision.target}: ${reasons.join('; ')}`,
    };
  };

  if (!isActionName(decision.action)) return deny('known-action', `${String(decision.action)} is not in the action catalog`);
  const action = decision.action;
  checks.push({ name: 'known-action', passed: true, detail: `${action} is in the catalog` });

  const params = parseActionParams(action, decision.params);
  if (!params.ok) return deny('valid-params', `invalid params for ${action}: ${params.error}`);
  checks.push({ name: 'valid-params', passed: true, detail: 'params match the catalog schema' });

  const resource = findResourceById(scope, incident.resource.id);
  if (resource === undefined) return deny('resource-in-scope', `${incident.resource.id} is not registered in the deployed scope`);
  checks.push({ name: 'resource-in-scope', passed: true, detail: `${incident.resource.id} is registered` });

  const actualTarget = (ACTIONS[action].targetOf as (params: Params) => string)(params.params);
  checks.push({
    name: 'target-matches-params',
    passed: actualTarget === decision.target,
    detail: actualTarget === decision.target ? `the params change ${actualTarget}` : `the plan claims ${decision.target} but its params change ${actualTarget}`,
  });
  if (action !== 'escalateOnly') {
    const own = actualTarget === incident.resource.id;
    const allowedTargets = allowedTargetsOf(resource).filter((target) => target !== incident.resource.id);
    const dependency = targetAllowedBy(allowedTargets, actualTarget);
    checks.push({
      name: 'target-allowed',
      passed: own || dependency,
      detail: own
        ? `${actualTarget} is the incident's own resource`
        : dependency
          ? `${actualTarget} is a declared dependency of ${incident.resource.id}`
          : `${actualTarget} is neither ${incident.resource.id} nor one of its declared dependencies [${allowedTargets.join(', ')}]`,
    });
  }
  checks.push(...actionLimits(action, params.params, resource, input));

  const { autonomy, because } = resolveAutonomy(action, resource, scope);
  checks.push({ name: 'autonomy', passed: true, detail: because });
  return finish(checks, autonomy, because);
}
