import type { ExecutionInfo, ExecutionStep } from '../lambdas/shared/report/index.js';
import type { LocalRun } from './local-workflow.js';

type Json = Record<string, any>;

const iso = (timestamp: number) => new Date(timestamp).toISOString();
const causeText = (cause: unknown) => (cause === undefined ? undefined : typeof cause === 'string' ? cause : JSON.stringify(cause));

/**
 * A local run's event log as the report builder reads it: one step per
 * state entered, closed by its exit; a failure stays on the step unless a
 * retry follows it. `executionArn` is left out on purpose: a local run has
 * no console page to link to.
 */
export function stepsFromLocalRun(run: LocalRun, name?: string): { execution: ExecutionInfo; steps: ExecutionStep[] } {
  const steps: ExecutionStep[] = [];
  const execution: ExecutionInfo = { name, status: run.status };
  const open = (stateName: string) => [...steps].reverse().find((step) => step.stateName === stateName && step.exitedAt === undefined);
  for (const event of run.events as Json[]) {
    switch (event.type) {
      case 'ExecutionStarted':
        execution.startedAt = iso(event.timestamp);
        break;
      case 'ExecutionSucceeded':
        execution.stoppedAt = iso(event.timestamp);
        break;
      case 'ExecutionFailed':
        execution.stoppedAt = iso(event.timestamp);
        execution.error = event.Error;
        execution.cause = causeText(event.Cause);
        break;
      case 'StateEntered':
        steps.push({ stateName: event.state.name, stateType: event.state.type, enteredAt: iso(event.timestamp), input: event.state.input, retries: 0 });
        break;
      case 'StateExited': {
        const step = open(event.state.name);
        if (step === undefined) break;
        step.exitedAt = iso(event.timestamp);
        step.output = event.state.output;
        break;
      }
      case 'StateFailed': {
        const step = open(event.state.name);
        if (step === undefined) break;
        step.error = event.Error;
        step.cause = causeText(event.Cause);
        break;
      }
      case 'StateRetried': {
        const step = open(event.state.name);
        if (step === undefined) break;
        step.retries = (step.retries ?? 0) + 1;
        delete step.error;
        delete step.cause;
        break;
      }
      default:
        break;
    }
  }
  return { execution, steps };
}
