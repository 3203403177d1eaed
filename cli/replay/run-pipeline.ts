import type { Context } from 'aws-lambda';
import { handlerEntry } from '../../lib/workflow-functions.js';
import type { Incident } from '../../lambdas/shared/incident.js';
import { type GuardedCall, isMutatingCallRefused } from '../../lambdas/shared/shadow-mode.js';
import {
  type Decision,
  DecisionSchema,
  type IncidentContext,
  IncidentContextSchema,
  type PolicyVerdict,
  PolicyVerdictSchema,
} from '../../lambdas/shared/workflow.js';
import { localLambdaContext } from '../../local/lambda-context.js';

/**
 * The first three states of the remediation workflow — BuildContext,
 * Decide, CheckPolicy — run in order with the deployed handlers (their
 * Powertools middleware and input validation included), each given what
 * the state machine would give it and each result passed through JSON, as
 * Lambda returns it. Nothing after CheckPolicy runs: what it would do is
 * described (`planned-calls.ts`), never done.
 */

export type StepHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface PipelineSteps {
  readonly buildContext: StepHandler;
  readonly decide: StepHandler;
  readonly checkPolicy: StepHandler;
}

export type StepName = 'BuildContext' | 'Decide' | 'CheckPolicy';

/** Each state's function folder and its `TimeoutSeconds` in the state machine. */
const STEPS: Record<StepName, { directory: string; timeoutMs: number }> = {
  BuildContext: { directory: 'build-context', timeoutMs: 60_000 },
  Decide: { directory: 'decide', timeoutMs: 60_000 },
  CheckPolicy: { directory: 'check-policy', timeoutMs: 20_000 },
};

/**
 * Imports the handlers. They read their configuration from the environment
 * when imported, so call this after the environment is set and shadow mode
 * is on.
 */
export async function loadPipelineSteps(): Promise<PipelineSteps> {
  const load = async (step: StepName) => ((await import(handlerEntry(STEPS[step].directory))) as { handler: StepHandler }).handler;
  return { buildContext: await load('BuildContext'), decide: await load('Decide'), checkPolicy: await load('CheckPolicy') };
}

/** A step of the replay tried a call that is not a read; the guard refused it and the replay stops. */
export class ReplayRefusedError extends Error {
  override readonly name = 'ReplayRefusedError';

  readonly call: Pick<GuardedCall, 'service' | 'operation'>;

  constructor(
    readonly step: StepName,
    call: Pick<GuardedCall, 'service' | 'operation'>,
  ) {
    super(`${step} tried ${call.service} ${call.operation}, which is not a read: refused, nothing was sent, and the replay stops`);
    this.call = { service: call.service, operation: call.operation };
  }
}

export interface PipelineResult {
  context?: IncidentContext;
  decision?: Decision;
  verdict?: PolicyVerdict;
  /** The step that failed: in the workflow its Catch escalates the incident. */
  failure?: { step: StepName; error: string; message: string };
}

/** The guard's refusal, if it is the error or its cause (handlers may wrap what they catch). */
function refusalIn(error: unknown): { service: string; operation: string } | undefined {
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 5; depth += 1) {
    if (isMutatingCallRefused(cause)) return cause;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs the three steps. `refused` reports the first call a guard refused
 * so far: a step that swallowed the refusal (a context part degrades into
 * a gap) is stopped all the same, with `ReplayRefusedError`.
 */
export async function runPipeline(incident: Incident, steps: PipelineSteps, refused: () => GuardedCall | undefined): Promise<PipelineResult> {
  const result: PipelineResult = {};
  const run = async <T>(step: StepName, handler: StepHandler, input: unknown, parse: (value: unknown) => T): Promise<T | undefined> => {
    let output: unknown;
    try {
      output = await handler(structuredClone(input), localLambdaContext(STEPS[step].directory, STEPS[step].timeoutMs));
    } catch (error) {
      const refusal = refusalIn(error) ?? refused();
      if (refusal !== undefined) throw new ReplayRefusedError(step, refusal);
      result.failure = { step, error: (error as Error).name, message: (error as Error).message };
      return undefined;
    }
    const refusal = refused();
    if (refusal !== undefined) throw new ReplayRefusedError(step, refusal);
    return parse(JSON.parse(JSON.stringify(output ?? null)));
  };

  result.context = await run('BuildContext', steps.buildContext, { incident, attempt: 0 }, (value) => IncidentContextSchema.parse(value));
  if (result.context === undefined) return result;
  result.decision = await run('Decide', steps.decide, { incident, context: result.context, attempt: 0 }, (value) => DecisionSchema.parse(value));
  if (result.decision === undefined) return result;
  result.verdict = await run(
    'CheckPolicy',
    steps.checkPolicy,
    { incident, context: result.context, decision: result.decision },
    (value) => PolicyVerdictSchema.parse(value),
  );
  return result;
}
