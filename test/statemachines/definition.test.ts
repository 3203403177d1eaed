import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IdempotencyAlreadyInProgressError, IdempotencyPersistenceLayerError } from '@aws-lambda-powertools/idempotency';
import * as errors from '../../lambdas/shared/errors.js';
import * as eksErrors from '../../lambdas/shared/eks/eks-errors.js';
import * as wafErrors from '../../lambdas/shared/waf/waf-errors.js';
import * as postgresErrors from '../../lambdas/shared/postgres/postgres-errors.js';
import * as indexAdvisorErrors from '../../lambdas/shared/index-advisor/index-advisor-errors.js';
import { ACTIONS } from '../../lambdas/shared/actions/catalog.js';
import { WORKFLOW_STEPS } from '../../lib/workflow-steps.js';
import { REMEDIATE_INCIDENT_ASL, WORKFLOW_FUNCTIONS } from '../../lib/workflow-functions.js';

type State = Record<string, any>;
const text = readFileSync(REMEDIATE_INCIDENT_ASL, 'utf8');
const definition = JSON.parse(text) as { StartAt: string; TimeoutSeconds?: number; States: Record<string, State> };
const states = Object.entries(definition.States);
const tasks = states.filter(([, state]) => state.Type === 'Task');
/** The states that apply an action, and those that undo one. */
const ACTION_STATES = ['ScaleOutAsg', 'BlockIpInWaf', 'ActOnEks', 'CreateIndexConcurrently'] as const;
const UNDO_STATES = ['UndoScaleOutAsg', 'UndoBlockIpInWaf', 'UndoEksAction', 'UndoCreateIndex'] as const;

/** Error names the ASL may match: our named errors, the Lambda service's, and the States.* family. */
const KNOWN_ERRORS = new Set([
  ...Object.values(errors).map((ErrorClass) => new (ErrorClass as new (message: string) => Error)('x').name),
  ...([...Object.values(eksErrors), ...Object.values(wafErrors), ...Object.values(postgresErrors), ...Object.values(indexAdvisorErrors)] as unknown[])
    .filter((value): value is abstract new (...args: never[]) => Error => typeof value === 'function' && value.prototype instanceof Error)
    .map((ErrorClass) => ErrorClass.name),
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  // Powertools Idempotency: a twin call still in progress, and a failing idempotency store.
  new IdempotencyAlreadyInProgressError('x').name,
  new IdempotencyPersistenceLayerError('x').name,
  'States.ALL',
  'States.Timeout',
  // Sent by the approval callback with SendTaskFailure when a human rejects a plan.
  'ApprovalRejected',
]);

describe('remediate-incident.asl.json', () => {
  it('has a workflow-wide timeout', () => {
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('lets no plan reach an action without passing the policy', () => {
    const S = definition.States;
    expect(S.Decide!.Next).toBe('CheckPolicy');
    const allowed = S.IsPlanAllowed!.Choices as { Variable: string; BooleanEquals?: boolean; Next: string }[];
    expect(allowed[0]).toMatchObject({ Variable: '$.policy.allowed', BooleanEquals: false, Next: 'EscalateIncident' });
  });

  it('uses exactly the placeholders the construct substitutes', () => {
    const placeholders = new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((match) => match[1]));
    expect([...placeholders].sort()).toEqual(WORKFLOW_FUNCTIONS.map((fn) => fn.substitutionKey).sort());
  });

  it('names states as PascalCase verb-nouns and Choice states as questions', () => {
    for (const [name, state] of states) {
      expect(name, name).toMatch(/^[A-Z][a-zA-Z]+$/);
      if (state.Type === 'Choice') expect(name, name).toMatch(/^(Is|Has|Should|Can|Are|Does|Needs|Which)[A-Z]/);
    }
  });

  it('gives every state a comment a reviewer can read in the console', () => {
    for (const [name, state] of states) expect(state.Comment, name).toMatch(/\w{3,}/);
  });

  it('gives every Task a timeout, transient-only retries with backoff and jitter, and a catch-all to escalation', () => {
    expect(tasks.length).toBeGreaterThanOrEqual(WORKFLOW_FUNCTIONS.length);
    for (const [name, state] of tasks) {
      if (state.TimeoutSecondsPath === undefined) expect(state.TimeoutSeconds, `${name} TimeoutSeconds`).toBeGreaterThan(0);
      expect(state.Retry?.length, `${name} Retry`).toBeGreaterThan(0);
      for (const retrier of state.Retry) {
        expect(retrier.ErrorEquals, `${name} retries States.ALL`).not.toContain('States.ALL');
        expect(retrier.ErrorEquals, `${name} retries a business error`).not.toEqual(
          expect.arrayContaining(['LeaseHeldError', 'CooldownActiveError', 'OutOfScopeError', 'MalformedEventError', 'StalePlanError']),
        );
        expect(retrier.BackoffRate, name).toBeGreaterThan(1);
        expect(retrier.JitterStrategy, name).toBe('FULL');
        expect(retrier.MaxDelaySeconds, name).toBeGreaterThan(0);
      }
      const catchers = state.Catch as { ErrorEquals: string[]; Next: string }[];
      const last = catchers.at(-1)!;
      expect(last.ErrorEquals, `${name} last Catch`).toEqual(['States.ALL']);
      // A failed escalation still ends in IncidentEscalated, through the Pass state that words its reason.
      const target = name === 'EscalateIncident' ? 'DescribeFailedEscalation' : 'EscalateIncident';
      // RecommendPlan hands over through the same function; if it fails, escalating is the safe fallback.
      expect(last.Next, `${name} catch-all target`).toBe(target);
    }
  });

  it('matches only error names that exist', () => {
    for (const [name, state] of tasks) {
      for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
        for (const error of rule.ErrorEquals) expect(KNOWN_ERRORS, `${name}: ${error}`).toContain(error);
      }
    }
  });

  it('reaches every state from StartAt and points only at states that exist', () => {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      expect(definition.States[name], `missing state ${name}`).toBeDefined();
      seen.add(name);
      const state = definition.States[name]!;
      const next = [state.Next, state.Default, ...(state.Choices ?? []).map((c: State) => c.Next), ...(state.Catch ?? []).map((c: State) => c.Next)];
      for (const target of next.filter((value): value is string => typeof value === 'string')) visit(target);
    };
    visit(definition.StartAt);
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });

  it('follows the path BuildContext → Decide → AcquireLease → WhichAction → the action → WaitForEffect → VerifyRecovery → NeedsUndo → RecordAttemptResult → IsHealthy → RecordOutcome', () => {
    const S = definition.States;
    expect(definition.StartAt).toBe('BuildContext');
    expect(S.BuildContext!.Next).toBe('IsDatabaseIncident');
    expect(S.IsDatabaseIncident!.Choices).toEqual([{ Variable: '$.incident.resource.kind', StringEquals: 'rds-postgres', Next: 'InspectDatabase' }]);
    expect(S.IsDatabaseIncident!.Default).toBe('Decide');
    expect(S.InspectDatabase!.Next).toBe('Decide');
    expect(S.Decide!.Next).toBe('CheckPolicy');
    expect(S.CheckPolicy!.Next).toBe('IsPlanAllowed');
    expect(S.NeedsApproval!.Default).toBe('AcquireLease');
    expect(S.RequestApproval!.Next).toBe('AcquireLease');
    expect(S.AcquireLease!.Next).toBe('CountAttempt');
    expect(S.CountAttempt!.Next).toBe('WhichAction');
    for (const action of ACTION_STATES.filter((name) => name !== 'CreateIndexConcurrently')) expect(S[action]!.Next, action).toBe('WaitForEffect');
    // An index waits the same time, then is measured in the database before it is judged.
    expect(S.CreateIndexConcurrently!.Next).toBe('WaitForIndexEffect');
    expect(S.WaitForIndexEffect).toMatchObject({ Type: 'Wait', SecondsPath: S.WaitForEffect!.SecondsPath, Next: 'MeasureIndexEffect' });
    expect(S.MeasureIndexEffect!.Next).toBe('VerifyIndexRecovery');
    expect(S.VerifyIndexRecovery!.Next).toBe('NeedsUndo');
    expect(S.VerifyIndexRecovery!.Resource).toBe(S.VerifyRecovery!.Resource);
    expect(S.WaitForEffect!.Type).toBe('Wait');
    expect(S.WaitForEffect!.Next).toBe('VerifyRecovery');
    expect(S.VerifyRecovery!.Next).toBe('NeedsUndo');
    expect(S.KeepAction!.Next).toBe('RecordAttemptResult');
    for (const undo of UNDO_STATES) expect(S[undo]!.Next, undo).toBe('RecordAttemptResult');
    expect(S.RecordAttemptResult!.Next).toBe('IsHealthy');
    expect(S.IsHealthy!.Choices[0].Next).toBe('RecordOutcome');
    expect(S.IsHealthy!.Default).toBe('IsCircuitOpen');
    expect(S.IsCircuitOpen!.Choices[0]).toMatchObject({ Variable: '$.attemptResult.circuit', StringEquals: 'open', Next: 'EscalateIncident' });
    expect(S.IsCircuitOpen!.Default).toBe('HasAttemptsLeft');
    expect(S.IncidentEscalated!.Type).toBe('Fail');
  });

  /** The catalog action each Choice rule sends where, flattening `Or`. */
  const routes = (choice: State) =>
    Object.fromEntries(
      (choice.Choices as State[]).flatMap((rule) => ((rule.Or as State[] | undefined) ?? [rule]).map((branch) => [branch.StringEquals as string, rule.Next as string])),
    );

  it('sends every implemented catalog action to its function, and nothing else', () => {
    const S = definition.States;
    expect(S.WhichAction!.Choices.every((rule: State) => (rule.Or ?? [rule]).every((branch: State) => branch.Variable === '$.decision.action'))).toBe(true);
    const implemented = Object.entries(ACTIONS).filter(([name, action]) => action.implemented && name !== 'escalateOnly').map(([name]) => name);
    expect(routes(S.WhichAction!)).toEqual({
      scaleOutAsg: 'ScaleOutAsg',
      blockIpInWaf: 'BlockIpInWaf',
      rollbackEksDeployment: 'ActOnEks',
      restartEksDeployment: 'ActOnEks',
      patchEksConfigMap: 'ActOnEks',
      createIndexConcurrently: 'CreateIndexConcurrently',
    });
    expect(Object.keys(routes(S.WhichAction!)).sort()).toEqual(implemented.sort());
    expect(S.WhichAction!.Default).toBe('EscalateIncident');
  });

  it('applies every action with operation apply, into $.action', () => {
    const S = definition.States;
    for (const action of ACTION_STATES) {
      expect(S[action]!.Parameters, action).toMatchObject({
        operation: 'apply',
        'incident.$': '$.incident',
        'attempt.$': '$.attempt.number',
        'decision.$': '$.decision',
        'executionId.$': '$$.Execution.Id',
      });
      expect(S[action]!.ResultPath, action).toBe('$.action');
    }
  });

  it('undoes only when verification says so, with the function that applied the action', () => {
    const S = definition.States;
    expect(S.NeedsUndo!.Choices).toEqual([{ Variable: '$.verification.undo', BooleanEquals: true, Next: 'WhichUndo' }]);
    expect(S.NeedsUndo!.Default).toBe('KeepAction');
    expect(S.WhichUndo!.Choices.every((rule: State) => (rule.Or ?? [rule]).every((branch: State) => branch.Variable === '$.action.action'))).toBe(true);
    expect(routes(S.WhichUndo!)).toEqual({
      scaleOutAsg: 'UndoScaleOutAsg',
      blockIpInWaf: 'UndoBlockIpInWaf',
      rollbackEksDeployment: 'UndoEksAction',
      restartEksDeployment: 'UndoEksAction',
      patchEksConfigMap: 'UndoEksAction',
      createIndexConcurrently: 'UndoCreateIndex',
    });
    expect(S.WhichUndo!.Default).toBe('KeepAction');
    const applier = { UndoScaleOutAsg: 'ScaleOutAsg', UndoBlockIpInWaf: 'BlockIpInWaf', UndoEksAction: 'ActOnEks', UndoCreateIndex: 'CreateIndexConcurrently' } as const;
    for (const [undo, apply] of Object.entries(applier)) {
      expect(S[undo]!.Resource, undo).toBe(S[apply]!.Resource);
      expect(S[undo]!.Parameters, undo).toEqual({
        operation: 'undo',
        'incident.$': '$.incident',
        'attempt.$': '$.attempt.number',
        'decision.$': '$.decision',
        'action.$': '$.action',
        'reason.$': '$.verification.summary',
        'executionId.$': '$$.Execution.Id',
      });
      expect(S[undo]!.ResultPath, undo).toBe('$.undo');
    }
  });

  it('records what the undo did, and undone: false when nothing was undone', () => {
    const S = definition.States;
    // Not `Result: null`: aws-local-stepfunctions treats a null Result as none and would pass the whole state on.
    expect(S.KeepAction).toMatchObject({ Type: 'Pass', Result: { undone: false }, ResultPath: '$.undo' });
    expect(S.RecordAttemptResult!.Parameters).toMatchObject({ 'undo.$': '$.undo', 'verification.$': '$.verification' });
    expect(S.VerifyRecovery!.Parameters).toEqual({ 'incident.$': '$.incident', 'action.$': '$.action', 'context.$': '$.context' });
  });

  it('escalates every flap-guard refusal of AcquireLease by name, before the catch-all', () => {
    const catches = definition.States.AcquireLease!.Catch as { ErrorEquals: string[]; Next: string }[];
    const guard = catches.find((c) => c.ErrorEquals.includes('CircuitOpenError'));
    expect(guard).toMatchObject({ ErrorEquals: ['CircuitOpenError', 'AttemptBudgetExhaustedError', 'PingPongDetectedError', 'UndoneFixRepeatedError'], Next: 'EscalateIncident' });
    expect(catches.indexOf(guard!)).toBeLessThan(catches.findIndex((c) => c.ErrorEquals.includes('States.ALL')));
  });

  it('on every idempotent step, retries a failing idempotency store as transient, and waits out a twin in progress', () => {
    const idempotent = {
      RequestApproval: 'RequestApproval',
      AcquireLease: 'AcquireLease',
      ScaleOutAsg: 'ScaleOutAsg',
      BlockIpInWaf: 'BlockIpInWaf',
      ActOnEks: 'ActOnEks',
      UndoScaleOutAsg: 'ScaleOutAsg',
      UndoBlockIpInWaf: 'BlockIpInWaf',
      UndoEksAction: 'ActOnEks',
      CreateIndexConcurrently: 'CreatePostgresIndex',
      UndoCreateIndex: 'CreatePostgresIndex',
      RecordAttemptResult: 'RecordAttemptResult',
      RecordOutcome: 'RecordOutcome',
      RecordObservation: 'RecordOutcome',
      RecordSkip: 'RecordOutcome',
      RecommendPlan: 'EscalateIncident',
      EscalateIncident: 'EscalateIncident',
    } as const;
    for (const [name, fn] of Object.entries(idempotent)) {
      const retriers = definition.States[name]!.Retry as { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; MaxDelaySeconds: number }[];
      expect(retriers.find((retrier) => retrier.ErrorEquals.includes('TransientAwsError'))?.ErrorEquals, name).toContain('IdempotencyPersistenceLayerError');
      // A crashed twin's in-progress record lasts until its function times out: the
      // retries must span well beyond that, or they would all meet the record.
      const waiting = retriers.find((retrier) => retrier.ErrorEquals.includes('IdempotencyAlreadyInProgressError'));
      expect(waiting, name).toBeDefined();
      const span = Array.from({ length: waiting!.MaxAttempts }, (_, k) => Math.min(waiting!.IntervalSeconds * waiting!.BackoffRate ** k, waiting!.MaxDelaySeconds)).reduce((a, b) => a + b, 0);
      expect(span, name).toBeGreaterThanOrEqual(4 * WORKFLOW_STEPS[fn].timeout.toSeconds());
    }
  });

  it('inspects a PostgreSQL incident read-only, and builds, measures and drops indexes within the functions\' timeouts', () => {
    const S = definition.States;
    const inspect = WORKFLOW_STEPS.InspectPostgres.timeout.toSeconds();
    const create = WORKFLOW_STEPS.CreatePostgresIndex.timeout.toSeconds();
    expect(S.InspectDatabase).toMatchObject({ Parameters: { operation: 'inspect' }, ResultPath: '$.context.database' });
    expect(S.MeasureIndexEffect).toMatchObject({ Resource: S.InspectDatabase!.Resource, Parameters: { operation: 'measure', 'action.$': '$.action' }, ResultPath: '$.indexEffect' });
    expect(S.VerifyIndexRecovery!.Parameters).toEqual({ 'incident.$': '$.incident', 'action.$': '$.action', 'context.$': '$.context', 'indexEffect.$': '$.indexEffect' });
    for (const name of ['InspectDatabase', 'MeasureIndexEffect']) expect(S[name]!.TimeoutSeconds, name).toBeGreaterThan(inspect);
    for (const name of ['CreateIndexConcurrently', 'UndoCreateIndex']) {
      expect(S[name]!.TimeoutSeconds, name).toBeGreaterThan(create);
      const retried = (S[name]!.Retry as { ErrorEquals: string[] }[]).flatMap((retrier) => retrier.ErrorEquals);
      expect(retried, name).toEqual(expect.arrayContaining(['PostgresLockTimeoutError', 'PostgresUnavailableError']));
      const catches = S[name]!.Catch as { ErrorEquals: string[] }[];
      expect(catches.length, name).toBeGreaterThan(1);
      expect(catches.flatMap((rule) => rule.ErrorEquals), name).toContain('NotOurIndexError');
    }
    expect((S.CreateIndexConcurrently!.Catch as { ErrorEquals: string[] }[])[0]!.ErrorEquals).toEqual(
      expect.arrayContaining(['IndexGuardrailError', 'IndexBuildFailedError', 'StalePlanError', 'OutOfScopeError']),
    );
  });
});
