import { type RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { WORKFLOW_FUNCTIONS } from '../../lib/workflow-functions.js';
import { localFunctionArn } from '../../local/lambda-context.js';
import { loadDefinition, withLocalCallbackTimeouts } from '../../local/local-workflow.js';

/**
 * Runs the real ASL in aws-local-stepfunctions with every Task state
 * stubbed: each test scripts what the functions answer, then asserts the
 * path taken and what each state was given. Waits and retry intervals are 0.
 */

export type Json = Record<string, any>;
export type Stub = (input: Json, call: number) => unknown;

export const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:remediate-incident:path-test';
const definition = () =>
  withLocalCallbackTimeouts(loadDefinition(Object.fromEntries(WORKFLOW_FUNCTIONS.map((fn) => [fn.substitutionKey, localFunctionArn(fn.directory)]))));

export interface StubbedRun {
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  output?: Json;
  path: string[];
  /** The input each Task state received, in order. */
  calls: { state: string; input: Json }[];
  inputsOf(state: string): Json[];
}

/** Runs the ASL with these Task stubs; a Task without one fails the test when reached. */
export async function runStubbed(input: Json, stubs: Record<string, Stub>): Promise<StubbedRun> {
  const machine = definition();
  const calls: { state: string; input: Json }[] = [];
  const counts = new Map<string, number>();
  const taskResourceLocalHandlers: Record<string, (input: any) => Promise<any>> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
    if (state.Type !== 'Task') continue;
    retryIntervalOverrides[name] = 0;
    taskResourceLocalHandlers[name] = async (taskInput: Json) => {
      const call = (counts.get(name) ?? 0) + 1;
      counts.set(name, call);
      calls.push({ state: name, input: structuredClone(taskInput) });
      const stub = stubs[name];
      if (stub === undefined) throw Object.assign(new Error(`no stub for ${name}`), { name: 'UnexpectedState' });
      const result = await stub(taskInput, call);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    };
  }
  const sm = new StateMachine(machine, { validationOptions: { checkArn: false } });
  const options: RunOptions = {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: { Execution: { Id: EXECUTION_ARN, Name: 'path-test', StartTime: new Date().toISOString(), Input: input } },
  };
  const execution = sm.run(input, options);
  const events: Json[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event as Json);
  })();
  let status: StubbedRun['status'] = 'SUCCEEDED';
  let output: Json | undefined;
  let error: string | undefined;
  try {
    output = (await execution.result) as Json;
    await collecting;
  } catch (failure) {
    await collecting;
    status = 'FAILED';
    error = (events.find((event) => event.type === 'ExecutionFailed')?.Error as string | undefined) ?? (failure as Error).name;
  }
  const path = events.filter((event) => event.type === 'StateEntered').map((event) => event.state.name as string);
  return { status, error, output, path, calls, inputsOf: (state) => calls.filter((call) => call.state === state).map((call) => call.input) };
}
