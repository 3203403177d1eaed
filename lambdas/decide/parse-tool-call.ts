import type { ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import type * as z from 'zod';
import { ACTIONS, type ActionName, isActionName, parseActionParams } from '../shared/actions/catalog.js';
import { type Decision, DecisionSchema, type ModelCall } from '../shared/workflow.js';
import { DecisionFieldsSchema } from './decision-prompt.js';

/**
 * Turns the model's Converse answer into a plan, or says exactly why it
 * cannot: no message, no tool call, an unknown tool, invalid decision fields,
 * invalid params (extra keys included), or a confidence under the threshold.
 * A plan that is merely unwise — another resource, an extreme value — passes
 * here when its params are valid: judging it is the policy's job.
 */

export type ParsedToolCall = { ok: true; decision: Decision } | { ok: false; reason: string };

/** The longest piece of model-chosen text quoted in a reason. */
const QUOTE_CHARS = 80;

function quote(text: string): string {
  const clipped = text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text;
  return JSON.stringify(clipped);
}

/** Zod issues as `path: message; …`, the way the reasons quote them. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const message = issue.message.replace(/^Invalid input: /, '');
      return issue.path.length > 0 ? `${issue.path.join('.')}: ${message}` : message;
    })
    .join('; ');
}

/**
 * `parseActionParams` reports `✖ message; → at path` per issue (zod's pretty
 * form, one line); this makes it `path: message`, like `describeIssues`.
 */
export function compactParamsError(error: string): string {
  return error
    .split(/;?\s*✖\s*/)
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const located = /^(.*?);?\s*→ at (.+)$/.exec(part.trim());
      const message = (located?.[1] ?? part).trim().replace(/^Invalid input: /, '');
      return located === null ? message : `${located[2]}: ${message}`;
    })
    .join('; ');
}

function stoppedEarly(stopReason: string | undefined): string {
  return stopReason === 'max_tokens' ? ' (the answer was cut off at the token limit)' : '';
}

export interface ParseOptions {
  minConfidence: number;
  /** The call that produced the answer; recorded in the plan. */
  model: ModelCall;
}

export function parseToolCall(output: ConverseCommandOutput, { minConfidence, model }: ParseOptions): ParsedToolCall {
  const content = output.output?.message?.content;
  if (content === undefined) return { ok: false, reason: `Bedrock returned no message (stopReason ${output.stopReason ?? 'none'})` };
  const toolUse = content.find((block) => block.toolUse !== undefined)?.toolUse;
  if (toolUse === undefined) {
    const blocked = output.stopReason === 'guardrail_intervened' || output.stopReason === 'content_filtered';
    if (blocked) return { ok: false, reason: `the model's answer was blocked (stopReason ${output.stopReason})` };
    return { ok: false, reason: `the model answered without calling a tool${stoppedEarly(output.stopReason)}` };
  }

  const name = String(toolUse.name ?? '');
  if (!isActionName(name)) return { ok: false, reason: `the model called unknown tool ${quote(name)}` };
  const input: unknown = toolUse.input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, reason: `the model called ${name} without an input object${stoppedEarly(output.stopReason)}` };
  }

  const { rationale, confidence, evidence, ...params } = input as Record<string, unknown>;
  const fields = DecisionFieldsSchema.safeParse({ rationale, confidence, evidence });
  const parsedParams = parseActionParams(name, params);
  const problems = [
    ...(parsedParams.ok ? [] : [`invalid params for ${name}: ${compactParamsError(parsedParams.error)}`]),
    ...(fields.success ? [] : [`invalid decision fields in the ${name} call: ${describeIssues(fields.error.issues)}`]),
  ];
  if (!parsedParams.ok || !fields.success) return { ok: false, reason: `${problems.join('; ')}${stoppedEarly(output.stopReason)}` };

  const target = targetOf(name, parsedParams.params);
  if (fields.data.confidence < minConfidence) {
    return {
      ok: false,
      reason: `confidence ${fields.data.confidence} is below the ${minConfidence} threshold (the model proposed ${name} on ${target})`,
    };
  }

  const decision = DecisionSchema.safeParse({
    action: name,
    params: parsedParams.params,
    target,
    ...fields.data,
    source: 'bedrock',
    model,
  } satisfies Decision);
  // The catalog's params can make a target longer than a plan allows; never hand on an invalid plan.
  if (!decision.success) return { ok: false, reason: `the ${name} plan is not a valid decision: ${describeIssues(decision.error.issues)}` };
  return { ok: true, decision: decision.data };
}

function targetOf(action: ActionName, params: Record<string, unknown>): string {
  // `params` was validated against this action's schema just before.
  return (ACTIONS[action].targetOf as (valid: Record<string, unknown>) => string)(params);
}
