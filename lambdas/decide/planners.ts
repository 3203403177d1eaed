import * as z from 'zod';
import type { ActionName } from '../shared/actions/catalog.js';
import { type Incident, signalLabel } from '../shared/incident.js';
import type { IncidentContext } from '../shared/workflow.js';
import { patchMissingVariable, rollbackRecentRollout } from './eks-planners.js';
import { blockFloodingClient } from './waf-planners.js';

/**
 * Planners turn a matched runbook into concrete action params from the
 * context. A runbook names one and configures it with `with:`; the schema
 * here validates that configuration when runbooks are loaded (at synth and
 * in tests), so a typo fails the deploy, not an incident.
 */
export type PlanResult =
  | { kind: 'plan'; params: Record<string, unknown>; rationale: string; evidence: string[] }
  | { kind: 'decline'; reason: string };

export interface Planner<TWith extends z.ZodType = z.ZodType> {
  /** The one catalog action this planner computes params for; a runbook naming another action is refused. */
  readonly plans: ActionName;
  readonly with: TWith;
  plan(incident: Incident, context: IncidentContext, options: z.infer<TWith>): PlanResult;
}

/**
 * Instances the load needs so that utilisation falls to `headroom` × the
 * threshold, assuming load spreads evenly; `undefined` without a reading.
 */
export function instancesNeeded(
  current: number,
  utilisation: number | undefined,
  threshold: number | undefined,
  headroom = 0.9,
): number | undefined {
  if (utilisation === undefined || threshold === undefined || threshold <= 0 || current <= 0) return undefined;
  return Math.ceil((current * utilisation) / (threshold * headroom));
}

const proportionalScaleOut: Planner<z.ZodObject<{ headroom: z.ZodDefault<z.ZodNumber> }>> = {
  plans: 'scaleOutAsg',
  with: z.object({ headroom: z.number().min(0.5).max(1).default(0.9) }).strict(),
  plan(incident, context, { headroom }) {
    const group = context.autoScalingGroup;
    const { maxStep = 1, maxCapacity } = context.limits;
    if (group === undefined) return { kind: 'decline', reason: `${incident.resource.id} is not an Auto Scaling group; scaling out does not apply` };
    const ceiling = Math.min(group.maxSize, maxCapacity ?? Number.POSITIVE_INFINITY);
    const current = group.desiredCapacity;
    if (current >= ceiling) {
      return {
        kind: 'decline',
        reason: `${group.name} is already at its capacity ceiling (${current} of max ${ceiling}); scaling out cannot help, a human must look`,
      };
    }
    const alarm = context.alarm;
    const needed = instancesNeeded(current, alarm?.latestValue, alarm?.threshold, headroom);
    const wanted = needed === undefined ? 1 : Math.max(1, needed - current);
    const step = Math.min(wanted, maxStep, ceiling - current);
    const target = current + step;
    const sizing =
      needed === undefined
        ? 'the alarm reported no value to size from, so the step is one instance'
        : `at ${alarm?.latestValue}% against a ${alarm?.threshold}% threshold the load needs about ${needed} instances`;
    const bounds = [
      step < wanted && step === maxStep ? `capped at the maximum step of ${maxStep}` : undefined,
      step < wanted && step === ceiling - current ? `capped at the ceiling of ${ceiling}` : undefined,
    ].filter((text) => text !== undefined);
    return {
      kind: 'plan',
      params: { autoScalingGroupName: group.name, targetCapacity: target },
      rationale: `CPU alarm ${signalLabel(incident.signal)} on ${group.name}: ${sizing}; scaling out ${current} → ${target}${bounds.length > 0 ? ` (${bounds.join(', ')})` : ''}.`,
      evidence: [
        `alarm ${signalLabel(incident.signal)} ${alarm?.state ?? 'ALARM'}${alarm?.latestValue === undefined ? '' : ` at ${alarm.latestValue}`} (threshold ${alarm?.threshold ?? '?'})`,
        `${group.name} desired ${current}, max ${group.maxSize}`,
      ],
    };
  },
};

const escalate: Planner<z.ZodObject<{ reason: z.ZodString }>> = {
  plans: 'escalateOnly',
  with: z.object({ reason: z.string().min(1).max(1_000) }).strict(),
  plan(_incident, _context, { reason }) {
    return { kind: 'plan', params: { reason }, rationale: reason, evidence: [] };
  },
};

export const PLANNERS = {
  'proportional-scale-out': proportionalScaleOut,
  'block-flooding-client': blockFloodingClient,
  'patch-missing-variable': patchMissingVariable,
  'rollback-recent-rollout': rollbackRecentRollout,
  escalate,
} as const satisfies Record<string, Planner>;

export type PlannerName = keyof typeof PLANNERS;
export const PlannerNameSchema = z.enum(Object.keys(PLANNERS) as [PlannerName, ...PlannerName[]]);
