import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { VerifyMacCommand, type VerifyMacCommandInput } from '@aws-sdk/client-kms';
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
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
import { APPROVAL_URL, fakeKms, KEY_ARN, macOf, TASK_TOKEN } from '../lambdas/approval-fixtures.js';
import { EXECUTION_ARN, invoke, STATE_MACHINE_ARN, TABLE_NAME, throttlingError, TOPIC_ARN } from '../lambdas/harness.js';
import { alarmEvent, testContext, testIncident, testScope } from '../support/fixtures.js';
import { hostileInputsFor } from './fuzz-arbitraries.js';
import { type FuzzRequest, hostileRequestArb } from './fuzz-requests.js';

/**
 * Reliability: thousands of malformed and hostile inputs into every entry
 * handler and every workflow handler's input validation. Each must be
 * refused cleanly (a `MalformedEventError` naming a field, or a 4xx page
 * from the approval callback) and must write nothing. Inputs that a
 * mutation happened to leave valid only have to finish without crashing.
 */

process.env.RESOURCE_SCOPE = JSON.stringify(testScope());
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
const readOnlyClients = [mockClient(CloudWatchClient), mockClient(CloudWatchLogsClient), mockClient(CloudTrailClient), mockClient(BedrockRuntimeClient)];

/**
 * Every AWS call fails transiently, so that an input a mutation left valid
 * ends in a named error instead of reaching a real endpoint. KMS keeps its
 * in-process HMAC (forged MACs get `KMSInvalidMacException`), and the table
 * knows no approval, so a genuinely signed link meets a missing record.
 */
function resetAws(): void {
  const mocks: Array<{ reset(): unknown; onAnyCommand(): { rejects(error: unknown): unknown } }> = [dynamo, sfn, sns, autoScaling, ...readOnlyClients];
  for (const mock of mocks) {
    mock.reset();
    mock.onAnyCommand().rejects(throttlingError());
  }
  dynamo.on(GetCommand).resolves({});
  kms.reset();
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
    autoScaling.commandCalls(SetDesiredCapacityCommand).length
  );
}

function awsCalls(): number {
  return [dynamo, sfn, sns, autoScaling, kms.mock, ...readOnlyClients].reduce((total, mock) => total + mock.calls().length, 0);
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
}
const tallies = new Map<string, Tally>();
function tallyOf(name: string): Tally {
  let tally = tallies.get(name);
  if (tally === undefined) {
    tally = { inputs: 0, refused: 0, accepted: 0, crashes: 0, statuses: new Map() };
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

/**
 * The property for handlers that validate with a schema: an input the
 * schema refuses is a `MalformedEventError` naming the schema's first
 * wrong field, with no AWS call at all; an input it accepts ends in a
 * result or a named error. `refusesAfterParse` covers intake, which can also
 * refuse a schema-valid event (as `MalformedEventError`, writing nothing).
 */
async function checkSchemaHandler(
  handler: (...args: never[]) => Promise<unknown>,
  schema: z.ZodType,
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

// Inputs per handler: intake and the callback are the public edges and get the most.
const RUNS = { intake: 2_500, callback: 3_000, workflow: 600 } as const;

type Handler = (...args: never[]) => Promise<unknown>;
interface WorkflowTarget {
  name: string;
  load: () => Promise<{ handler: Handler; schema: z.ZodType }>;
  valid: () => unknown;
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
const scaleOutResult = () => ({ attempt: 1, autoScalingGroupName: 'web', beforeCapacity: 4, targetCapacity: 6, changed: true, actedAt: '2026-11-27T10:00:10.000Z' });
const verification = () => ({ healthy: true, alarmState: 'OK', desiredCapacity: 6, inServiceInstances: 6, checkedAt: '2026-11-27T10:05:10.000Z', summary: 'alarm OK' });

const WORKFLOW_TARGETS: WorkflowTarget[] = [
  {
    name: 'build-context',
    load: async () => {
      const m = await import('../../lambdas/build-context/index.js');
      return { handler: m.handler, schema: m.BuildContextInputSchema };
    },
    valid: () => ({ incident: testIncident(), attempt: 0 }),
  },
  {
    name: 'decide',
    load: async () => {
      const m = await import('../../lambdas/decide/index.js');
      return { handler: m.handler, schema: m.DecideInputSchema };
    },
    valid: () => ({ incident: testIncident(), context: testContext(), attempt: 0 }),
  },
  {
    name: 'check-policy',
    load: async () => {
      const m = await import('../../lambdas/check-policy/index.js');
      return { handler: m.handler, schema: m.CheckPolicyInputSchema };
    },
    valid: () => ({ incident: testIncident(), context: testContext(), decision: decision() }),
  },
  {
    name: 'request-approval',
    load: async () => {
      const m = await import('../../lambdas/request-approval/index.js');
      return { handler: m.handler, schema: m.RequestApprovalInputSchema };
    },
    valid: () => ({ incident: testIncident(), decision: decision(), policy: policy(), taskToken: TASK_TOKEN, executionId: EXECUTION_ARN, timeoutSeconds: 3_600 }),
  },
  {
    name: 'acquire-lease',
    load: async () => {
      const m = await import('../../lambdas/acquire-lease/index.js');
      return { handler: m.handler, schema: m.AcquireLeaseInputSchema };
    },
    valid: () => ({
      incident: testIncident(),
      leaseSeconds: 1_800,
      decision: { action: 'scaleOutAsg', target: 'autoscaling-group/web' },
      attempt: 0,
      flapGuard: DEFAULT_FLAP_GUARD,
      currentValue: 4,
    }),
  },
  {
    name: 'record-attempt-result',
    load: async () => {
      const m = await import('../../lambdas/record-attempt-result/index.js');
      return { handler: m.handler, schema: m.RecordAttemptResultInputSchema };
    },
    valid: () => ({ incident: testIncident(), attempt: 1, verification: { healthy: false, summary: 'still ALARM' }, flapGuard: DEFAULT_FLAP_GUARD }),
  },
  {
    name: 'scale-out-asg',
    load: async () => {
      const m = await import('../../lambdas/scale-out-asg/index.js');
      return { handler: m.handler, schema: m.ScaleOutInputSchema };
    },
    valid: () => ({ incident: testIncident(), attempt: 1, decision: decision(), plannedFrom: 4, executionId: EXECUTION_ARN }),
  },
  {
    name: 'verify-recovery',
    load: async () => {
      const m = await import('../../lambdas/verify-recovery/index.js');
      return { handler: m.handler, schema: m.VerifyRecoveryInputSchema };
    },
    valid: () => ({ incident: testIncident(), action: scaleOutResult() }),
  },
  {
    name: 'record-outcome',
    load: async () => {
      const m = await import('../../lambdas/record-outcome/index.js');
      return { handler: m.handler, schema: m.RecordOutcomeInputSchema };
    },
    valid: () => ({
      incident: testIncident(),
      outcome: 'resolved',
      decision: decision(),
      policy: policy(),
      action: scaleOutResult(),
      verification: verification(),
      attempt: 1,
      cooldownSeconds: 900,
      executionId: EXECUTION_ARN,
    }),
  },
  {
    name: 'escalate-incident',
    load: async () => {
      const m = await import('../../lambdas/escalate-incident/index.js');
      return { handler: m.handler, schema: m.EscalateIncidentInputSchema };
    },
    valid: () => ({
      incident: testIncident(),
      state: { incident: testIncident(), attempt: { number: 3 }, context: testContext(), decision: decision(), action: scaleOutResult() },
      executionId: EXECUTION_ARN,
    }),
  },
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
    const detail = statuses.length > 0 ? statuses.join(' ') : `${tally.refused} refused, ${tally.accepted} valid and handled`;
    console.log(`fuzz ${name}: ${tally.inputs} inputs (${detail}), ${tally.crashes} crashes`);
  }
  console.log(`fuzz: ${inputs} inputs, ${crashes} crashes (${((Date.now() - started) / 1000).toFixed(1)} s)`);
});

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
      expect(schema.safeParse(target.valid()).success, 'the base fixture is valid').toBe(true);
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
