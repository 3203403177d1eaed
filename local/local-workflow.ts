import './polyfills.js';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { handlerEntry, REMEDIATE_INCIDENT_ASL, WORKFLOW_FUNCTIONS } from '../lib/workflow-functions.js';

type EventLog = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'];
type JsonValue = Parameters<StateMachine['run']>[0];
type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The ARN the local runtime substitutes for a function's placeholder. */
export function localFunctionArn(directory: string, region = 'us-east-1', account = '123456789012'): string {
  return `arn:aws:lambda:${region}:${account}:function:self-healing-${directory}`;
}

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

function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = `local-${Math.random().toString(16).slice(2, 10)}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
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

export interface LocalWorkflowOptions {
  /** Overrides for Task states, by state name, applied on top of the real handlers (tests use this). */
  taskOverrides?: Record<string, (input: unknown) => Promise<unknown>>;
  /** Called with each execution event as it happens, for live progress. */
  onEvent?: (event: EventLog) => void;
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
    return new LocalWorkflow(loadDefinition(substitutions), handlers);
  }

  get stateNames(): string[] {
    return Object.keys(this.definition.States);
  }

  async run(input: unknown, executionName: string, executionArn: string, options: LocalWorkflowOptions = {}): Promise<LocalRun> {
    const taskResourceLocalHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    const waitTimeOverrides: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type === 'Wait') waitTimeOverrides[stateName] = 0;
      if (state.Type !== 'Task') continue;
      retryIntervalOverrides[stateName] = 0;
      const override = options.taskOverrides?.[stateName];
      const target = this.handlers.get(state.Resource);
      if (override === undefined && target === undefined) {
        throw new Error(`state ${stateName} calls ${state.Resource}, which has no local handler`);
      }
      const timeoutMs = (state.TimeoutSeconds ?? 60) * 1000;
      taskResourceLocalHandlers[stateName] = async (taskInput) =>
        throughJson(
          override !== undefined
            ? await override(taskInput)
            : await target!.handler(structuredClone(taskInput), lambdaContext(target!.name, timeoutMs)),
        );
    }

    const machine = new StateMachine(this.definition, { validationOptions: { checkArn: false } });
    const runOptions: RunOptions = {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: executionArn, Name: executionName, StartTime: new Date().toISOString(), Input: input as JsonValue },
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
}
