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

/**
 * Builds the index the advisor recommended in the context, exactly as
 * recommended (the policy refuses anything else). Without a
 * recommendation it declines with the advisor's reason, and the incident
 * escalates with it.
 */
const buildRecommendedIndex: Planner<z.ZodObject<Record<string, never>>> = {
  plans: 'createIndexConcurrently',
  with: z.object({}).strict(),
  plan(incident, context) {
    if (incident.resource.kind !== 'rds-postgres') return { kind: 'decline', reason: `${incident.resource.id} is not a PostgreSQL database; an index does not apply` };
    const database = context.database;
    const recommendation = database?.recommendation;
    if (database === undefined || recommendation === undefined) {
      return { kind: 'decline', reason: `no index to build on ${incident.resource.name}: ${database?.refusal ?? database?.summary ?? 'the database could not be inspected'}` };
    }
    const { schema, table, columns, queryId } = recommendation.params;
    const query = database.topQueries.find((top) => top.queryId !== undefined && top.queryId === queryId);
    const timing = query?.meanExecTimeMs === undefined ? '' : ` (mean ${query.meanExecTimeMs.toFixed(1)} ms over ${query.calls ?? '?'} calls)`;
    return {
      kind: 'plan',
      params: { database: incident.resource.name, schema, table, columns, ...(queryId === undefined ? {} : { queryId }) },
      rationale: `The index advisor found ${schema}.${table} (${columns.join(', ')}) missing for query ${queryId ?? '?'}${timing}: with it the planner's cost drops by ${Math.floor(recommendation.costReduction * 100)}% (HypoPG), and the guardrails allow building it now.`,
      evidence: [
        `recommendation ${recommendation.indexName}: cost ${recommendation.baselineCost.toFixed(0)} → ${recommendation.hypotheticalCost.toFixed(0)}`,
        `ranked by ${database.source}`,
        ...database.tables.map((stats) => `${stats.relation.schema}.${stats.relation.table}: ${stats.liveTuples} rows, ${stats.indexCount} indexes`),
      ].slice(0, 10),
    };
  },
};

export const PLANNERS = {
  'proportional-scale-out': proportionalScaleOut,
  'block-flooding-client': blockFloodingClient,
  'patch-missing-variable': patchMissingVariable,
  'rollback-recent-rollout': rollbackRecentRollout,
  'build-recommended-index': buildRecommendedIndex,
  escalate,
} as const satisfies Record<string, Planner>;

export type PlannerName = keyof typeof PLANNERS;
export const PlannerNameSchema = z.enum(Object.keys(PLANNERS) as [PlannerName, ...PlannerName[]]);
