import { createHash } from 'node:crypto';
import type { Incident } from '../lambdas/shared/incident.js';
import { IncidentSchema } from '../lambdas/shared/incident.js';
import { allowedTargetsOf, type Scope, ScopeSchema } from '../lambdas/shared/scope.js';
import { type IncidentContext, IncidentContextSchema } from '../lambdas/shared/workflow.js';
import type { FakeReply } from '../local/fake-bedrock.js';
import type { CaseSpec, ModelReplySpec } from './case-schema.js';
import { limitsOf } from '../lambdas/build-context/assemble-context.js';
import { createIndexSql } from '../lambdas/shared/index-advisor/index-ddl.js';
import { indexNameFor } from '../lambdas/shared/index-advisor/index-name.js';

/**
 * Expands a compact case into what the decision path reads: the incident, the
 * gathered context (built through `IncidentContextSchema.parse`, so the
 * schema's defaults apply and fields it does not know are dropped), and the
 * deployed scope (through `ScopeSchema.parse`). Times are fixed so a case
 * always expands to the same input.
 */

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ONSET = Date.parse('2026-11-27T10:00:00.000Z');
const minutes = (n: number) => n * 60_000;
const at = (offsetMs: number) => new Date(ONSET + offsetMs).toISOString();

export interface BuiltCase {
  spec: CaseSpec;
  incident: Incident;
  context: IncidentContext;
  scope: Scope;
  /** The scripted replies of the fake model, one per call (the last repeats). */
  replies: FakeReply[];
  /** Appears in every model request for this case: the incident id. */
  marker: string;
}

/** A stable incident id per case name (`inc-` + 20 hex digits), also the marker the fake model matches on. */
export function incidentIdOf(caseName: string): string {
  return `inc-${createHash('sha256').update(`eval:${caseName}`).digest('hex').slice(0, 20)}`;
}

export function toFakeReply(reply: ModelReplySpec): FakeReply {
  switch (reply.kind) {
    case 'tool':
      return {
        kind: 'tool',
        name: reply.name,
        input: { ...reply.params, rationale: reply.rationale, confidence: reply.confidence, evidence: reply.evidence, ...reply.extra },
      };
    case 'delay':
      return { kind: 'delay', ms: reply.ms, then: toFakeReply(reply.then) };
    default:
      return reply;
  }
}

const OPERATOR_WORDS: Record<string, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** The rds-postgres resource of a database case, as the construct would register it. */
function databaseResource(database: NonNullable<CaseSpec['database']>, alarmName: string) {
  return {
    kind: 'rds-postgres',
    name: database.name,
    database: 'shop',
    schemas: database.schemas,
    readerSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${database.name}-reader-AbCdEf`,
    actorSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${database.name}-actor-AbCdEf`,
    alarmNames: [alarmName],
    maxAttempts: 1,
    leaseSeconds: 1_800,
    cooldownSeconds: 900,
    verifyAfterSeconds: 300,
  };
}

/** What InspectDatabase would have put in the context: the busiest statement, and the advisor's recommendation or refusal. */
function databaseContext(database: NonNullable<CaseSpec['database']>) {
  const recommendation = database.recommendation;
  const relation = recommendation === undefined ? undefined : { schema: recommendation.schema, table: recommendation.table };
  const indexName = relation === undefined ? undefined : indexNameFor(relation, recommendation!.columns);
  return {
    database: database.name,
    source: 'pg_stat_statements',
    topQueries: [{ queryId: recommendation?.queryId ?? '4242', query: database.topQuery, calls: 500, meanExecTimeMs: 95.2, totalExecTimeMs: 47_600 }],
    tables: [],
    ...(recommendation === undefined || relation === undefined || indexName === undefined
      ? {}
      : {
          recommendation: {
            relation,
            columns: recommendation.columns,
            reasons: ['filter-equality'],
            indexName,
            createSql: createIndexSql(relation, recommendation.columns, indexName),
            baselineCost: 18_334,
            hypotheticalCost: 12.4,
            costReduction: 0.999,
            params: { schema: recommendation.schema, table: recommendation.table, columns: recommendation.columns, ...(recommendation.queryId === undefined ? {} : { queryId: recommendation.queryId }) },
          },
        }),
    ...(database.refusal === undefined ? {} : { refusal: database.refusal }),
    guardrails: { allowed: database.refusal === undefined, findings: [] },
    summary: indexName === undefined ? `no index recommended: ${database.refusal ?? 'no candidate'}` : `recommends ${indexName}`,
    inspectedAt: at(4_000),
  };
}

export function buildCase(spec: CaseSpec): BuiltCase {
  const group = spec.group;
  const database = spec.database;
  const resourceId = database === undefined ? `autoscaling-group/${group.name}` : `rds-postgres/${database.name}`;
  const alarmSpec = spec.alarm;
  const alarmName = alarmSpec?.name ?? (database === undefined ? `${group.name}-cpu-high` : `${database.name}-load-high`);
  const signalMetric = spec.signalMetric === undefined ? alarmSpec?.metric : (spec.signalMetric ?? undefined);
  const incidentId = incidentIdOf(spec.name);

  const reason =
    alarmSpec === null || alarmSpec.value === null
      ? 'Threshold Crossed'
      : alarmSpec.threshold === null
        ? `Thresholds Crossed: 1 datapoint [${alarmSpec.value.toFixed(1)}] was outside the band of the anomaly detection model.`
        : `Threshold Crossed: 1 datapoint [${alarmSpec.value.toFixed(1)}] was ${OPERATOR_WORDS[alarmSpec.operator] ?? alarmSpec.operator} the threshold (${alarmSpec.threshold.toFixed(1)}).`;

  const incident = IncidentSchema.parse({
    incidentId,
    resource: database === undefined ? { kind: 'autoscaling-group', name: group.name, id: resourceId } : { kind: 'rds-postgres', name: database.name, id: resourceId },
    signal: {
      source: 'cloudwatch-alarm',
      alarmName,
      alarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`,
      state: 'ALARM',
      previousState: 'OK',
      reason,
      ...(signalMetric === undefined ? {} : { metricName: signalMetric }),
      ...(alarmSpec === null ? {} : { namespace: alarmSpec.namespace }),
    },
    onsetAt: at(0),
    detectedAt: at(1_000),
    region: REGION,
    account: ACCOUNT,
    evidence: [],
  });

  const scope = ScopeSchema.parse({
    mode: spec.mode,
    autonomy: spec.autonomy,
    guardrails: spec.guardrails,
    resources: [
      database === undefined
        ? {
        kind: 'autoscaling-group',
        name: group.name,
        alarmNames: [alarmName],
        maxStep: spec.limits.maxStep,
        ...(spec.limits.maxCapacity === undefined ? {} : { maxCapacity: spec.limits.maxCapacity }),
        maxAttempts: 3,
        leaseSeconds: 1_800,
        cooldownSeconds: 900,
        verifyAfterSeconds: 300,
        dependencies: spec.dependencies,
        autonomy: spec.resourceAutonomy,
        logGroupNames: spec.logs.map((log) => log.group),
      }
        : { ...databaseResource(database, alarmName), dependencies: spec.dependencies, autonomy: spec.resourceAutonomy, logGroupNames: spec.logs.map((log) => log.group) },
      ...spec.otherGroups.map((name) => ({
        kind: 'autoscaling-group',
        name,
        alarmNames: [`${name}-cpu-high`],
        maxStep: 2,
        maxAttempts: 3,
        leaseSeconds: 1_800,
        cooldownSeconds: 900,
        verifyAfterSeconds: 300,
      })),
    ],
  });
  const resource = scope.resources[0]!;

  const alarm =
    alarmSpec === null
      ? undefined
      : {
          name: alarmName,
          state: alarmSpec.state,
          metricName: alarmSpec.metric,
          namespace: alarmSpec.namespace,
          ...(alarmSpec.threshold === null ? {} : { threshold: alarmSpec.threshold }),
          comparisonOperator: alarmSpec.operator,
          ...(alarmSpec.value === null ? {} : { latestValue: alarmSpec.value }),
          updatedAt: at(0),
        };

  const series = alarmSpec?.series ?? [];
  const metrics =
    alarmSpec === null || series.length === 0
      ? []
      : [
          {
            label: `${alarmSpec.namespace} ${alarmSpec.metric} Average ${database === undefined ? `AutoScalingGroupName=${group.name}` : `DBInstanceIdentifier=${database.name}`}`,
            role: 'alarm',
            unit: alarmSpec.metric === 'CPUUtilization' ? 'Percent' : undefined,
            periodSeconds: 60,
            points: series.map((v, index) => ({ t: at(minutes(index - series.length + 1)), v })),
            min: Math.min(...series),
            max: Math.max(...series),
            last: series.at(-1),
            baseline: series.slice(0, Math.max(1, Math.floor(series.length / 2))).reduce((sum, v, _i, all) => sum + v / all.length, 0),
          },
        ];

  const logs = spec.logs.map((log) => ({
    logGroupName: log.group,
    matchedLines: log.lines.length,
    moreAvailable: false,
    lines: log.lines.map((message, index) => ({ at: at(-minutes(log.lines.length - index)), message })),
  }));

  const changes = [...spec.changes]
    .sort((a, b) => a.minutesBefore - b.minutesBefore)
    .map((change) => ({
      at: at(-minutes(change.minutesBefore)),
      source: change.source,
      event: change.event,
      ...(change.actor === undefined ? {} : { actor: change.actor }),
      summary: change.summary,
    }));

  const context = IncidentContextSchema.parse({
    mode: spec.mode,
    limits: limitsOf(resource),
    // As BuildContext lists them: every target the scope allows besides the resource itself.
    resource: { id: resourceId, dependencies: allowedTargetsOf(resource).filter((target) => target !== resourceId) },
    ...(database === undefined
      ? {
          autoScalingGroup: {
            name: group.name,
            minSize: group.min,
            maxSize: group.max,
            desiredCapacity: group.desired,
            inServiceInstances: group.inService ?? group.desired,
          },
        }
      : { database: databaseContext(database) }),
    alarm,
    alarmHistory: alarmSpec === null ? [] : [{ at: at(0), summary: `Alarm updated from OK to ${alarmSpec.state}` }],
    metrics,
    logs,
    changes,
    recentIncidents: [],
    gatheredAt: at(5_000),
    gaps: spec.gaps,
  });

  const replies = (Array.isArray(spec.model) ? spec.model : [spec.model]).map(toFakeReply);
  return { spec, incident, context, scope, replies, marker: incidentId };
}
