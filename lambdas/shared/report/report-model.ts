import * as z from 'zod';
import { executionConsoleUrl } from '../console-links.js';
import { causeMessage } from '../step-functions-errors.js';
import { expectedBand } from './expected-band.js';
import { formatDuration } from './format.js';
import { summariseStep } from './step-summary.js';

/**
 * The incident report: everything a reviewer needs about one execution of
 * the remediation workflow, read from its steps (the states' inputs and
 * outputs). `buildIncidentReport` makes it; `renderIncidentReportHtml` and
 * `renderTimelineSvg` draw it. Pure: no I/O, no clock.
 */

const Time = z.iso.datetime({ offset: true });

// ─── What the builder reads ──────────────────────────────────────────────

/**
 * One state of one execution, as both the local runner's event log and
 * Step Functions' `GetExecutionHistory` can say it: when it was entered and
 * left, what it received and returned, and the error it failed with.
 */
export const ExecutionStepSchema = z.object({
  stateName: z.string().min(1),
  /** `Task`, `Choice`, `Pass`, `Wait`, `Succeed`, `Fail`. */
  stateType: z.string().optional(),
  enteredAt: Time,
  /** @default - none: the state has not been left (running), or failed without leaving it (caught). */
  exitedAt: Time.optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  /** The last error the state failed with (after retries, the one that was caught or ended the run). */
  error: z.string().optional(),
  cause: z.string().optional(),
  /** Times the state was retried. */
  retries: z.number().int().min(0).default(0),
});
export type ExecutionStep = z.input<typeof ExecutionStepSchema>;

export const ExecutionStatusSchema = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

/** The execution the steps belong to. */
export const ExecutionInfoSchema = z.object({
  name: z.string().optional(),
  /** Known when deployed: the report links to the execution in the console. */
  arn: z.string().optional(),
  status: ExecutionStatusSchema,
  startedAt: Time.optional(),
  stoppedAt: Time.optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
export type ExecutionInfo = z.input<typeof ExecutionInfoSchema>;

// ─── The report ──────────────────────────────────────────────────────────

const CheckSchema = z.object({ name: z.string(), passed: z.boolean(), detail: z.string() });

export const ReportSignalSchema = z.object({
  kind: z.enum(['alarm', 'log-detection', 'other']),
  /** The alarm's name, or the detection's summary. */
  title: z.string(),
  /** The alarm's reason, or what the detection saw. UNTRUSTED for log detections. */
  detail: z.string().optional(),
  at: Time,
  metric: z.string().optional(),
  logGroup: z.string().optional(),
  count: z.number().optional(),
  /** A sample log line: UNTRUSTED. */
  sample: z.string().optional(),
  fields: z.record(z.string(), z.string()).default({}),
});

export const BandPointSchema = z.object({ t: Time, lower: z.number(), upper: z.number() });

export const ReportMetricSchema = z.object({
  label: z.string(),
  /** `alarm`: the metric the alarm watches. */
  role: z.string(),
  unit: z.string().optional(),
  periodSeconds: z.number().optional(),
  points: z.array(z.object({ t: Time, v: z.number() })),
  min: z.number().optional(),
  max: z.number().optional(),
  last: z.number().optional(),
  baseline: z.number().optional(),
  anomalyScore: z.number().optional(),
  deviatedAt: Time.optional(),
  direction: z.string().optional(),
  likelyCause: z.string().optional(),
  /** The alarm's static threshold on this metric. */
  threshold: z.object({ value: z.number(), operator: z.string().optional(), alarmName: z.string().optional() }).optional(),
  /**
   * The band the metric was expected within, per point: CloudWatch's, when
   * the context carries one, otherwise the workflow's own anomaly detector's
   * (when the alarm has no static threshold to draw).
   */
  band: z
    .object({
      source: z.enum(['cloudwatch', 'detector']),
      description: z.string(),
      points: z.array(BandPointSchema),
    })
    .optional(),
});
export type ReportMetric = z.infer<typeof ReportMetricSchema>;

export const ReportEvidenceSchema = z.object({
  signals: z.array(ReportSignalSchema),
  /** The alarm as BuildContext read it. */
  alarm: z
    .object({ name: z.string(), state: z.string(), threshold: z.number().optional(), operator: z.string().optional(), latestValue: z.number().optional() })
    .optional(),
  alarmHistory: z.array(z.object({ at: z.string(), summary: z.string() })).default([]),
  /** UNTRUSTED: lines from the application's logs. */
  logs: z.array(
    z.object({
      logGroupName: z.string(),
      matchedLines: z.number().optional(),
      lines: z.array(z.object({ at: z.string(), stream: z.string().optional(), message: z.string(), repeats: z.number().optional() })),
    }),
  ),
  /** Kubernetes findings: their log tails are UNTRUSTED. */
  findings: z.array(
    z.object({ reason: z.string(), severity: z.string().optional(), message: z.string(), at: z.string().optional(), logTail: z.array(z.string()).default([]) }),
  ),
  changes: z.array(z.object({ at: z.string(), source: z.string(), event: z.string(), actor: z.string().optional(), summary: z.string() })),
  workload: z.string().optional(),
  gaps: z.array(z.string()),
});

export const ReportDecisionSchema = z.object({
  at: Time,
  source: z.string(),
  runbookId: z.string().optional(),
  action: z.string(),
  target: z.string(),
  params: z.record(z.string(), z.unknown()),
  rationale: z.string(),
  confidence: z.number().optional(),
  evidence: z.array(z.string()).default([]),
  model: z
    .object({ modelId: z.string(), inputTokens: z.number(), outputTokens: z.number(), latencyMs: z.number().optional(), stopReason: z.string().optional() })
    .optional(),
  fallbackReason: z.string().optional(),
});

export const ReportPolicySchema = z.object({
  at: Time,
  allowed: z.boolean(),
  autonomy: z.string(),
  summary: z.string(),
  checks: z.array(CheckSchema),
  reasons: z.array(z.string()).default([]),
});

export const ReportApprovalSchema = z.object({
  at: Time,
  verdict: z.enum(['approved', 'rejected', 'timed-out', 'failed', 'waiting']),
  by: z.string().optional(),
  detail: z.string(),
});

export const ReportLeaseSchema = z.object({
  at: Time,
  /** `acquired`, or why not: `skipped` (held, cooldown) or `refused` (a flap guard). */
  verdict: z.enum(['acquired', 'skipped', 'refused', 'failed']),
  resourceId: z.string().optional(),
  holder: z.string().optional(),
  expiresAt: z.string().optional(),
  guards: z.array(CheckSchema).default([]),
  detail: z.string().optional(),
});

export const ReportActionSchema = z.object({
  at: Time,
  state: z.string(),
  action: z.string().optional(),
  target: z.string().optional(),
  summary: z.string(),
  changed: z.boolean().optional(),
  undoable: z.boolean().optional(),
  /** What the action recorded before changing anything, and what it applied. */
  before: z.unknown().optional(),
  applied: z.unknown().optional(),
  error: z.string().optional(),
});

export const ReportVerificationSchema = z.object({
  at: Time,
  healthy: z.boolean(),
  verdict: z.string(),
  summary: z.string(),
  alarmState: z.string().optional(),
  tripped: z.array(z.string()).default([]),
  desiredCapacity: z.number().optional(),
  inServiceInstances: z.number().optional(),
  /** How long after the action the check ran. */
  afterActionMs: z.number().optional(),
});

export const ReportUndoSchema = z.object({
  at: Time,
  state: z.string(),
  undone: z.boolean(),
  summary: z.string(),
  details: z.unknown().optional(),
  error: z.string().optional(),
});

/** One pass through the workflow, from BuildContext: a second one follows an attempt that did not recover. */
export const ReportRoundSchema = z.object({
  number: z.number().int().min(1),
  startedAt: Time,
  decision: ReportDecisionSchema.optional(),
  policy: ReportPolicySchema.optional(),
  approval: ReportApprovalSchema.optional(),
  lease: ReportLeaseSchema.optional(),
  action: ReportActionSchema.optional(),
  verification: ReportVerificationSchema.optional(),
  undo: ReportUndoSchema.optional(),
  attemptResult: z
    .object({ result: z.string(), circuit: z.string().optional(), circuitOpened: z.boolean().optional(), reason: z.string().optional(), failuresInWindow: z.number().optional() })
    .optional(),
});
export type ReportRound = z.infer<typeof ReportRoundSchema>;

export const ReportOutcomeSchema = z.object({
  kind: z.enum(['resolved', 'escalated', 'skipped', 'observed', 'recommended', 'failed', 'awaiting-approval', 'in-progress']),
  /** Plain words, first thing on the page: `Resolved automatically`. */
  headline: z.string(),
  /** The sentence under it. */
  detail: z.string(),
  at: Time.optional(),
  /** Whether anything changed and stayed changed. */
  netChange: z.enum(['changed', 'changed-then-undone', 'nothing-changed', 'unknown']),
});

export const ReportEscalationSchema = z.object({
  at: Time,
  /** `EscalateIncident`, or `RecommendPlan` for a plan sent to a human. */
  state: z.string(),
  reason: z.string(),
  notified: z.boolean().optional(),
  circuit: z.string().optional(),
  error: z.string().optional(),
});

/** One row of the before/after table. */
export const StateChangeSchema = z.object({ what: z.string(), before: z.string(), after: z.string() });

export const ReportStepSchema = z.object({
  name: z.string(),
  type: z.string().optional(),
  enteredAt: Time,
  exitedAt: Time.optional(),
  durationMs: z.number().optional(),
  result: z.enum(['ok', 'failed', 'running']),
  retries: z.number().int().min(0),
  summary: z.string(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
export type ReportStep = z.infer<typeof ReportStepSchema>;

export const IncidentReportSchema = z.object({
  incident: z.object({
    id: z.string(),
    resource: z.object({ kind: z.string(), name: z.string(), id: z.string() }),
    region: z.string().optional(),
    account: z.string().optional(),
    onsetAt: Time.optional(),
    detectedAt: Time.optional(),
    mode: z.string().optional(),
  }),
  execution: z.object({
    name: z.string().optional(),
    arn: z.string().optional(),
    status: ExecutionStatusSchema,
    startedAt: Time.optional(),
    stoppedAt: Time.optional(),
    error: z.string().optional(),
    cause: z.string().optional(),
    consoleUrl: z.string().optional(),
  }),
  outcome: ReportOutcomeSchema,
  evidence: ReportEvidenceSchema,
  /** The metric the timeline draws: the alarm's, or the most anomalous. */
  metric: ReportMetricSchema.optional(),
  /** The other metrics read, without their points. */
  otherMetrics: z.array(ReportMetricSchema.omit({ points: true, band: true })),
  rounds: z.array(ReportRoundSchema),
  escalation: ReportEscalationSchema.optional(),
  /** What the outcome state recorded. */
  record: z.object({ at: Time, summary: z.string(), cooldownSeconds: z.number().optional(), leaseReleased: z.boolean().optional() }).optional(),
  stateChanges: z.array(StateChangeSchema),
  steps: z.array(ReportStepSchema),
  /** Caught and fatal errors, in order. */
  errors: z.array(z.object({ state: z.string(), at: Time, error: z.string(), cause: z.string().optional(), retries: z.number() })),
});
export type IncidentReport = z.infer<typeof IncidentReportSchema>;

// ─── Reading the steps ───────────────────────────────────────────────────

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const objectAt = (value: unknown, key: string): Json | undefined => (isObject(value) && isObject(value[key]) ? value[key] : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const isTime = (value: unknown): value is string => typeof value === 'string' && Time.safeParse(value).success;

/** Reads `value` with `schema`, or gives nothing: a report shows what it can, never fails on a shape it does not know. */
function read<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const ACTION_STATES = new Set(['ScaleOutAsg', 'BlockIpInWaf', 'ActOnEks']);
const UNDO_STATES = new Set(['UndoScaleOutAsg', 'UndoBlockIpInWaf', 'UndoEksAction', 'KeepAction']);
const RECORD_STATES = new Set(['RecordOutcome', 'RecordSkip', 'RecordObservation']);
const ESCALATION_STATES = new Set(['EscalateIncident', 'RecommendPlan']);
const LEASE_SKIP_ERRORS = new Set(['LeaseHeldError', 'CooldownActiveError']);
const LEASE_GUARD_ERRORS = new Set(['CircuitOpenError', 'AttemptBudgetExhaustedError', 'PingPongDetectedError', 'UndoneFixRepeatedError']);

/** The catch of a state failed with an error that the workflow routes on: its message, not its JSON. */
const messageOf = (step: Pick<ExecutionStep, 'error' | 'cause'>): string => `${step.error ?? 'error'}: ${causeMessage(step.cause)}`;

function signalOf(incident: Json): z.infer<typeof ReportSignalSchema> | undefined {
  const signal = objectAt(incident, 'signal');
  const at = str(incident.onsetAt);
  if (signal === undefined || !isTime(at)) return undefined;
  if (signal.source === 'cloudwatch-alarm') {
    const metric = [str(signal.namespace), str(signal.metricName)].filter(Boolean).join(' ');
    return { kind: 'alarm', title: `alarm ${str(signal.alarmName) ?? '?'} → ALARM`, detail: str(signal.reason), at, metric: metric || undefined, fields: {} };
  }
  if (signal.source === 'log-detection') {
    const fields = Object.fromEntries(Object.entries(objectAt(signal, 'fields') ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    return {
      kind: 'log-detection',
      title: `log detection ${str(signal.detection) ?? ''}${signal.signatureId ? ` ${String(signal.signatureId)}` : ''}`.trim(),
      detail: str(signal.summary),
      at,
      logGroup: str(signal.logGroup),
      count: num(signal.count),
      sample: str(signal.sample),
      fields,
    };
  }
  return { kind: 'other', title: String(signal.source ?? 'signal'), at, fields: {} };
}

function metricOf(series: Json, alarm: Json | undefined): ReportMetric | undefined {
  const points = arr(series.points).flatMap((point) =>
    isObject(point) && isTime(point.t) && num(point.v) !== undefined ? [{ t: point.t, v: point.v as number }] : [],
  );
  const label = str(series.label);
  if (label === undefined) return undefined;
  const cause = objectAt(series, 'likelyCause');
  const threshold = series.role === 'alarm' && alarm !== undefined ? num(alarm.threshold) : undefined;
  const metric: ReportMetric = {
    label,
    role: str(series.role) ?? 'related',
    unit: str(series.unit),
    periodSeconds: num(series.periodSeconds),
    points,
    min: num(series.min),
    max: num(series.max),
    last: num(series.last),
    baseline: num(series.baseline),
    anomalyScore: num(series.anomalyScore),
    deviatedAt: isTime(series.deviatedAt) ? series.deviatedAt : undefined,
    direction: str(series.direction),
    likelyCause: cause === undefined ? undefined : `${str(cause.event) ?? ''} (${str(cause.source) ?? ''}) at ${str(cause.at) ?? '?'}: ${str(cause.summary) ?? ''}`,
    threshold: threshold === undefined ? undefined : { value: threshold, operator: str(alarm?.comparisonOperator), alarmName: str(alarm?.name) },
  };
  // A band the context carries (CloudWatch's ANOMALY_DETECTION_BAND), else the detector's when there is no line to draw.
  const band = arr(series.band).flatMap((point) => {
    const parsed = read(BandPointSchema, point);
    return parsed === undefined ? [] : [parsed];
  });
  if (band.length > 0) {
    metric.band = { source: 'cloudwatch', description: 'CloudWatch anomaly detection band', points: band };
  } else if (threshold === undefined && series.role === 'alarm') {
    const expected = expectedBand(points, metric.periodSeconds);
    if (expected !== undefined) metric.band = { source: 'detector', description: expected.description, points: expected.points };
  }
  return metric;
}

/** Merges the series of every context read (a later round reads the same metric further on): by label, points by time. */
function mergeSeries(contexts: Json[]): Json[] {
  const byLabel = new Map<string, Json>();
  for (const context of contexts) {
    for (const series of arr(context.metrics)) {
      if (!isObject(series) || typeof series.label !== 'string') continue;
      const earlier = byLabel.get(series.label);
      if (earlier === undefined) {
        byLabel.set(series.label, series);
        continue;
      }
      const points = new Map<string, unknown>();
      for (const point of [...arr(earlier.points), ...arr(series.points)]) if (isObject(point) && typeof point.t === 'string') points.set(point.t, point);
      const bands = new Map<string, unknown>();
      for (const point of [...arr(earlier.band), ...arr(series.band)]) if (isObject(point) && typeof point.t === 'string') bands.set(point.t, point);
      byLabel.set(series.label, {
        ...earlier,
        ...series,
        // The first context saw the onset: its deviation and baseline stand.
        deviatedAt: earlier.deviatedAt ?? series.deviatedAt,
        baseline: earlier.baseline ?? series.baseline,
        points: [...points.entries()].sort(([a], [b]) => Date.parse(a) - Date.parse(b)).map(([, point]) => point),
        ...(bands.size > 0 ? { band: [...bands.entries()].sort(([a], [b]) => Date.parse(a) - Date.parse(b)).map(([, point]) => point) } : {}),
      });
    }
  }
  return [...byLabel.values()];
}

function evidenceOf(signal: z.infer<typeof ReportSignalSchema> | undefined, context: Json | undefined): z.infer<typeof ReportEvidenceSchema> {
  const alarm = objectAt(context, 'alarm');
  const kube = objectAt(context, 'kubernetes');
  return {
    signals: signal === undefined ? [] : [signal],
    alarm:
      alarm === undefined || str(alarm.name) === undefined
        ? undefined
        : { name: str(alarm.name)!, state: str(alarm.state) ?? '?', threshold: num(alarm.threshold), operator: str(alarm.comparisonOperator), latestValue: num(alarm.latestValue) },
    alarmHistory: arr(context?.alarmHistory).flatMap((item) => (isObject(item) && str(item.at) && str(item.summary) ? [{ at: item.at as string, summary: item.summary as string }] : [])),
    logs: arr(context?.logs).flatMap((excerpt) => {
      if (!isObject(excerpt) || str(excerpt.logGroupName) === undefined) return [];
      return [
        {
          logGroupName: excerpt.logGroupName as string,
          matchedLines: num(excerpt.matchedLines),
          lines: arr(excerpt.lines).flatMap((line) =>
            isObject(line) && typeof line.message === 'string'
              ? [{ at: str(line.at) ?? '', stream: str(line.stream), message: line.message, repeats: num(line.repeats) }]
              : [],
          ),
        },
      ];
    }),
    findings: arr(kube?.findings).flatMap((finding) => {
      if (!isObject(finding) || typeof finding.message !== 'string') return [];
      const tail = arr(objectAt(finding, 'evidence')?.logTail).filter((line): line is string => typeof line === 'string');
      return [{ reason: str(finding.reason) ?? '?', severity: str(finding.severity), message: finding.message, at: str(finding.at), logTail: tail }];
    }),
    changes: arr(context?.changes).flatMap((change) =>
      isObject(change) && str(change.at) && str(change.summary)
        ? [{ at: change.at as string, source: str(change.source) ?? '?', event: str(change.event) ?? '?', actor: str(change.actor), summary: change.summary as string }]
        : [],
    ),
    workload:
      kube === undefined
        ? undefined
        : `${str(kube.namespace) ?? '?'}/${str(kube.deployment) ?? '?'} in ${str(kube.cluster) ?? '?'}: revision ${num(kube.revision) ?? '?'} (${arr(kube.images).join(', ')}), ${num(kube.readyReplicas) ?? '?'}/${num(kube.replicas) ?? '?'} ready${kube.gitOps ? `; GitOps: ${String(kube.gitOps)}` : ''}`,
    gaps: arr(context?.gaps).filter((gap): gap is string => typeof gap === 'string'),
  };
}

/** What a state did, in one line: a Choice says where it went, a Wait how long it waited, a Task what it returned. */
function stepSummary(step: z.infer<typeof ExecutionStepSchema>, next: z.infer<typeof ExecutionStepSchema> | undefined): string {
  const output = isObject(step.output) ? step.output : undefined;
  if (step.stateType === 'Fail' || step.stateType === 'Succeed') return step.cause === undefined ? '' : causeMessage(step.cause);
  if (step.stateType === 'Choice') return next === undefined ? '' : `→ ${next.stateName}`;
  if (step.stateType === 'Wait') {
    const configured = num(objectAt(objectAt(output, 'context'), 'limits')?.verifyAfterSeconds);
    const waited = step.exitedAt === undefined ? undefined : Date.parse(step.exitedAt) - Date.parse(step.enteredAt);
    return `${waited === undefined ? 'waiting' : `waited ${formatDuration(waited)}`}${configured === undefined ? '' : ` (configured: ${configured} s)`}`;
  }
  return summariseStep(step.stateName, output);
}

function stepsOf(steps: z.infer<typeof ExecutionStepSchema>[]): ReportStep[] {
  return steps.map((step, index) => {
    const end = step.stateType === 'Fail' || step.stateType === 'Succeed';
    const failed = step.error !== undefined && !end;
    const summary = stepSummary(step, steps[index + 1]);
    return {
      name: step.stateName,
      type: step.stateType,
      enteredAt: step.enteredAt,
      exitedAt: step.exitedAt,
      durationMs: step.exitedAt === undefined ? undefined : Date.parse(step.exitedAt) - Date.parse(step.enteredAt),
      result: failed ? 'failed' : step.exitedAt === undefined && !end ? 'running' : 'ok',
      retries: step.retries,
      summary: failed ? messageOf(step) : summary,
      error: step.error,
      cause: step.cause === undefined ? undefined : causeMessage(step.cause),
    };
  });
}

/** The time a step's result stands for: when it was left, or when it failed. */
const settledAt = (step: z.infer<typeof ExecutionStepSchema>): string => step.exitedAt ?? step.enteredAt;

/**
 * The incident report of one execution, from its steps in the order they
 * were entered (map LocalRun events with `local/report-steps.ts`, or
 * `GetExecutionHistory` with `stepsFromExecutionHistory`). Unknown states
 * and shapes are listed in the steps and otherwise left out.
 */
export function buildIncidentReport(rawSteps: readonly ExecutionStep[], rawExecution?: ExecutionInfo): IncidentReport {
  const steps = rawSteps.map((step) => ExecutionStepSchema.parse(step));
  const lastStep = steps.at(-1);
  const execution = ExecutionInfoSchema.parse(
    rawExecution ?? { status: lastStep === undefined ? 'RUNNING' : lastStep.stateType === 'Fail' ? 'FAILED' : lastStep.stateType === 'Succeed' ? 'SUCCEEDED' : 'RUNNING' },
  );

  const firstInput = steps.find((step) => isObject(objectAt(step.input, 'incident')))?.input;
  const incident = objectAt(firstInput, 'incident') ?? {};
  const resource = objectAt(incident, 'resource') ?? {};
  const signal = signalOf(incident);

  const contexts: Json[] = [];
  const rounds: ReportRound[] = [];
  const errors: IncidentReport['errors'] = [];
  let escalation: IncidentReport['escalation'];
  let record: IncidentReport['record'];
  const round = (at: string): ReportRound => {
    if (rounds.length === 0) rounds.push({ number: 1, startedAt: at });
    return rounds.at(-1)!;
  };

  for (const step of steps) {
    // A state that failed may still have left (Step Functions records the caught state's exit): its output then holds earlier results, not its own.
    const output = step.error === undefined && isObject(step.output) ? step.output : undefined;
    const at = settledAt(step);
    if (step.error !== undefined && step.stateType !== 'Fail') {
      errors.push({ state: step.stateName, at, error: step.error, cause: step.cause === undefined ? undefined : causeMessage(step.cause), retries: step.retries });
    }
    const name = step.stateName;
    if (name === 'BuildContext') {
      rounds.push({ number: rounds.length + 1, startedAt: step.enteredAt });
      const context = objectAt(output, 'context');
      if (context !== undefined) contexts.push(context);
    } else if (name === 'Decide') {
      const decision = objectAt(output, 'decision');
      if (decision !== undefined) {
        const model = objectAt(decision, 'model');
        const parsed = read(ReportDecisionSchema, {
          ...decision,
          at,
          params: isObject(decision.params) ? decision.params : {},
          evidence: arr(decision.evidence).filter((item) => typeof item === 'string'),
          model: model === undefined ? undefined : model,
        });
        if (parsed !== undefined) round(at).decision = parsed;
      }
    } else if (name === 'CheckPolicy') {
      const policy = objectAt(output, 'policy');
      const parsed = policy === undefined ? undefined : read(ReportPolicySchema, { ...policy, at });
      if (parsed !== undefined) round(at).policy = parsed;
    } else if (name === 'RequestApproval') {
      const approval = objectAt(output, 'approval');
      if (approval !== undefined && step.error === undefined) {
        const approved = approval.approved !== false;
        round(at).approval = {
          at: isTime(approval.decidedAt) ? approval.decidedAt : at,
          verdict: approved ? 'approved' : 'rejected',
          by: str(approval.decidedBy),
          detail: `${approved ? 'approved' : 'rejected'}${approval.decidedBy ? ` by ${String(approval.decidedBy)}` : ''}${approval.decidedAt ? ` at ${String(approval.decidedAt)}` : ''}`,
        };
      } else if (step.error !== undefined) {
        const verdict = step.error === 'ApprovalRejected' ? 'rejected' : step.error === 'States.Timeout' ? 'timed-out' : 'failed';
        round(at).approval = { at, verdict, detail: verdict === 'timed-out' ? 'no answer before the approval timed out' : causeMessage(step.cause) };
      } else if (step.exitedAt === undefined) {
        round(at).approval = { at: step.enteredAt, verdict: 'waiting', detail: 'waiting for a human to approve or reject the plan' };
      }
    } else if (name === 'AcquireLease') {
      const lease = objectAt(output, 'lease');
      if (lease !== undefined && step.error === undefined) {
        round(at).lease = {
          at,
          verdict: 'acquired',
          resourceId: str(lease.resourceId),
          holder: str(lease.holder),
          expiresAt: str(lease.expiresAt),
          guards: arr(lease.guards).flatMap((guard) => {
            const parsed = read(CheckSchema, guard);
            return parsed === undefined ? [] : [parsed];
          }),
        };
      } else if (step.error !== undefined) {
        const verdict = LEASE_SKIP_ERRORS.has(step.error) ? 'skipped' : LEASE_GUARD_ERRORS.has(step.error) ? 'refused' : 'failed';
        round(at).lease = { at, verdict, guards: [], detail: messageOf(step) };
      }
    } else if (ACTION_STATES.has(name)) {
      const action = objectAt(output, 'action');
      if (action !== undefined && step.error === undefined) {
        round(at).action = {
          at: isTime(action.actedAt) ? action.actedAt : at,
          state: name,
          action: str(action.action),
          target: str(action.target),
          summary: str(action.summary) ?? summariseStep(name, output),
          changed: bool(action.changed),
          undoable: bool(action.undoable),
          before: action.before,
          applied: action.applied,
        };
      } else if (step.error !== undefined) {
        round(at).action = { at, state: name, summary: `failed: ${messageOf(step)}`, changed: undefined, error: messageOf(step) };
      }
    } else if (name === 'VerifyRecovery') {
      const verification = objectAt(output, 'verification');
      if (verification !== undefined) {
        const current = round(at);
        const checkedAt = isTime(verification.checkedAt) ? verification.checkedAt : at;
        const parsed = read(ReportVerificationSchema, {
          ...verification,
          at: checkedAt,
          tripped: arr(verification.tripped).filter((item) => typeof item === 'string'),
          afterActionMs: current.action === undefined ? undefined : Date.parse(checkedAt) - Date.parse(current.action.at),
        });
        if (parsed !== undefined) current.verification = parsed;
      }
    } else if (UNDO_STATES.has(name)) {
      const undo = objectAt(output, 'undo');
      if (undo !== undefined && step.error === undefined) {
        round(at).undo = {
          at: isTime(undo.undoneAt) ? undo.undoneAt : at,
          state: name,
          undone: undo.undone === true,
          summary: str(undo.summary) ?? '',
          details: undo.details,
        };
      } else if (step.error !== undefined) {
        round(at).undo = { at, state: name, undone: false, summary: `undo failed: ${messageOf(step)}`, error: messageOf(step) };
      }
    } else if (name === 'RecordAttemptResult') {
      const result = objectAt(output, 'attemptResult');
      if (result !== undefined && typeof result.result === 'string') {
        round(at).attemptResult = {
          result: result.result,
          circuit: str(result.circuit),
          circuitOpened: bool(result.circuitOpened),
          reason: str(result.reason),
          failuresInWindow: num(result.failuresInWindow),
        };
      }
    } else if (RECORD_STATES.has(name)) {
      const outcome = objectAt(output, 'outcome');
      if (outcome !== undefined && typeof outcome.summary === 'string') {
        record = { at, summary: outcome.summary, cooldownSeconds: num(outcome.cooldownSeconds), leaseReleased: bool(outcome.leaseReleased) };
      }
    } else if (ESCALATION_STATES.has(name)) {
      const sent = objectAt(step.output, 'escalation');
      const failure = objectAt(step.output, 'escalationError');
      const why = objectAt(step.input, 'error');
      if (sent !== undefined) {
        escalation = { at, state: name, reason: str(sent.reason) ?? '', notified: bool(sent.notified), circuit: str(sent.circuit) };
      } else if (failure !== undefined || step.error !== undefined) {
        const reason = why === undefined ? 'the escalation step failed' : `${str(why.Error) ?? 'error'}: ${causeMessage(str(why.Cause))}`;
        escalation = { at, state: name, reason, notified: false, error: failure === undefined ? messageOf(step) : `${str(failure.Error) ?? 'error'}: ${causeMessage(str(failure.Cause))}` };
      }
    }
  }

  const context = contexts.at(-1);
  const alarm = objectAt(context, 'alarm');
  const series = mergeSeries(contexts)
    .map((candidate) => metricOf(candidate, alarm))
    .filter((metric): metric is ReportMetric => metric !== undefined);
  // The alarm's own metric if it was read, else the most anomalous (the context ranks them first).
  const chartIndex = Math.max(0, series.findIndex((metric) => metric.role === 'alarm'));
  const metric = series[chartIndex];

  const report: IncidentReport = {
    incident: {
      id: str(incident.incidentId) ?? '(unknown incident)',
      resource: { kind: str(resource.kind) ?? '?', name: str(resource.name) ?? '?', id: str(resource.id) ?? '?' },
      region: str(incident.region),
      account: str(incident.account),
      onsetAt: isTime(incident.onsetAt) ? incident.onsetAt : undefined,
      detectedAt: isTime(incident.detectedAt) ? incident.detectedAt : undefined,
      mode: str(context?.mode),
    },
    execution: {
      ...execution,
      startedAt: execution.startedAt ?? steps[0]?.enteredAt,
      stoppedAt: execution.stoppedAt ?? (execution.status === 'RUNNING' || lastStep === undefined ? undefined : settledAt(lastStep)),
      consoleUrl: execution.arn === undefined ? undefined : executionConsoleUrl(execution.arn),
    },
    outcome: { kind: 'in-progress', headline: '', detail: '', netChange: 'unknown' },
    evidence: evidenceOf(signal, context),
    metric,
    otherMetrics: series.filter((_, index) => index !== chartIndex).map(({ points: _points, band: _band, ...rest }) => rest),
    rounds,
    escalation,
    record,
    stateChanges: [],
    steps: stepsOf(steps),
    errors,
  };
  report.outcome = outcomeOf(report, lastStep?.stateName);
  report.stateChanges = stateChangesOf(report, contexts[0]);
  return IncidentReportSchema.parse(report);
}

/** Whether the workflow left something changed: the last action that changed something, and whether it was undone. */
function netChangeOf(rounds: readonly ReportRound[]): IncidentReport['outcome']['netChange'] {
  const acted = rounds.filter((round) => round.action?.changed === true);
  if (acted.length === 0) return rounds.some((round) => round.action?.changed === undefined && round.action !== undefined) ? 'unknown' : 'nothing-changed';
  const last = acted.at(-1)!;
  if (last.undo?.undone === true) return acted.length === 1 || acted.every((round) => round.undo?.undone === true) ? 'changed-then-undone' : 'changed';
  return 'changed';
}

function outcomeOf(report: IncidentReport, lastState: string | undefined): IncidentReport['outcome'] {
  const rounds = report.rounds;
  const last = rounds.at(-1);
  const netChange = netChangeOf(rounds);
  const attempts = rounds.filter((round) => round.action !== undefined).length;
  const status = report.execution.status;
  const at = report.execution.stoppedAt;
  const record = report.record;
  const acted = [...rounds].reverse().find((round) => round.action?.changed === true)?.action;

  if (lastState === 'IncidentResolved' || (record !== undefined && /^resolved/.test(record.summary))) {
    const verification = [...rounds].reverse().find((round) => round.verification !== undefined)?.verification;
    const detail = [acted?.summary, verification?.summary].filter(Boolean).join('; ');
    return {
      kind: 'resolved',
      headline: 'Resolved automatically',
      detail: `${detail || record?.summary || 'the workflow recorded the incident as resolved'}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}.`,
      at,
      netChange,
    };
  }
  if (lastState === 'PlanRecommended' || report.escalation?.state === 'RecommendPlan') {
    return {
      kind: 'recommended',
      headline: 'Plan sent to a human — nothing changed',
      detail: `${report.escalation?.reason ?? describePlan(last)}${report.escalation?.notified === false ? ' (the notification was NOT delivered; it is in the logs)' : ''}.`,
      at,
      netChange,
    };
  }
  if (lastState === 'IncidentEscalated' || report.escalation !== undefined) {
    const delivered = report.escalation?.notified === false ? ' The notification was NOT delivered; the reason is in the logs.' : '';
    const denied = last?.policy?.allowed === false;
    return {
      kind: 'escalated',
      headline: netChange === 'changed' ? 'Handed to a human — a change is still in place' : denied ? 'Handed to a human — the policy refused the plan' : 'Handed to a human',
      detail: `${capitalise(report.escalation?.reason ?? 'the workflow escalated the incident')}.${delivered}`,
      at,
      netChange,
    };
  }
  if (lastState === 'IncidentSkipped' || (record !== undefined && /^skipped/.test(record.summary))) {
    return { kind: 'skipped', headline: 'Skipped — nothing changed', detail: `${capitalise(record?.summary ?? 'another run holds the resource')}.`, at, netChange };
  }
  if (lastState === 'IncidentRecorded' || (record !== undefined && /^observed/.test(record.summary))) {
    return { kind: 'observed', headline: 'Observed only — nothing changed', detail: `Would have run: ${describePlan(last)}.`, at, netChange };
  }
  if (status === 'RUNNING') {
    if (last?.approval?.verdict === 'waiting') {
      return { kind: 'awaiting-approval', headline: 'Waiting for approval', detail: `A human must approve: ${describePlan(last)}.`, netChange };
    }
    return { kind: 'in-progress', headline: 'In progress', detail: `The workflow is at ${lastState ?? 'its start'}.`, netChange };
  }
  const error = report.execution.error ?? report.errors.at(-1)?.error ?? status;
  const cause = report.execution.cause ?? report.errors.at(-1)?.cause;
  return {
    kind: 'failed',
    headline: 'The workflow failed — a human must look',
    detail: `${error}${cause ? `: ${causeMessage(cause)}` : ''}.`,
    at,
    netChange,
  };
}

function describePlan(round: ReportRound | undefined): string {
  const decision = round?.decision;
  if (decision === undefined) return 'no plan was made';
  return `${decision.action} on ${decision.target} — ${decision.rationale}`;
}

const capitalise = (text: string) => (text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1)).replace(/[.\s]+$/, '');

/**
 * The before/after rows: the alarm, and what the action changed, as far as
 * the steps say. "Before" is the first context read (before any action);
 * "after" is the last verification, or the undo when one put things back.
 */
function stateChangesOf(report: IncidentReport, before: Json | undefined): IncidentReport['stateChanges'] {
  const rows: IncidentReport['stateChanges'] = [];
  const latest = <K extends keyof ReportRound>(key: K) => [...report.rounds].reverse().find((round) => round[key] !== undefined)?.[key];
  const verification = latest('verification') as ReportRound['verification'];
  const action = latest('action') as ReportRound['action'];
  const undo = [...report.rounds].reverse().find((round) => round.undo?.undone === true)?.undo;
  const beforeAlarm = objectAt(before, 'alarm');
  if (beforeAlarm !== undefined && str(beforeAlarm.name) !== undefined) {
    const value = num(beforeAlarm.latestValue);
    const threshold = num(beforeAlarm.threshold);
    rows.push({
      what: `alarm ${String(beforeAlarm.name)}`,
      before: `${str(beforeAlarm.state) ?? '?'}${value === undefined ? '' : ` at ${value}`}${threshold === undefined ? '' : ` (threshold ${threshold})`}`,
      after: verification?.alarmState ?? 'not checked',
    });
  }
  const group = objectAt(before, 'autoScalingGroup');
  if (group !== undefined || action?.state === 'ScaleOutAsg') {
    const recorded = objectAt(action, 'before');
    const restored = num(objectAt(undo, 'details')?.restoredTo);
    const desiredBefore = num(recorded?.desiredCapacity) ?? num(group?.desiredCapacity);
    const desiredAfter = restored ?? verification?.desiredCapacity ?? num(objectAt(action, 'applied')?.targetCapacity);
    rows.push({
      what: 'desired capacity',
      before: desiredBefore === undefined ? '?' : String(desiredBefore),
      after: desiredAfter === undefined ? 'unchanged' : `${desiredAfter}${restored === undefined ? '' : ' (undone)'}`,
    });
    const inService = num(group?.inServiceInstances);
    if (inService !== undefined || verification?.inServiceInstances !== undefined) {
      rows.push({ what: 'instances in service', before: inService === undefined ? '?' : String(inService), after: verification?.inServiceInstances === undefined ? '?' : String(verification.inServiceInstances) });
    }
  }
  const kube = objectAt(before, 'kubernetes');
  if (kube !== undefined) {
    rows.push({
      what: `deployment ${str(kube.namespace) ?? '?'}/${str(kube.deployment) ?? '?'}`,
      before: `revision ${num(kube.revision) ?? '?'} (${arr(kube.images).join(', ')}), ${num(kube.readyReplicas) ?? '?'}/${num(kube.replicas) ?? '?'} ready`,
      after: undo !== undefined ? `put back: ${undo.summary}` : action?.changed ? action.summary : 'unchanged',
    });
  }
  const recorded = objectAt(action, 'before');
  if (action?.state === 'BlockIpInWaf' && recorded !== undefined) {
    const applied = objectAt(action, 'applied') ?? {};
    rows.push({
      what: `${str(recorded.cidr) ?? '?'} in IP set ${str(objectAt(recorded, 'ipSet')?.name) ?? '?'}`,
      before: recorded.present === true ? 'already blocked' : 'not blocked',
      after: undo !== undefined ? 'unblocked (undone)' : applied.outcome === 'blocked' ? `blocked until ${str(applied.expiresAt) ?? '?'}` : (str(applied.outcome) ?? 'unchanged'),
    });
  }
  return rows;
}
