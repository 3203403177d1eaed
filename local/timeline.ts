import { causeMessage } from '../lambdas/shared/step-functions-errors.js';
import { summariseStep } from '../lambdas/shared/report/step-summary.js';
import type { LocalRun } from './local-workflow.js';

type Event = LocalRun['events'][number];
type Json = Record<string, any>;

const clip = (text: string, max = 220): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Renders an execution's event log as the timeline a reviewer reads: each
 * state entered, what it did, retries and caught errors, and the result.
 */
export function formatTimeline(run: LocalRun, indent = '  '): string[] {
  const lines: string[] = [];
  const events = run.events;
  events.forEach((event, index) => {
    const e = event as Event & Json;
    switch (e.type) {
      case 'StateExited': {
        const state = e.state as Json;
        if (state.type === 'Choice') {
          const next = events.slice(index + 1).find((candidate) => candidate.type === 'StateEntered') as Json | undefined;
          lines.push(`${indent}${state.name.padEnd(18)} ? → ${next?.state?.name ?? '(end)'}`);
        } else if (state.type === 'Succeed' || state.type === 'Fail') {
          // The execution's own line says how it ended.
        } else {
          const summary = summariseStep(state.name, state.output as Json);
          if (summary === '') break;
          // The decision's rationale and the policy's verdict are the point of reading a run; never cut them.
          const whole = state.name === 'Decide' || state.name === 'CheckPolicy';
          lines.push(`${indent}${state.name.padEnd(18)} ${whole ? summary : clip(summary)}`);
        }
        break;
      }
      case 'StateRetried':
        lines.push(`${indent}${(e.state as Json).name.padEnd(18)} ↻ retry ${e.retry.attempt} after ${e.retry.retrier.ErrorEquals.join('|')}`);
        break;
      case 'StateFailed':
        if ((e.state as Json).type === 'Fail') break;
        lines.push(`${indent}${(e.state as Json).name.padEnd(18)} ✖ ${e.Error}: ${clip(causeMessage(typeof e.Cause === 'string' ? e.Cause : String(e.Cause)))}`);
        break;
      case 'StateCaught':
        lines.push(`${indent}${''.padEnd(18)} caught → ${e.catch.catcher.Next}`);
        break;
      case 'ExecutionSucceeded': {
        const last = [...events].reverse().find((candidate) => candidate.type === 'StateEntered') as Json | undefined;
        lines.push(`${indent}${'✔ SUCCEEDED'.padEnd(18)} ended in ${last?.state?.name ?? '?'}`);
        break;
      }
      case 'ExecutionFailed':
        lines.push(`${indent}${'✖ FAILED'.padEnd(18)} ${e.Error}: ${clip(causeMessage(typeof e.Cause === 'string' ? e.Cause : String(e.Cause)))}`);
        break;
      default:
        break;
    }
  });
  return lines;
}

/** The names of the states entered, in order. */
export function statePath(run: LocalRun): string[] {
  return run.events.filter((event) => event.type === 'StateEntered').map((event) => (event as Json).state.name as string);
}
