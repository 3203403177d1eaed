import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { VerifyMacCommand, type VerifyMacCommandInput } from '@aws-sdk/client-kms';
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { UpdateIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EKSClient } from '@aws-sdk/client-eks';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FLAP_GUARD } from '../../lambdas/shared/flap-guard.js';
import { report } from './reliability-figures.js';
import type * as z from 'zod';
import { runbooksJson } from '../../lib/runbook-files.js';
import { AlarmStateChangeEventSchema } from '../../lambdas/shared/alarm-event.js';
import { MalformedEventError } from '../../lambdas/shared/errors.js';
import { LOG_DETECTION_SOURCE, LogDetectionEventSchema } from '../../lambdas/shared/log-detection.js';
import type { Decision } from '../../lambdas/shared/workflow.js';
import { APPROVAL_URL, fakeKms, KEY_ARN, macOf, TASK_TOKEN } from '../lambdas/approval-fixtures.js';
import { blockPlan, PROTECTED, SITE_SET, WAF_SETTINGS } from '../lambdas/block-ip-in-waf/waf-handler-fixtures.js';
import { EXECUTION_ARN, invoke, STATE_MACHINE_ARN, TABLE_NAME, throttlingError, TOPIC_ARN } from '../lambdas/harness.js';
import {
  alarmEvent,
  scopeWith,
  testAsgResource,
  testContext,
  testEksIncident,
  testEksResource,
  testIncident,
  testScaleOutResult,
  testVerification,
  testWafIncident,
  testWafResource,
} from '../support/fixtures.js';
import { hostileInputsFor } from './fuzz-arbitraries.js';
import { hostileLogPayloadArb, type LogPayloadCase } from './fuzz-log-payloads.js';
import { type FuzzRequest, hostileRequestArb } from './fuzz-requests.js';
import { logDetection, logDetectionEvent } from './log-detection-events.js';

/**
 * Reliability: thousands of malformed and hostile inputs into every entry
 * handler — the intake (alarm state changes and Log Detection events), the
 * log intake (CloudWatch Logs subscription payloads), the approval callback
 * — and into every workflow handler's input validation, the action
 * functions' `apply` and `undo` and the block expiry included. Each must be
 * refused cleanly (a `MalformedEventError` naming a field, the log intake's
 * `CorruptLogPayloadError` / `OversizedLogPayloadError`, or a 4xx page from
 * the approval callback) and must write nothing. Inputs that a mutation
 * happened to leave valid only have to finish without crashing.
 */

// One resource of each kind: the Auto Scaling group `web`, the site `site-acl` (whose log
// group `/site/access` is read) and the Deployment `shop/checkout` on `prod`.
process.env.RESOURCE_SCOPE = JSON.stringify(
  scopeWith([testAsgResource(), testWafResource(), testEksResource()], { protectedCidrs: [PROTECTED], allowedNamespaces: ['shop'] }),
);
process.env.WAF_SETTINGS = JSON.stringify(WAF_SETTINGS);
process.env.EVENT_BUS_NAME = 'default';
process.env.TABLE_NAME = TABLE_NAME;
process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
process.env.TOPIC_ARN = TOPIC_ARN;
process.env.APPROVAL_KEY_ID = KEY_ARN;
process.env.APPROVAL_URL = APPROVAL_URL;
process.env.RUNBOOKS_JSON = runbooksJson();
delete process.env.BEDROCK_MODEL_ID;

const SEED = 42;

const kms = fakeKms();
const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);
const autoScaling = mockClient(AutoScalingClient);
const waf = mockClient(WAFV2Client);
const scheduler = mockClient(SchedulerClient);
const eventBridge = mockClient(EventBridgeClient);
const readOnlyClients = [
  mockClient(CloudWatchClient),
  mockClient(CloudWatchLogsClient),
  mockClient(CloudTrailClient),
  mockClient(BedrockRuntimeClient),
  mockClient(EKSClient),
];

interface Stub {
  reset(): unknown;
  resetHistory(): unknown;
  onAnyCommand(): { callsFake(fake: () => unknown): unknown };
}
const mocks: Stub[] = [dynamo, sfn, sns, autoScaling, waf, scheduler, eventBridge, ...readOnlyClients];

/**
 * Every AWS call fails transiently, so that an input a mutation left valid
 * ends in a named error instead of reaching a real endpoint. KMS keeps its
 * in-process HMAC (forged MACs get `KMSInvalidMacException`), and the table
 * knows no approval, so a genuinely signed link meets a missing record.
 *
 * The behaviour is set once; each input only clears the recorded calls.
 * (`reset()` makes a new stub each time, and sinon's default sandbox keeps
 * every old one with its recorded calls, hostile payloads included: over
 * 15,000 inputs that alone exhausts the heap.)
 */
function configureAws(): void {
  for (const mock of mocks) {
    mock.reset();
    // A fresh error for every call: a handler may annotate the one it catches.
    mock.onAnyCommand().callsFake(() => Promise.reject(throttlingError()));
  }
  dynamo.on(GetCommand).resolves({});
}
configureAws();

function resetAws(): void {
  for (const mock of [...mocks, kms.mock]) mock.resetHistory();
}

/** The calls that change something: none may happen for a refused input. */
function writes(): number {
  return (
    dynamo.commandCalls(PutCommand).length +
    dynamo.commandCalls(UpdateCommand).length +
    dynamo.commandCalls(DeleteCommand).length +
    sfn.commandCalls(StartExecutionCommand).length +
    sfn.commandCalls(SendTaskSuccessCommand).length +
    sfn.commandCalls(SendTaskFailureCommand).length +
    sfn.commandCalls(SendTaskHeartbeatCommand).length +
    sns.commandCalls(PublishCommand).length +
    autoScaling.commandCalls(SetDesiredCapacityCommand).length +
    waf.commandCalls(UpdateIPSetCommand).length +
    scheduler.commandCalls(CreateScheduleCommand).length +
    scheduler.commandCalls(DeleteScheduleCommand).length +
    eventBridge.commandCalls(PutEventsCommand).length
  );
}

/** State the log intake saves: its template state, written only after every detection is published. */
function savedState(): number {
  return dynamo.commandCalls(PutCommand).length + dynamo.commandCalls(UpdateCommand).length + dynamo.commandCalls(DeleteCommand).length;
}

function awsCalls(): number {
  return [dynamo, sfn, sns, autoScaling, waf, scheduler, eventBridge, kms.mock, ...readOnlyClients].reduce((total, mock) => total + mock.calls().length, 0);
}

/** Errors a handler may end with on a valid input: the named errors the state machine catches. */
const NAMED_ERRORS = new Set([
  'MalformedEventError',
  'TransientAwsError',
  'LeaseHeldError',
  'CooldownActiveError',
  'OutOfScopeError',
  'StalePlanError',
  'TargetNotFoundError',
]);

interface Tally {
  inputs: number;
  refused: number;
  accepted: number;
  crashes: number;
  /** Response status codes seen, for the callback. */
  statuses: Map<number, number>;
  /** What the log intake made of each payload. */
  kinds: Map<string, number>;
}
const tallies = new Map<string, Tally>();
function tallyOf(name: string): Tally {
  let tally = tallies.get(name);
  if (tally === undefined) {
    tally = { inputs: 0, refused: 0, accepted: 0, crashes: 0, statuses: new Map(), kinds: new Map() };
    tallies.set(name, tally);
  }
  return tally;
}

/** Runs one check; a failure counts as a crash and is re-thrown for fast-check to report and shrink. */
async function counted(tally: Tally, check: () => Promise<'refused' | 'accepted'>): Promise<void> {
  tally.inputs += 1;
  try {
    tally[await check()] += 1;
  } catch (error) {
    tally.crashes += 1;
    throw error;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : `non-error thrown: ${String(error)}`;
}

/** The first field the schema objects to, as `describeParseFailure` names it. */
function firstFieldOf(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }>): string {
  const path = issues[0]?.path ?? [];
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

async function outcomeOf(run: () => Promise<unknown>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

function assertNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted, 'Object.prototype was polluted').toBeUndefined();
}

/** What an input must be: a zod schema, or a choice of schemas as the handler's contract makes it. */
interface Contract {
  safeParse(input: unknown): { success: true } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }> } };
}

/**
 * The intake's contract: an event from the log intake (source
 * `self-healing.logs`) must be a Log Detection event; anything else must be
 * a CloudWatch alarm's state change.
 */
const INTAKE_CONTRACT: Contract = {
  safeParse: (input) => {
    const fromLogs = typeof input === 'object' && input !== null && (input as { source?: unknown }).source === LOG_DETECTION_SOURCE;
    return (fromLogs ? LogDetectionEventSchema : AlarmStateChangeEventSchema).safeParse(input);
  },
};

/**
 * The property for handlers that validate with a schema: an input the
 * schema refuses is a `MalformedEventError` naming the schema's first
 * wrong field, with no AWS call at all; an input it accepts ends in a
 * result or a named error. `refusesAfterParse` covers intake, which can also
 * refuse a schema-valid event (as `MalformedEventError`, writing nothing).
 */
async function checkSchemaHandler(
  handler: (...args: never[]) => Promise<unknown>,
  schema: Contract,
  input: unknown,
): Promise<'refused' | 'accepted'> {
  // middy defaults a missing event to `{}` (Lambda itself always delivers JSON, at least `null`).
  const expected = schema.safeParse(input === undefined ? {} : input);
  resetAws();
  const outcome = await outcomeOf(() => invoke(handler, input));
  assertNoPollution();
  if (!expected.success) {
    if (outcome.ok) throw new Error('a malformed input was accepted');
    const { error } = outcome;
    if (!(error instanceof MalformedEventError)) throw new Error(`expected MalformedEventError, got ${describeError(error)}`);
    const field = firstFieldOf(expected.error.issues);
    if (!error.message.includes(`${field}: `)) throw new Error(`the refusal does not name the field ${field}: ${error.message.slice(0, 300)}`);
    expect(awsCalls(), 'AWS calls for a refused input').toBe(0);
    return 'refused';
  }
  if (!outcome.ok) {
    const { error } = outcome;
    if (!(error instanceof Error) || !NAMED_ERRORS.has(error.name)) throw new Error(`a valid input crashed the handler: ${describeError(error)}`);
    if (error instanceof MalformedEventError) {
      expect(error.message, 'a refusal names a field').toMatch(/(\(root\)|[\w.-]+): \S/);
      expect(writes(), 'writes for a refused input').toBe(0);
      return 'refused';
    }
  }
  return 'accepted';
}

interface HtmlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A VerifyMac call that KMS would have answered with a valid MAC. */
function genuineVerifications(): number {
  return kms.mock.commandCalls(VerifyMacCommand).filter((call) => {
    const input = call.args[0].input as VerifyMacCommandInput;
    return Buffer.from(input.Mac!).equals(macOf(input.Message!));
  }).length;
}

/**
 * The callback's property: every hostile request gets a 4xx HTML page
 * (never a throw, never a 5xx), and nothing is written. Only a genuinely
 * signed link may lead to reading the approval record.
 */
async function checkCallback(handler: (...args: never[]) => Promise<unknown>, request: FuzzRequest, tally: Tally): Promise<'refused'> {
  resetAws();
  const outcome = await outcomeOf(async () => {
    const response = (await invoke(handler, request.event)) as HtmlResponse;
    if (typeof response?.statusCode !== 'number' || response.statusCode < 400 || response.statusCode > 499) {
      throw new Error(`expected a 4xx page, got ${response?.statusCode}: ${String(response?.body).slice(0, 300)}`);
    }
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    tally.statuses.set(response.statusCode, (tally.statuses.get(response.statusCode) ?? 0) + 1);
    expect(response.body).toBeTypeOf('string');
  });
  if (!outcome.ok) throw new Error(`the callback failed a hostile request: ${describeError(outcome.error)}`);
  assertNoPollution();
  expect(writes(), 'writes for a refused request').toBe(0);
  if (genuineVerifications() === 0) expect(dynamo.calls(), 'record reads behind a forged signature').toHaveLength(0);
  return 'refused';
}

// Inputs per handler: the intake, the log intake and the callback are the public edges and get the most.
const RUNS = { intake: 2_500, intakeLogs: 1_500, logIntake: 2_000, callback: 3_000, workflow: 600 } as const;

type Handler = (...args: never[]) => Promise<unknown>;
interface WorkflowTarget {
  name: string;
  load: () => Promise<{ handler: Handler; schema: z.ZodType }>;
  /** Valid inputs to break: one per branch of the contract (apply and undo, each action). */
  valid: ReadonlyArray<() => unknown>;
}

const decision = () => ({
  action: 'scaleOutAsg',
  params: { autoScalingGroupName: 'web', targetCapacity: 6 },
  target: 'autoscaling-group/web',
  rationale: 'CPU at 95% on 4 instances; scaling out 4 → 6.',
  confidence: 0.9,
  evidence: ['alarm web-cpu-high in ALARM at 95'],
  source: 'runbook',
  runbookId: 'asg-cpu-high-scale-out',
});
const policy = () => ({ allowed: true, autonomy: 'approve', checks: [{ name: 'scope', passed: true, detail: 'in scope' }], reasons: [], summary: 'allowed' });

/** What BlockIpInWaf returns after blocking 198.51.100.7 for an hour. */
const blockResult = () => ({
  attempt: 1,
  action: 'blockIpInWaf',
  target: 'waf-ip-set/REGIONAL/site-blocklist',
  changed: true,
  actedAt: '2026-11-27T10:00:10.000Z',
  summary: 'blocked 198.51.100.7/32 in REGIONAL/site-blocklist until 2026-11-27T11:00:10.000Z',
  undoable: true,
  before: { cidr: '198.51.100.7/32', present: false, size: 1 },
  applied: {
    blockId: `blk-${'0123456789abcdef'.repeat(2).slice(0, 28)}`,
    changed: true,
    outcome: 'blocked',
    ipSet: SITE_SET,
    cidr: '198.51.100.7/32',
    expiresAt: '2026-11-27T11:00:10.000Z',
    scheduleName: `unblock-blk-${'0123456789abcdef'.repeat(2).slice(0, 28)}`,
    summary: 'blocked 198.51.100.7/32',
  },
});

function eksPlan(action: Decision['action'], params: Record<string, unknown>, target: string): Decision {
  return { action, params, target, rationale: 'errors began with the rollout of checkout:2', confidence: 0.9, evidence: [], source: 'runbook' };
}
const rollbackPlan = () => eksPlan('rollbackEksDeployment', { cluster: 'prod', namespace: 'shop', deployment: 'checkout' }, 'eks-deployment/prod/shop/checkout');
const restartPlan = () => eksPlan('restartEksDeployment', { cluster: 'prod', namespace: 'shop', deployment: 'checkout' }, 'eks-deployment/prod/shop/checkout');
const patchPlan = () =>
  eksPlan(
    'patchEksConfigMap',
    { cluster: 'prod', namespace: 'shop', configMap: 'checkout-config', key: 'DB_POOL_SIZE', value: '20', restartDeployment: 'checkout' },
    'eks-configmap/prod/shop/checkout-config',
  );
/** What ActOnEks returns after rolling `checkout` back from revision 2 to 1. */
const rollbackResult = () => ({
  attempt: 1,
  action: 'rollbackEksDeployment',
  target: 'eks-deployment/prod/shop/checkout',
  changed: true,
  actedAt: '2026-11-27T10:00:10.000Z',
  summary: 'rolled back shop/checkout from revision 2 to 1',
  undoable: true,
  before: { cluster: 'prod', namespace: 'shop', deployment: 'checkout', uid: 'u-1', resourceVersion: '41', generation: 2, revision: 2, paused: false, replicas: 3, template: {} },
  applied: { fromRevision: 2, toRevision: 1, replicaSet: 'checkout-7d9f', images: [], generation: 3, resourceVersion: '42', alreadyApplied: false },
});

const actionStep = (operation: 'apply' | 'undo', incident: () => unknown, plan: () => Decision, result?: () => unknown) => () => ({
  operation,
  incident: incident(),
  attempt: 1,
  decision: plan(),
  ...(operation === 'undo' ? { action: result!(), reason: 'not recovered: the alarm is still in ALARM' } : {}),
  executionId: EXECUTION_ARN,
});

const WORKFLOW_TARGETS: WorkflowTarget[] = [
  {
    name: 'build-context',
    load: async () => {
      const m = await import('../../lambdas/build-context/index.js');
      return { handler: m.handler, schema: m.BuildContextInputSchema };
    },
    valid: [() => ({ incident: testIncident(), attempt: 0 })],
  },
  {
    name: 'decide',
    load: async () => {
      const m = await import('../../lambdas/decide/index.js');
      return { handler: m.handler, schema: m.DecideInputSchema };
    },
    valid: [() => ({ incident: testIncident(), context: testContext(), attempt: 0 })],
  },
  {
    name: 'check-policy',
    load: async () => {
      const m = await import('../../lambdas/check-policy/index.js');
      return { handler: m.handler, schema: m.CheckPolicyInputSchema };
    },
    valid: [() => ({ incident: testIncident(), context: testContext(), decision: decision() })],
  },
  {
    name: 'request-approval',
    load: async () => {
      const m = await import('../../lambdas/request-approval/index.js');
      return { handler: m.handler, schema: m.RequestApprovalInputSchema };
    },
    valid: [() => ({ incident: testIncident(), decision: decision(), policy: policy(), taskToken: TASK_TOKEN, executionId: EXECUTION_ARN, timeoutSeconds: 3_600 })],
  },
  {
    name: 'acquire-lease',
    load: async () => {
      const m = await import('../../lambdas/acquire-lease/index.js');
      return { handler: m.handler, schema: m.AcquireLeaseInputSchema };
    },
    valid: [
      () => ({
        incident: testIncident(),
        leaseSeconds: 1_800,
        decision: { action: 'scaleOutAsg', target: 'autoscaling-group/web' },
        attempt: 0,
        flapGuard: DEFAULT_FLAP_GUARD,
        currentValue: 4,
      }),
    ],
  },
  {
    name: 'record-attempt-result',
    load: async () => {
      const m = await import('../../lambdas/record-attempt-result/index.js');
      return { handler: m.handler, schema: m.RecordAttemptResultInputSchema };
    },
    valid: [() => ({ incident: testIncident(), attempt: 1, verification: { healthy: false, summary: 'still ALARM' }, flapGuard: DEFAULT_FLAP_GUARD })],
  },
  {
    name: 'scale-out-asg',
    load: async () => {
      const m = await import('../../lambdas/scale-out-asg/index.js');
      return { handler: m.handler, schema: m.ScaleOutInputSchema };
    },
    valid: [
      () => ({ ...actionStep('apply', testIncident, decision as () => Decision)(), plannedFrom: 4 }),
      actionStep('undo', testIncident, decision as () => Decision, () => testScaleOutResult()),
    ],
  },
  {
    name: 'block-ip-in-waf',
    load: async () => {
      const m = await import('../../lambdas/block-ip-in-waf/index.js');
      const { ActionStepInputSchema } = await import('../../lambdas/shared/actions/action-step.js');
      return { handler: m.handler, schema: ActionStepInputSchema };
    },
    valid: [actionStep('apply', testWafIncident, () => blockPlan()), actionStep('undo', testWafIncident, () => blockPlan(), blockResult)],
  },
  {
    name: 'act-on-eks',
    load: async () => {
      const m = await import('../../lambdas/act-on-eks/index.js');
      const { ActionStepInputSchema } = await import('../../lambdas/shared/actions/action-step.js');
      return { handler: m.handler, schema: ActionStepInputSchema };
    },
    valid: [
      actionStep('apply', testEksIncident, rollbackPlan),
      actionStep('apply', testEksIncident, restartPlan),
      actionStep('apply', testEksIncident, patchPlan),
      actionStep('undo', testEksIncident, rollbackPlan, rollbackResult),
    ],
  },
  {
    name: 'expire-ip-block',
    load: async () => {
      const m = await import('../../lambdas/expire-ip-block/index.js');
      const { UnblockInputSchema } = await import('../../lambdas/shared/waf/index.js');
      return { handler: m.handler, schema: UnblockInputSchema };
    },
    // What the block's expiry schedule sends.
    valid: [() => ({ action: 'unblockIpInWaf', blockId: blockResult().applied.blockId, ipSet: { name: SITE_SET.name, id: SITE_SET.id, scope: 'REGIONAL' }, cidr: '198.51.100.7/32' })],
  },
  {
    name: 'verify-recovery',
    load: async () => {
      const m = await import('../../lambdas/verify-recovery/index.js');
      return { handler: m.handler, schema: m.VerifyRecoveryInputSchema };
    },
    valid: [
      () => ({ incident: testIncident(), action: testScaleOutResult(), context: testContext() }),
      () => ({ incident: testWafIncident(), action: blockResult(), context: {} }),
    ],
  },
  {
    name: 'record-outcome',
    load: async () => {
      const m = await import('../../lambdas/record-outcome/index.js');
      return { handler: m.handler, schema: m.RecordOutcomeInputSchema };
    },
    valid: [
      () => ({
        incident: testIncident(),
        outcome: 'resolved',
        decision: decision(),
        policy: policy(),
        action: testScaleOutResult(),
        verification: testVerification(),
        attempt: 1,
        cooldownSeconds: 900,
        executionId: EXECUTION_ARN,
      }),
      () => ({ incident: testIncident(), outcome: 'skipped', skip: { Error: 'LeaseHeldError', Cause: 'held by inc-1' }, cooldownSeconds: 900, executionId: EXECUTION_ARN }),
    ],
  },
  {
    name: 'escalate-incident',
    load: async () => {
      const m = await import('../../lambdas/escalate-incident/index.js');
      return { handler: m.handler, schema: m.EscalateIncidentInputSchema };
    },
    valid: [
      () => ({
        incident: testIncident(),
        state: { incident: testIncident(), attempt: { number: 3 }, context: testContext(), decision: decision(), action: testScaleOutResult() },
        executionId: EXECUTION_ARN,
      }),
    ],
  },
];

/** Log detections about the site's access log (routed to `site-acl`), one of each kind, and one about a log group nobody reads. */
const LOG_DETECTIONS: ReadonlyArray<() => unknown> = [
  () => logDetectionEvent(logDetection('client-flood', { logGroup: '/site/access', eventId: '37001' })),
  () => logDetectionEvent(logDetection('signature', { logGroup: '/site/access', eventId: '37002' })),
  () => logDetectionEvent(logDetection('error-burst', { logGroup: '/site/access', eventId: '37003' })),
  () => logDetectionEvent(logDetection('new-error-template', { logGroup: '/site/access', eventId: '37004' })),
  () => logDetectionEvent(logDetection('signature', { logGroup: '/nobody/reads/this', eventId: '37005' })),
];

let started = 0;
beforeAll(() => {
  started = Date.now();
});

afterAll(() => {
  let inputs = 0;
  let crashes = 0;
  for (const [name, tally] of tallies) {
    inputs += tally.inputs;
    crashes += tally.crashes;
    const statuses = [...tally.statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
    const kinds = [...tally.kinds].map(([kind, count]) => `${count} ${kind}`);
    const detail = statuses.length > 0 ? statuses.join(' ') : kinds.length > 0 ? kinds.join(', ') : `${tally.refused} refused, ${tally.accepted} valid and handled`;
    console.log(`fuzz ${name}: ${tally.inputs} inputs (${detail}), ${tally.crashes} crashes`);
  }
  console.log(`fuzz: ${inputs} inputs, ${crashes} crashes (${((Date.now() - started) / 1000).toFixed(1)} s)`);
});

/** Names of the log intake's refusals. */
const LOG_PAYLOAD_ERRORS = { corrupt: 'CorruptLogPayloadError', oversized: 'OversizedLogPayloadError' } as const;
/** Errors the log intake may end with on a well-formed batch (here every AWS call fails transiently). */
const LOG_BATCH_ERRORS = new Set(['TransientAwsError', 'TemplateStateConflictError']);

/**
 * The log intake's property: a payload that is not base64 of gzipped
 * subscription JSON is refused with `CorruptLogPayloadError` (naming the
 * field when a shape is wrong), one that decompresses beyond the limit with
 * `OversizedLogPayloadError`, both before any AWS call: nothing is read,
 * published or saved. A CONTROL_MESSAGE is skipped, also without a call. A
 * well-formed batch is mined, and its state is never saved unless every
 * detection was published.
 */
async function checkLogIntake(handler: Handler, payload: LogPayloadCase, tally: Tally): Promise<'refused' | 'accepted'> {
  resetAws();
  const outcome = await outcomeOf(() => invoke(handler, payload.event));
  assertNoPollution();
  const context = `${payload.how} (expected ${payload.expect.kind})`;
  const { expect: expected } = payload;
  switch (expected.kind) {
    case 'corrupt':
    case 'oversized': {
      if (outcome.ok) throw new Error(`${context}: the payload was accepted`);
      const { error } = outcome;
      const name = LOG_PAYLOAD_ERRORS[expected.kind];
      if (!(error instanceof Error) || error.name !== name) throw new Error(`${context}: expected ${name}, got ${describeError(error)}`);
      if (expected.kind === 'corrupt' && expected.field !== undefined && !error.message.includes(`${expected.field}: `)) {
        throw new Error(`${context}: the refusal does not name the field ${expected.field}: ${error.message.slice(0, 300)}`);
      }
      expect(awsCalls(), `${context}: AWS calls for a refused payload`).toBe(0);
      tally.kinds.set(name, (tally.kinds.get(name) ?? 0) + 1);
      return 'refused';
    }
    case 'control': {
      if (!outcome.ok) throw new Error(`${context}: a control message failed: ${describeError(outcome.error)}`);
      expect(awsCalls(), `${context}: AWS calls for a control message`).toBe(0);
      tally.kinds.set('skipped control message', (tally.kinds.get('skipped control message') ?? 0) + 1);
      return 'accepted';
    }
    case 'data': {
      if (!outcome.ok && !(outcome.error instanceof Error && LOG_BATCH_ERRORS.has(outcome.error.name))) {
        throw new Error(`${context}: a well-formed batch crashed the log intake: ${describeError(outcome.error)}`);
      }
      // Every PutEvents is refused here: then the state must not be saved, or the redelivery would skip the batch and lose its detections.
      if (eventBridge.commandCalls(PutEventsCommand).length > 0) expect(savedState(), `${context}: state saved although publishing failed`).toBe(0);
      tally.kinds.set('well-formed batch', (tally.kinds.get('well-formed batch') ?? 0) + 1);
      return 'accepted';
    }
  }
}

describe('reliability: hostile input into the entry handlers', () => {
  it('intake refuses every malformed alarm event with a MalformedEventError naming a field, and writes nothing', async () => {
    // Prepare
    const { handler } = await import('../../lambdas/intake/index.js');
    const tally = tallyOf('intake');

    // Act & Assess
    await fc.assert(
      fc.asyncProperty(hostileInputsFor(() => alarmEvent()), (event) => counted(tally, () => checkSchemaHandler(handler, AlarmStateChangeEventSchema, event))),
      { seed: SEED, numRuns: RUNS.intake },
    );
    expect(tally.refused).toBeGreaterThan(tally.inputs / 2);
  });

  it('intake refuses every malformed Log Detection event with a MalformedEventError naming a field, and writes nothing', async () => {
    // Prepare
    const { handler } = await import('../../lambdas/intake/index.js');
    const tally = tallyOf('intake (log detections)');
    for (const valid of LOG_DETECTIONS) expect(INTAKE_CONTRACT.safeParse(valid()).success, 'the base fixture is valid').toBe(true);

    // Act & Assess
    await fc.assert(
      fc.asyncProperty(hostileInputsFor(LOG_DETECTIONS), (event) => counted(tally, () => checkSchemaHandler(handler, INTAKE_CONTRACT, event))),
      { seed: SEED, numRuns: RUNS.intakeLogs },
    );
    expect(tally.refused).toBeGreaterThan(tally.inputs / 2);
  });

  it('the log intake refuses every corrupt, garbage or oversized payload with a named error, and publishes and saves nothing', async () => {
    // Prepare
    const { handler } = await import('../../lambdas/log-intake/index.js');
    const tally = tallyOf('log-intake');

    // Act & Assess
    await fc.assert(
      fc.asyncProperty(hostileLogPayloadArb, (payload) => counted(tally, () => checkLogIntake(handler, payload, tally))),
      { seed: SEED, numRuns: RUNS.logIntake },
    );
    expect(tally.refused).toBeGreaterThan(tally.inputs / 2);
    // Each kind of payload was really tried.
    expect(tally.kinds.get('CorruptLogPayloadError'), 'corrupt payloads').toBeGreaterThan(100);
    expect(tally.kinds.get('OversizedLogPayloadError'), 'gzip bombs').toBeGreaterThan(10);
    expect(tally.kinds.get('skipped control message'), 'control messages').toBeGreaterThan(10);
    expect(tally.kinds.get('well-formed batch'), 'well-formed batches').toBeGreaterThan(10);
  });

  it('the approval callback answers every hostile request with a 4xx page and writes nothing', async () => {
    // Prepare
    const { handler } = await import('../../lambdas/approval-callback/index.js');
    const tally = tallyOf('approval-callback');

    // Act & Assess
    await fc.assert(
      fc.asyncProperty(hostileRequestArb, (request) => counted(tally, () => checkCallback(handler, request, tally))),
      { seed: SEED, numRuns: RUNS.callback },
    );
  });
});

describe('reliability: hostile input into the workflow handlers', () => {
  for (const target of WORKFLOW_TARGETS) {
    it(`${target.name} refuses every malformed input with a MalformedEventError naming a field, and writes nothing`, async () => {
      // Prepare
      const { handler, schema } = await target.load();
      for (const valid of target.valid) expect(schema.safeParse(valid()).success, 'the base fixture is valid').toBe(true);
      const tally = tallyOf(target.name);

      // Act & Assess
      await fc.assert(
        fc.asyncProperty(hostileInputsFor(target.valid), (input) => counted(tally, () => checkSchemaHandler(handler, schema, input))),
        { seed: SEED, numRuns: RUNS.workflow },
      );
      expect(tally.refused).toBeGreaterThan(tally.inputs / 2);
    });
  }
});

describe('reliability: plans handed to the wrong action function', () => {
  // The state machine routes each plan to its action's function; a routing slip or a
  // hand-made invocation must be refused before anything is read or written.
  const plans: Record<string, () => Decision> = {
    scaleOutAsg: decision as () => Decision,
    blockIpInWaf: () => blockPlan(),
    rollbackEksDeployment: rollbackPlan,
    restartEksDeployment: restartPlan,
    patchEksConfigMap: patchPlan,
  };
  const functions = [
    { name: 'scale-out-asg', actions: ['scaleOutAsg'], load: async () => (await import('../../lambdas/scale-out-asg/index.js')).handler },
    { name: 'block-ip-in-waf', actions: ['blockIpInWaf'], load: async () => (await import('../../lambdas/block-ip-in-waf/index.js')).handler },
    {
      name: 'act-on-eks',
      actions: ['rollbackEksDeployment', 'restartEksDeployment', 'patchEksConfigMap'],
      load: async () => (await import('../../lambdas/act-on-eks/index.js')).handler,
    },
  ];
  for (const target of functions) {
    it(`${target.name} refuses every other action's plan, apply or undo, with a MalformedEventError and writes nothing`, async () => {
      // Prepare
      const handler = await target.load();
      const tally = tallyOf(`${target.name} (other actions' plans)`);
      const foreign = Object.entries(plans).filter(([action]) => !target.actions.includes(action));

      // Act & Assess
      for (const [action, plan] of foreign) {
        for (const operation of ['apply', 'undo'] as const) {
          await counted(tally, async () => {
            resetAws();
            const input = { ...actionStep(operation, testIncident, plan, testScaleOutResult)(), plannedFrom: 4 };
            const outcome = await outcomeOf(() => invoke(handler, input));
            if (outcome.ok || !(outcome.error instanceof MalformedEventError)) {
              throw new Error(`${operation} of a ${action} plan: expected MalformedEventError, got ${outcome.ok ? 'a result' : describeError(outcome.error)}`);
            }
            expect(outcome.error.message, 'the refusal names the plan it got').toContain(action);
            expect(awsCalls(), `AWS calls for a ${action} plan`).toBe(0);
            return 'refused';
          });
        }
      }
      expect(tally.refused).toBe(foreign.length * 2);
    });
  }
});

describe('reliability: fuzz figures', () => {
  it('ran at least 10,000 hostile inputs into the entry handlers without one crash', ({ task }) => {
    let inputs = 0;
    let crashes = 0;
    for (const tally of tallies.values()) {
      inputs += tally.inputs;
      crashes += tally.crashes;
    }
    report(task.meta, { fuzz: { inputs, crashes } });
    expect(inputs).toBeGreaterThanOrEqual(10_000);
    expect(crashes).toBe(0);
  });
});
