import { Duration, Token } from 'aws-cdk-lib';
import { parseCidr } from '../lambdas/shared/addresses.js';
import type { ActionName, Autonomy } from '../lambdas/shared/actions/catalog.js';
import { ScopeSchema, type Mode, type Scope } from '../lambdas/shared/scope.js';
import { FlapGuardSettingsSchema } from '../lambdas/shared/flap-guard.js';
import { type FlapGuardProps, flapGuardSettings } from './flap-guard-props.js';
import { AUTO_SCALING_GROUP_DEFAULTS, type AutoScalingGroupTarget } from './auto-scaling-group-target.js';
import { CLOUDFRONT_WAF_REGION, ipSetOf } from './declared-resources.js';
import type { EksDeploymentTarget } from './eks-deployment-target.js';
import { POSTGRES_DATABASE_DEFAULTS, type PostgresDatabaseTarget, resolvePostgresDatabase } from './postgres-database-target.js';
import { LEASE_MARGIN, REMEDIATION_TARGET_DEFAULTS, type RemediationTarget } from './remediation-target.js';
import { WEB_ACL_DEFAULTS, type WebAclTarget } from './web-acl-target.js';

/** Thrown at synth time when the resources handed to `SelfHealing` cannot be turned into a valid scope. */
export class InvalidResourceScopeError extends Error {
  override name = 'InvalidResourceScopeError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid self-healing resource scope:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export interface ResourceScopeInput {
  readonly mode: Mode;
  readonly autoScalingGroups?: readonly AutoScalingGroupTarget[];
  readonly eksDeployments?: readonly EksDeploymentTarget[];
  readonly webAcls?: readonly WebAclTarget[];
  readonly postgresDatabases?: readonly PostgresDatabaseTarget[];
  /** Default for targets that do not set their own `maxAttempts`. */
  readonly maxAttempts: number;
  /** Autonomy per action for every target. */
  readonly autonomy?: Partial<Record<ActionName, Autonomy>>;
  /** Attempt budget, circuit breaker and cooldown ceiling for every target. */
  readonly flapGuard?: FlapGuardProps;
  /** Limits no plan may cross. */
  readonly guardrails?: { readonly protectedCidrs?: readonly string[]; readonly allowedNamespaces?: readonly string[] };
  /**
   * The stack's region and account, where known at synth: declared ARNs
   * (clusters, IP sets) must be in them, since the functions call AWS there.
   *
   * @default - ARNs are checked for shape only
   */
  readonly environment?: { readonly region?: string; readonly account?: string };
}

/** The `RESOURCE_SCOPE` field each shared prop ends up in, to name props (not scope fields) in errors. */
const SHARED_PROP_NAMES: Record<string, string> = {
  alarmNames: 'alarms',
  dependentAlarmNames: 'dependentAlarms',
  leaseSeconds: 'leaseDuration (in seconds)',
  cooldownSeconds: 'cooldown (in seconds)',
  verifyAfterSeconds: 'verifyAfter (in seconds)',
  approvalTimeoutSeconds: 'approvalTimeout (in seconds)',
};

/** Per kind: the prop each kind-specific scope field comes from. */
const KIND_PROP_NAMES: Record<Scope['resources'][number]['kind'], Record<string, string>> = {
  'autoscaling-group': { name: 'autoScalingGroupName' },
  'eks-deployment': { name: 'deployment' },
  'waf-web-acl': { name: 'webAclName', ipSetName: 'ipSet.name', blockMinutes: 'blockDuration (in minutes)' },
  'rds-postgres': {
    name: 'instance / cluster (its identifier)',
    engine: 'instance / cluster',
    database: 'databaseName',
    readerSecretArn: 'readerSecret',
    actorSecretArn: 'actorSecret',
    indexGuardrails: 'guardrails',
  },
};

/** The `flapGuard` prop each settings field comes from. */
const FLAP_GUARD_PROP_NAMES: Record<string, string> = {
  budgetWindowSeconds: 'budgetWindow (in seconds)',
  maxCooldownSeconds: 'maxCooldown (in seconds)',
};

const EKS_CLUSTER_ARN = /^arn:[a-z-]+:eks:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/;
const WAF_IP_SET_ARN = /^arn:[a-z-]+:wafv2:([a-z0-9-]+):(\d{12}):(regional|global)\/ipset\/([^/]+)\/([^/]+)$/;
const WAF_ID = /^[0-9A-Za-z-]{1,36}$/;
const SECRET_ARN = /^arn:[a-z-]+:secretsmanager:([a-z0-9-]+):(\d{12}):secret:.+$/;

/**
 * Stand-ins for values CloudFormation resolves at deploy time (a secret or a
 * Performance Insights id created in the same app): the scope is validated
 * with them, and the tokens go back into the result.
 */
const TOKEN_STAND_INS = {
  readerSecretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:token-reader-AAAAAA',
  actorSecretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:token-actor-AAAAAA',
  performanceInsightsResourceId: 'db-TOKEN',
} as const;

/** Where a resource came from in the props, for error messages. */
interface Origin {
  readonly label: string;
  readonly kind: Scope['resources'][number]['kind'];
}

/**
 * Turns construct props into the `Scope` the functions read from `RESOURCE_SCOPE`,
 * and checks it with the same `ScopeSchema` the functions use, so a deployment
 * can never hand its functions a scope they would reject.
 *
 * @throws InvalidResourceScopeError listing every problem found
 */
export function buildResourceScope(input: ResourceScopeInput): Scope {
  const problems: string[] = [];
  const autoScalingGroups = input.autoScalingGroups ?? [];
  const eksDeployments = input.eksDeployments ?? [];
  const webAcls = input.webAcls ?? [];
  const postgresDatabases = input.postgresDatabases ?? [];
  const allowedNamespaces = input.guardrails?.allowedNamespaces ?? [];
  const literal = (value: string | undefined) => (value !== undefined && !Token.isUnresolved(value) ? value : undefined);
  const quoted = (value: string | undefined) => (literal(value) === undefined ? '' : ` ("${value}")`);
  const seconds = (where: string, value: Duration): number => {
    try {
      return value.toSeconds();
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      return Number.NaN;
    }
  };
  /** Pins an ARN's account (and, unless it is a CloudFront resource, its region) to the stack's, where known. */
  const checkEnvironment = (where: string, what: string, arn: { region: string; account: string }, checkRegion: boolean) => {
    const environment = input.environment;
    if (environment?.account !== undefined && arn.account !== environment.account) {
      problems.push(`${where}: ${what} is in account ${arn.account}, not the stack's account ${environment.account}`);
    }
    if (checkRegion && environment?.region !== undefined && arn.region !== environment.region) {
      problems.push(`${where}: ${what} is in ${arn.region}, not the stack's region ${environment.region}; the functions call AWS in their own region`);
    }
  };

  if (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1 || input.maxAttempts > 10) {
    problems.push(`maxAttempts: must be an integer from 1 to 10, got ${input.maxAttempts}`);
  }
  if (autoScalingGroups.length + eksDeployments.length + webAcls.length + postgresDatabases.length === 0) {
    problems.push('register at least one target: autoScalingGroups, eksDeployments, webAcls or postgresDatabases');
  }

  // Deployment-wide, so checked once and named as the prop, not once per target.
  let flapGuard = {};
  try {
    const settings = flapGuardSettings(input.flapGuard);
    const checked = FlapGuardSettingsSchema.safeParse(settings);
    if (checked.success) flapGuard = settings;
    else for (const issue of checked.error.issues) problems.push(`flapGuard.${FLAP_GUARD_PROP_NAMES[String(issue.path[0])] ?? issue.path.join('.')}: ${issue.message}`);
  } catch (error) {
    problems.push(`flapGuard: ${(error as Error).message}`);
  }

  /** What every kind shares, with every default filled in. */
  const sharedFields = (where: string, target: RemediationTarget) => {
    if (target.alarms.length === 0) {
      problems.push(`${where}.alarms: register at least one alarm whose ALARM state opens an incident (in alarms or anomalyAlarms)`);
    }
    const alarmNames = literalAlarmNames(`${where}.alarms`, target.alarms, problems);
    const dependentAlarmNames = literalAlarmNames(`${where}.dependentAlarms`, target.dependentAlarms ?? [], problems);
    for (const name of dependentAlarmNames.filter((candidate) => alarmNames.includes(candidate))) {
      problems.push(`${where}.dependentAlarms: alarm "${name}" is also one of the target's own alarms; a dependent alarm watches something else`);
    }

    const leaseSeconds = seconds(`${where}.leaseDuration`, target.leaseDuration ?? REMEDIATION_TARGET_DEFAULTS.leaseDuration);
    const verifyAfterSeconds = seconds(`${where}.verifyAfter`, target.verifyAfter ?? REMEDIATION_TARGET_DEFAULTS.verifyAfter);
    const cooldownSeconds = seconds(`${where}.cooldown`, target.cooldown ?? REMEDIATION_TARGET_DEFAULTS.cooldown);
    const marginSeconds = LEASE_MARGIN.toSeconds();
    if (Number.isFinite(leaseSeconds + verifyAfterSeconds) && leaseSeconds <= verifyAfterSeconds + marginSeconds) {
      problems.push(
        `${where}.leaseDuration: must be longer than verifyAfter plus ${marginSeconds / 60} minutes ` +
          `(${verifyAfterSeconds + marginSeconds}s), got ${leaseSeconds}s`,
      );
    }
    return {
      alarmNames,
      dependentAlarmNames,
      maxAttempts: target.maxAttempts ?? input.maxAttempts,
      leaseSeconds,
      cooldownSeconds,
      verifyAfterSeconds,
      autonomy: { ...target.autonomy },
      dependencies: [...(target.dependencies ?? [])],
      logGroupNames: [...(target.logGroupNames ?? [])],
      relatedMetrics: [...(target.relatedMetrics ?? [])],
      flapGuard,
      ...(target.approvalTimeout === undefined
        ? {}
        : { approvalTimeoutSeconds: seconds(`${where}.approvalTimeout`, target.approvalTimeout) }),
    };
  };

  const origins: Origin[] = [];
  const resources: unknown[] = [];

  const groupNames = new Set<string>();
  autoScalingGroups.forEach((target, index) => {
    const where = `autoScalingGroups[${index}]${quoted(target.autoScalingGroupName)}`;
    const name = target.autoScalingGroupName;
    if (Token.isUnresolved(name)) {
      problems.push(`${where}.autoScalingGroupName: must be a literal string known at synth time, got a token`);
    } else if (groupNames.has(name)) {
      problems.push(`${where}.autoScalingGroupName: "${name}" is registered more than once`);
    }
    groupNames.add(name);
    origins.push({ label: where, kind: 'autoscaling-group' });
    resources.push({
      kind: 'autoscaling-group' as const,
      name,
      maxStep: target.maxStep ?? AUTO_SCALING_GROUP_DEFAULTS.maxStep,
      ...(target.maxCapacity === undefined ? {} : { maxCapacity: target.maxCapacity }),
      ...sharedFields(where, target),
    });
  });

  const deploymentIds = new Set<string>();
  eksDeployments.forEach((target, index) => {
    const id = [target.cluster, target.namespace, target.deployment].every((part) => literal(part) !== undefined)
      ? `${target.cluster}/${target.namespace}/${target.deployment}`
      : undefined;
    const where = `eksDeployments[${index}]${quoted(id)}`;
    for (const [prop, value] of [['cluster', target.cluster], ['namespace', target.namespace], ['deployment', target.deployment]] as const) {
      if (Token.isUnresolved(value)) problems.push(`${where}.${prop}: must be a literal string known at synth time, got a token`);
    }
    if (id !== undefined && deploymentIds.has(id)) problems.push(`${where}: Deployment "${id}" is registered more than once`);
    if (id !== undefined) deploymentIds.add(id);
    if (literal(target.namespace) !== undefined && !allowedNamespaces.includes(target.namespace)) {
      problems.push(
        `${where}.namespace: "${target.namespace}" is not in guardrails.allowedNamespaces ` +
          `(allowed: ${allowedNamespaces.length === 0 ? 'none' : allowedNamespaces.join(', ')}); ` +
          'add it there to let actions touch this namespace',
      );
    }
    const clusterArn = literal(target.clusterArn);
    if (clusterArn !== undefined) {
      const match = EKS_CLUSTER_ARN.exec(clusterArn);
      if (match === null) {
        problems.push(`${where}.clusterArn: "${clusterArn}" is not an EKS cluster ARN (arn:<partition>:eks:<region>:<account>:cluster/<name>)`);
      } else {
        if (literal(target.cluster) !== undefined && match[3] !== target.cluster) {
          problems.push(`${where}.clusterArn: names cluster "${match[3]}", not "${target.cluster}"`);
        }
        checkEnvironment(`${where}.clusterArn`, `cluster "${match[3]}"`, { region: match[1]!, account: match[2]! }, true);
      }
    }
    origins.push({ label: where, kind: 'eks-deployment' });
    resources.push({
      kind: 'eks-deployment' as const,
      cluster: target.cluster,
      namespace: target.namespace,
      name: target.deployment,
      configMapDefaults: Object.fromEntries(Object.entries(target.configMapDefaults ?? {}).map(([configMap, values]) => [configMap, { ...values }])),
      ...(target.parameterStorePath === undefined ? {} : { parameterStorePath: target.parameterStorePath }),
      ...sharedFields(where, target),
    });
  });

  const webAclNames = new Set<string>();
  const ipSetsByName = new Map<string, { id: string; arn: string; where: string }>();
  webAcls.forEach((target, index) => {
    const where = `webAcls[${index}]${quoted(target.webAclName)}`;
    if (Token.isUnresolved(target.webAclName)) {
      problems.push(`${where}.webAclName: must be a literal string known at synth time, got a token`);
    } else if (webAclNames.has(target.webAclName)) {
      problems.push(`${where}.webAclName: "${target.webAclName}" is registered more than once`);
    }
    webAclNames.add(target.webAclName);

    const ipSet = ipSetOf(target);
    if ('cfnScope' in ipSet) {
      if (ipSet.cfnName === undefined || Token.isUnresolved(ipSet.cfnName)) {
        problems.push(`${where}.ipSet: the CfnIPSet needs a literal name (its name goes into the scope the policy checks)`);
      }
      if (literal(ipSet.cfnScope) !== undefined && ipSet.cfnScope !== target.scope) {
        problems.push(`${where}.ipSet: the CfnIPSet has scope ${ipSet.cfnScope}, the web ACL ${target.scope}`);
      }
    } else {
      if (Token.isUnresolved(ipSet.name)) problems.push(`${where}.ipSet.name: must be a literal string known at synth time, got a token`);
      if (literal(ipSet.id) !== undefined && !WAF_ID.test(ipSet.id)) {
        problems.push(`${where}.ipSet.id: "${ipSet.id}" is not a WAF id (up to 36 letters, digits and hyphens)`);
      }
      const arn = literal(ipSet.arn);
      if (arn !== undefined) {
        const match = WAF_IP_SET_ARN.exec(arn);
        if (match === null) {
          problems.push(`${where}.ipSet.arn: "${arn}" is not a WAF IP set ARN (arn:<partition>:wafv2:<region>:<account>:<regional|global>/ipset/<name>/<id>)`);
        } else {
          const [, region, account, kind, name, id] = match as unknown as [string, string, string, string, string, string];
          if (kind !== (target.scope === 'CLOUDFRONT' ? 'global' : 'regional')) {
            problems.push(`${where}.ipSet.arn: a ${kind} IP set cannot serve a ${target.scope} web ACL`);
          }
          if (target.scope === 'CLOUDFRONT' && region !== CLOUDFRONT_WAF_REGION) {
            problems.push(`${where}.ipSet.arn: CLOUDFRONT IP sets live in ${CLOUDFRONT_WAF_REGION}, not ${region}`);
          }
          if (literal(ipSet.name) !== undefined && name !== ipSet.name) problems.push(`${where}.ipSet.arn: names IP set "${name}", not "${ipSet.name}"`);
          if (literal(ipSet.id) !== undefined && id !== ipSet.id) problems.push(`${where}.ipSet.arn: has id "${id}", not "${ipSet.id}"`);
          checkEnvironment(`${where}.ipSet.arn`, `IP set "${name}"`, { region, account }, target.scope === 'REGIONAL');
        }
      }
    }
    const key = `${target.scope}/${ipSet.name}`;
    const known = ipSetsByName.get(key);
    if (known === undefined) {
      ipSetsByName.set(key, { id: ipSet.id, arn: ipSet.arn, where });
    } else if (known.id !== ipSet.id || known.arn !== ipSet.arn) {
      problems.push(`${where}.ipSet: IP set ${key} is declared by ${known.where} with another id or ARN`);
    }

    let blockMinutes = WEB_ACL_DEFAULTS.blockDuration.toMinutes();
    if (target.blockDuration !== undefined) {
      const blockSeconds = seconds(`${where}.blockDuration`, target.blockDuration);
      if (Number.isFinite(blockSeconds) && blockSeconds % 60 !== 0) {
        problems.push(`${where}.blockDuration: must be whole minutes, got ${blockSeconds}s`);
      }
      blockMinutes = Math.round(blockSeconds / 60);
    }

    origins.push({ label: where, kind: 'waf-web-acl' });
    resources.push({
      kind: 'waf-web-acl' as const,
      name: target.webAclName,
      scope: target.scope,
      ipSetName: ipSet.name,
      blockMinutes,
      ...sharedFields(where, target),
    });
  });

  /** Per resource index: the scope fields whose deploy-time tokens replace their stand-ins after validation. */
  const deployTimeValues = new Map<number, Partial<Record<keyof typeof TOKEN_STAND_INS, string>>>();
  const databaseNames = new Set<string>();
  postgresDatabases.forEach((target, index) => {
    const database = resolvePostgresDatabase(target);
    const where = `postgresDatabases[${index}]${quoted(database?.identifier)}`;
    if (database === undefined) {
      const given = target.instance === undefined ? 'neither' : 'both';
      problems.push(`${where}: give exactly one of instance (RDS for PostgreSQL) and cluster (Aurora PostgreSQL), got ${given}`);
    } else if (database.identifier === undefined) {
      problems.push(
        `${where}.${database.engine}: the ${database.engine} identifier must be known at synth time; ` +
          (database.engine === 'instance'
            ? 'set instanceIdentifier on the DatabaseInstance, or import it with DatabaseInstance.fromDatabaseInstanceAttributes'
            : 'set clusterIdentifier on the DatabaseCluster, or import it with DatabaseCluster.fromDatabaseClusterAttributes'),
      );
    } else if (databaseNames.has(database.identifier)) {
      problems.push(`${where}: ${database.engine} "${database.identifier}" is registered more than once`);
    }
    if (database?.identifier !== undefined) databaseNames.add(database.identifier);
    if (Token.isUnresolved(target.databaseName)) problems.push(`${where}.databaseName: must be a literal string known at synth time, got a token`);

    const deployTime: Partial<Record<keyof typeof TOKEN_STAND_INS, string>> = {};
    const secretArnOf = (prop: 'readerSecret' | 'actorSecret', field: 'readerSecretArn' | 'actorSecretArn'): string | undefined => {
      const arn = target[prop].secretFullArn;
      if (arn === undefined) {
        problems.push(
          `${where}.${prop}: must be known by its complete ARN (a Secret created in the app, or Secret.fromSecretCompleteArn), ` +
            'so that GetSecretValue is granted on it alone, without a "-??????" wildcard',
        );
        return undefined;
      }
      if (Token.isUnresolved(arn)) {
        deployTime[field] = arn;
        return TOKEN_STAND_INS[field];
      }
      const match = SECRET_ARN.exec(arn);
      if (match !== null) checkEnvironment(`${where}.${prop}`, 'the secret', { region: match[1]!, account: match[2]! }, true);
      return arn;
    };
    const readerSecretArn = secretArnOf('readerSecret', 'readerSecretArn');
    const actorSecretArn = secretArnOf('actorSecret', 'actorSecretArn');
    const readerArn = target.readerSecret.secretFullArn;
    if (target.readerSecret === target.actorSecret || (readerArn !== undefined && readerArn === target.actorSecret.secretFullArn)) {
      problems.push(`${where}.actorSecret: must be another login than readerSecret; only the function that builds indexes may read the actor's secret`);
    }
    let performanceInsightsResourceId = target.performanceInsightsResourceId;
    if (performanceInsightsResourceId !== undefined && Token.isUnresolved(performanceInsightsResourceId)) {
      deployTime.performanceInsightsResourceId = performanceInsightsResourceId;
      performanceInsightsResourceId = TOKEN_STAND_INS.performanceInsightsResourceId;
    }
    if (Object.keys(deployTime).length > 0) deployTimeValues.set(resources.length, deployTime);

    origins.push({ label: where, kind: 'rds-postgres' });
    resources.push({
      kind: 'rds-postgres' as const,
      name: database?.identifier ?? 'unknown',
      engine: database?.engine ?? 'instance',
      database: target.databaseName,
      schemas: [...(target.schemas ?? POSTGRES_DATABASE_DEFAULTS.schemas)],
      readerSecretArn: readerSecretArn ?? TOKEN_STAND_INS.readerSecretArn,
      actorSecretArn: actorSecretArn ?? TOKEN_STAND_INS.actorSecretArn,
      ...(performanceInsightsResourceId === undefined ? {} : { performanceInsightsResourceId }),
      minCostReduction: target.minCostReduction ?? POSTGRES_DATABASE_DEFAULTS.minCostReduction,
      minImprovement: target.minImprovement ?? POSTGRES_DATABASE_DEFAULTS.minImprovement,
      indexGuardrails: {
        ...target.guardrails,
        ...(target.guardrails?.maintenanceWindow === undefined
          ? {}
          : {
              maintenanceWindow: {
                ...target.guardrails.maintenanceWindow,
                ...(target.guardrails.maintenanceWindow.days === undefined ? {} : { days: [...target.guardrails.maintenanceWindow.days] }),
              },
            }),
      },
      ...sharedFields(where, target),
    });
  });

  const parsed = ScopeSchema.safeParse({
    mode: input.mode,
    resources,
    autonomy: { ...input.autonomy },
    guardrails: {
      protectedCidrs: [...(input.guardrails?.protectedCidrs ?? [])],
      allowedNamespaces: [...allowedNamespaces],
    },
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [first, index, field, ...rest] = issue.path;
      const origin = first === 'resources' && typeof index === 'number' ? origins[index] : undefined;
      if (origin !== undefined) {
        if (field === undefined) {
          problems.push(`${origin.label}: ${issue.message}`);
        } else {
          const prop = typeof field === 'string' ? (KIND_PROP_NAMES[origin.kind][field] ?? SHARED_PROP_NAMES[field] ?? field) : String(field);
          const suffix = rest.length > 0 ? `[${rest.join('][')}]` : '';
          problems.push(`${origin.label}.${prop}${suffix}: ${issue.message}`);
        }
      } else if (issue.message.includes('is not in guardrails.allowedNamespaces')) {
        // Already reported above, naming the prop.
      } else {
        problems.push(`${issue.path.length > 0 ? issue.path.join('.') : 'scope'}: ${issue.message}`);
      }
    }
  }

  (input.guardrails?.protectedCidrs ?? []).forEach((cidr, index) => {
    if (parseCidr(cidr) === undefined) problems.push(`guardrails.protectedCidrs[${index}]: "${cidr}" is not a CIDR (e.g. 203.0.113.0/24)`);
  });

  if (problems.length > 0) {
    throw new InvalidResourceScopeError(problems);
  }
  const scope = parsed.data!;
  return {
    ...scope,
    resources: scope.resources.map((resource, index) => {
      const deployTime = deployTimeValues.get(index);
      return deployTime === undefined ? resource : { ...resource, ...deployTime };
    }),
  };
}

/** The alarms' names, each known at synth time and listed once; problems are added for the others. */
function literalAlarmNames(where: string, alarms: readonly { alarmName: string }[], problems: string[]): string[] {
  const names: string[] = [];
  alarms.forEach((alarm, alarmIndex) => {
    if (Token.isUnresolved(alarm.alarmName)) {
      problems.push(
        `${where}[${alarmIndex}]: the alarm name must be known at synth time; ` +
          'import the alarm by name or by an ARN whose last part is literal',
      );
    } else if (names.includes(alarm.alarmName)) {
      problems.push(`${where}[${alarmIndex}]: alarm "${alarm.alarmName}" is listed twice`);
    } else {
      names.push(alarm.alarmName);
    }
  });
  return names;
}
