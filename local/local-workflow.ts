import './polyfills.js';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { handlerEntry, REMEDIATE_INCIDENT_ASL, WORKFLOW_FUNCTIONS } from '../lib/workflow-functions.js';
import { workflowStep } from './workflow-step.js';
import { localFunctionArn, localLambdaContext } from './lambda-context.js';
import { newTaskToken } from './simulated-callbacks.js';

type EventLog = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'];
type JsonValue = Parameters<StateMachine['run']>[0];
type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;
type TaskStateDefinition = Extract<StateMachineDefinition['States'][string], { Type: 'Task' }>;

/** The optimised Lambda integration with a task token: invoke, then wait for SendTaskSuccess / SendTaskFailure. */
export const LAMBDA_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/**
 * Where a callback task's own timeout travels locally. aws-local-stepfunctions
 * evaluates `TimeoutSecondsPath` against the state's processed input (its
 * `Parameters`) rather than its input, so the path is moved into the
 * parameters under this key, where it is evaluated against the input as in
 * AWS, and the local handler enforces it.
 */
export const LOCAL_TIMEOUT_PARAMETER = 'LocalTaskTimeoutSeconds';
/** The library's own timer for callback tasks: later than any real timeout (setTimeout caps at 2^31 - 1 ms). */
const LIBRARY_TIMEOUT_SECONDS = 2_000_000;
/** How long a callback task's function may run, as its Lambda timeout would allow. */
const CALLBACK_FUNCTION_TIMEOUT_MS = 60_000;

export { localFunctionArn } from './lambda-context.js';

/**
 * The ASL file with its placeholders replaced, exactly as CloudFormation's
 * `DefinitionSubstitutions` would replace them in the deployed state machine.
 */
export function loadDefinition(substitutions: Record<string, string>): StateMachineDefinition {
  let text = readFileSync(REMEDIATE_INCIDENT_ASL, 'utf8');
  text = text.replace(/\$\{([A-Za-z0-9]+)\}/g, (placeholder, key: string) => {
    const value = substitutions[key];
    if (value === undefined) throw new Error(`no substitution for ${placeholder} in ${REMEDIATE_INCIDENT_ASL}`);
    return value;
  });
  return JSON.parse(text) as StateMachineDefinition;
}

/**
 * Moves each callback task's timeout where its local handler enforces it:
 * `TimeoutSecondsPath` becomes the `LocalTaskTimeoutSeconds` parameter, and
 * the library's own timer is pushed out of the way.
 */
export function withLocalCallbackTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  for (const state of Object.values(definition.States)) {
    if (state.Type !== 'Task' || state.Resource !== LAMBDA_WAIT_FOR_TASK_TOKEN) continue;
    const parameters = { ...(state.Parameters as Record<string, unknown> | undefined) };
    if (state.TimeoutSecondsPath !== undefined) parameters[`${LOCAL_TIMEOUT_PARAMETER}.$`] = state.TimeoutSecondsPath;
    else if (state.TimeoutSeconds !== undefined) parameters[LOCAL_TIMEOUT_PARAMETER] = state.TimeoutSeconds;
    delete state.TimeoutSecondsPath;
    state.TimeoutSeconds = LIBRARY_TIMEOUT_SECONDS;
    state.Parameters = parameters as typeof state.Parameters;
  }
  return definition;
}

/** Serialises a handler's result the way the Lambda service does on its way back to Step Functions. */
function throughJson(value: unknown): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

export interface LocalRun {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  events: EventLog[];
}

/** Step Functions' callback API, as the simulated world provides it. */
export interface TaskCallbacks {
  /** Registers a task waiting on `token`; settles when SendTaskSuccess or SendTaskFailure names the token. */
  waitForTask(token: string): Promise<unknown>;
  /** The task stopped waiting without a callback (its function failed, or its timeout passed). */
  closeTask(token: string, why: string): void;
}

export interface LocalWorkflowOptions {
  /** Overrides for Task states, by state name, applied on top of the real handlers (tests use this). */
  taskOverrides?: Record<string, (input: unknown) => Promise<unknown>>;
  /** Called with each execution event as it happens, for live progress. */
  onEvent?: (event: EventLog) => void;
  /** Answers `.waitForTaskToken` tasks; a run that reaches one without it fails. */
  taskCallbacks?: TaskCallbacks;
  /** Called when a `.waitForTaskToken` task has invoked its function and waits, with its token and the function's payload. */
  onTaskWaiting?: (token: string, payload: unknown) => void;
}

/**
 * Runs the real remediation ASL in-process with aws-local-stepfunctions,
 * invoking the real handler modules for its Task states. Wait states and
 * retry intervals take no time; everything else — Choice logic, Retry and
 * Catch matching by error name, ResultPath, intrinsic functions — is the
 * definition's own.
 */
export class LocalWorkflow {
  private constructor(
    private readonly definition: StateMachineDefinition,
    private readonly handlers: Map<string, { name: string; handler: LambdaHandler }>,
  ) {}

  /** Loads the definition and imports the handlers; call after the environment is set. */
  static async load(): Promise<LocalWorkflow> {
    const substitutions: Record<string, string> = {};
    const handlers = new Map<string, { name: string; handler: LambdaHandler }>();
    for (const fn of WORKFLOW_FUNCTIONS) {
      const arn = localFunctionArn(fn.directory);
      substitutions[fn.substitutionKey] = arn;
      const module = (await import(handlerEntry(fn.directory))) as { handler: LambdaHandler };
      handlers.set(arn, { name: fn.directory, handler: module.handler });
    }
    return new LocalWorkflow(withLocalCallbackTimeouts(loadDefinition(substitutions)), handlers);
  }

  get stateNames(): string[] {
    return Object.keys(this.definition.States);
  }

  async run(input: unknown, executionName: string, executionArn: string, options: LocalWorkflowOptions = {}): Promise<LocalRun> {
    const taskResourceLocalHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    const waitTimeOverrides: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    // `$$.Task.Token`: the library passes extra context fields through by
    // reference, so each callback task entry reads the token set here and
    // its handler replaces it with a fresh one for the next entry.
    const task = { Token: newTaskToken() };
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type === 'Wait') waitTimeOverrides[stateName] = 0;
      if (state.Type !== 'Task') continue;
      retryIntervalOverrides[stateName] = 0;
      const override = options.taskOverrides?.[stateName];
      if (state.Resource === LAMBDA_WAIT_FOR_TASK_TOKEN) {
        taskResourceLocalHandlers[stateName] = this.callbackTask(stateName, state, task, override, options);
        continue;
      }
      const target = this.handlers.get(state.Resource);
      if (override === undefined && target === undefined) {
        throw new Error(`state ${stateName} calls ${state.Resource}, which has no local handler`);
      }
      const timeoutMs = (state.TimeoutSeconds ?? 60) * 1000;
      taskResourceLocalHandlers[stateName] = async (taskInput) =>
        throughJson(
          override !== undefined
            ? await override(taskInput)
            : await workflowStep.run(stateName, () => target!.handler(structuredClone(taskInput), localLambdaContext(target!.name, timeoutMs))),
        );
    }

    const machine = new StateMachine(this.definition, { validationOptions: { checkArn: false } });
    const runOptions: RunOptions = {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: executionArn, Name: executionName, StartTime: new Date().toISOString(), Input: input as JsonValue },
        Task: task,
      },
    };
    const execution = machine.run(input as JsonValue, runOptions);
    const events: EventLog[] = [];
    const collecting = (async () => {
      for await (const event of execution.eventLogs) {
        events.push(event);
        options.onEvent?.(event);
      }
    })();
    try {
      const output = await execution.result;
      await collecting;
      return { status: 'SUCCEEDED', output, events };
    } catch (error) {
      await collecting;
      const failed = events.find((event) => event.type === 'ExecutionFailed') as { Error?: string; Cause?: unknown } | undefined;
      return {
        status: 'FAILED',
        error: failed?.Error ?? (error as Error).name,
        cause: typeof failed?.Cause === 'string' ? failed.Cause : (error as Error).message,
        events,
      };
    }
  }

  /**
   * The local handler of a `.waitForTaskToken` Lambda task: invokes the
   * function named by `FunctionName` with `Payload` (the task's token reached
   * it through `$$.Task.Token`), then waits for the world's SendTaskSuccess
   * (its output is the result) or SendTaskFailure (the task fails with that
   * error), or for the task's timeout (`States.Timeout`).
   */
  private callbackTask(
    stateName: string,
    state: TaskStateDefinition,
    task: { Token: string },
    override: ((input: unknown) => Promise<unknown>) | undefined,
    options: LocalWorkflowOptions,
  ): (input: JsonValue) => Promise<JsonValue> {
    const functionName = (state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName;
    if (override === undefined && (typeof functionName !== 'string' || !this.handlers.has(functionName))) {
      throw new Error(`state ${stateName} invokes ${String(functionName)}, which has no local handler`);
    }
    return async (taskInput) => {
      const token = task.Token;
      task.Token = newTaskToken();
      const { [LOCAL_TIMEOUT_PARAMETER]: timeoutSeconds, ...effectiveInput } = taskInput as Record<string, unknown>;
      if (override !== undefined) return throughJson(await override(effectiveInput));

      const callbacks = options.taskCallbacks;
      if (callbacks === undefined) throw new Error(`state ${stateName} waits for a task token, but the run has no taskCallbacks`);
      const target = this.handlers.get(String(effectiveInput.FunctionName));
      if (target === undefined) throw new Error(`state ${stateName} invokes ${String(effectiveInput.FunctionName)}, which has no local handler`);

      const settled = callbacks.waitForTask(token);
      settled.catch(() => undefined); // awaited below, once the function has returned
      try {
        await target.handler(structuredClone(effectiveInput.Payload), localLambdaContext(target.name, CALLBACK_FUNCTION_TIMEOUT_MS));
      } catch (error) {
        callbacks.closeTask(token, `failed in ${target.name}`);
        throw error;
      }
      options.onTaskWaiting?.(token, effectiveInput.Payload);

      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        if (typeof timeoutSeconds !== 'number') return;
        timer = setTimeout(() => {
          // Reject first: closing the task also settles `settled`, and the race takes the first.
          reject(Object.assign(new Error(`${stateName} timed out after ${timeoutSeconds}s waiting for its callback`), { name: 'States.Timeout' }));
          callbacks.closeTask(token, 'timed out');
        }, timeoutSeconds * 1000);
      });
      try {
        return throughJson(await Promise.race([settled, timedOut]));
      } finally {
        clearTimeout(timer);
      }
    };
  }
}
