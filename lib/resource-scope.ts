import { Duration, Token } from 'aws-cdk-lib';
import { parseCidr } from '../lambdas/shared/addresses.js';
import type { ActionName, Autonomy } from '../lambdas/shared/actions/catalog.js';
import { ScopeSchema, type Mode, type Scope } from '../lambdas/shared/scope.js';
import { FlapGuardSettingsSchema } from '../lambdas/shared/flap-guard.js';
import { type FlapGuardProps, flapGuardSettings } from './flap-guard-props.js';
import { AUTO_SCALING_GROUP_DEFAULTS, LEASE_MARGIN, type AutoScalingGroupTarget } from './auto-scaling-group-target.js';

/** Thrown at synth time when the resources handed to `SelfHealing` cannot be turned into a valid scope. */
export class InvalidResourceScopeError extends Error {
  override name = 'InvalidResourceScopeError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid self-healing resource scope:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export interface ResourceScopeInput {
  readonly mode: Mode;
  readonly autoScalingGroups: readonly AutoScalingGroupTarget[];
  /** Default for groups that do not set their own `maxAttempts`. */
  readonly maxAttempts: number;
  /** Autonomy per action for every group. */
  readonly autonomy?: Partial<Record<ActionName, Autonomy>>;
  /** Attempt budget, circuit breaker and cooldown ceiling for every group. */
  readonly flapGuard?: FlapGuardProps;
  /** Limits no plan may cross. */
  readonly guardrails?: { readonly protectedCidrs?: readonly string[]; readonly allowedNamespaces?: readonly string[] };
}

/** The `RESOURCE_SCOPE` field each prop ends up in, to name props (not scope fields) in errors. */
const PROP_NAMES: Record<string, string> = {
  name: 'autoScalingGroupName',
  alarmNames: 'alarms',
  leaseSeconds: 'leaseDuration (in seconds)',
  cooldownSeconds: 'cooldown (in seconds)',
  verifyAfterSeconds: 'verifyAfter (in seconds)',
  approvalTimeoutSeconds: 'approvalTimeout (in seconds)',
};

/** The `flapGuard` prop each settings field comes from. */
const FLAP_GUARD_PROP_NAMES: Record<string, string> = {
  budgetWindowSeconds: 'budgetWindow (in seconds)',
  maxCooldownSeconds: 'maxCooldown (in seconds)',
};

/**
 * Turns construct props into the `Scope` the functions read from `RESOURCE_SCOPE`,
 * and checks it with the same `ScopeSchema` the functions use, so a deployment
 * can never hand its functions a scope they would reject.
 *
 * @throws InvalidResourceScopeError listing every problem found
 */
export function buildResourceScope(input: ResourceScopeInput): Scope {
  const problems: string[] = [];
  const label = (index: number) => {
    const name = input.autoScalingGroups[index]?.autoScalingGroupName;
    return `autoScalingGroups[${index}]${name && !Token.isUnresolved(name) ? ` ("${name}")` : ''}`;
  };
  const seconds = (where: string, value: Duration): number => {
    try {
      return value.toSeconds();
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      return Number.NaN;
    }
  };

  if (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1 || input.maxAttempts > 10) {
    problems.push(`maxAttempts: must be an integer from 1 to 10, got ${input.maxAttempts}`);
  }
  if (input.autoScalingGroups.length === 0) {
    problems.push('autoScalingGroups: register at least one Auto Scaling group');
  }

  // Deployment-wide, so checked once and named as the prop, not once per group.
  let flapGuard = {};
  try {
    const settings = flapGuardSettings(input.flapGuard);
    const checked = FlapGuardSettingsSchema.safeParse(settings);
    if (checked.success) flapGuard = settings;
    else for (const issue of checked.error.issues) problems.push(`flapGuard.${FLAP_GUARD_PROP_NAMES[String(issue.path[0])] ?? issue.path.join('.')}: ${issue.message}`);
  } catch (error) {
    problems.push(`flapGuard: ${(error as Error).message}`);
  }

  const groupNames = new Set<string>();
  const resources = input.autoScalingGroups.map((target, index) => {
    const where = label(index);
    const name = target.autoScalingGroupName;
    if (Token.isUnresolved(name)) {
      problems.push(`${where}.autoScalingGroupName: must be a literal string known at synth time, got a token`);
    } else if (groupNames.has(name)) {
      problems.push(`${where}.autoScalingGroupName: "${name}" is registered more than once`);
    }
    groupNames.add(name);

    if (target.alarms.length === 0) {
      problems.push(`${where}.alarms: register at least one alarm whose ALARM state opens an incident`);
    }
    const alarmNames: string[] = [];
    target.alarms.forEach((alarm, alarmIndex) => {
      if (Token.isUnresolved(alarm.alarmName)) {
        problems.push(
          `${where}.alarms[${alarmIndex}]: the alarm name must be known at synth time; ` +
            'import the alarm by name or by an ARN whose last part is literal',
        );
      } else if (alarmNames.includes(alarm.alarmName)) {
        problems.push(`${where}.alarms[${alarmIndex}]: alarm "${alarm.alarmName}" is listed twice`);
      } else {
        alarmNames.push(alarm.alarmName);
      }
    });

    const leaseSeconds = seconds(`${where}.leaseDuration`, target.leaseDuration ?? AUTO_SCALING_GROUP_DEFAULTS.leaseDuration);
    const verifyAfterSeconds = seconds(`${where}.verifyAfter`, target.verifyAfter ?? AUTO_SCALING_GROUP_DEFAULTS.verifyAfter);
    const cooldownSeconds = seconds(`${where}.cooldown`, target.cooldown ?? AUTO_SCALING_GROUP_DEFAULTS.cooldown);
    const marginSeconds = LEASE_MARGIN.toSeconds();
    if (Number.isFinite(leaseSeconds + verifyAfterSeconds) && leaseSeconds <= verifyAfterSeconds + marginSeconds) {
      problems.push(
        `${where}.leaseDuration: must be longer than verifyAfter plus ${marginSeconds / 60} minutes ` +
          `(${verifyAfterSeconds + marginSeconds}s), got ${leaseSeconds}s`,
      );
    }

    return {
      kind: 'autoscaling-group' as const,
      name,
      alarmNames,
      maxStep: target.maxStep ?? AUTO_SCALING_GROUP_DEFAULTS.maxStep,
      ...(target.maxCapacity === undefined ? {} : { maxCapacity: target.maxCapacity }),
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
  });

  const parsed = ScopeSchema.safeParse({
    mode: input.mode,
    resources,
    autonomy: { ...input.autonomy },
    guardrails: {
      protectedCidrs: [...(input.guardrails?.protectedCidrs ?? [])],
      allowedNamespaces: [...(input.guardrails?.allowedNamespaces ?? [])],
    },
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [first, index, field, ...rest] = issue.path;
      if (first === 'resources' && typeof index === 'number') {
        if (field === undefined) {
          problems.push(`${label(index)}: ${issue.message}`);
        } else {
          const prop = typeof field === 'string' ? (PROP_NAMES[field] ?? field) : String(field);
          const suffix = rest.length > 0 ? `[${rest.join('][')}]` : '';
          problems.push(`${label(index)}.${prop}${suffix}: ${issue.message}`);
        }
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
  return parsed.data!;
}
