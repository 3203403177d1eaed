import type { ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod';
import { ACTIONS, isActionName, parseActionParams } from '../shared/actions/catalog.js';
import type { Decision, ModelCall } from '../shared/workflow.js';

const DecisionFieldsSchema = z.object({
  rationale: z.string().min(1).max(2_000),
  confidence: z.number().min(0).max(1),
  evidence: z.array(z.string().max(500)).max(10),
});

export type ParsedToolCall = { ok: true; decision: Decision } | { ok: false; reason: string };

/**
 * Turns the model's answer into a plan, or says exactly why it cannot: no
 * tool call, an unknown tool, invalid decision fields, invalid params
 * (extra keys included), or a confidence under the threshold. A plan that
 * is merely unwise (another resource, extreme values) passes here — the
 * policy judges it.
 */
export function parseToolCall(output: ConverseCommandOutput, model: ModelCall, minConfidence: number): ParsedToolCall {
  const toolUse = output.output?.message?.content?.find((block) => block.toolUse !== undefined)?.toolUse;
  if (toolUse === undefined) return { ok: false, reason: 'the model answered without calling a tool' };
  const name = String(toolUse.name ?? '');
  if (!isActionName(name)) return { ok: false, reason: `the model called unknown tool "${name.slice(0, 80)}"` };
  const input = (toolUse.input ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, reason: `the model's ${name} call has no input object` };
  }
  const { rationale, confidence, evidence, ...params } = input;
  const fields = DecisionFieldsSchema.safeParse({ rationale, confidence, evidence });
  if (!fields.success) {
    return { ok: false, reason: `invalid decision fields for ${name}: ${z.prettifyError(fields.error).replace(/\n/g, '; ')}` };
  }
  const parsed = parseActionParams(name, params);
  if (!parsed.ok) return { ok: false, reason: `invalid params for ${name}: ${parsed.error}` };
  if (fields.data.confidence < minConfidence) {
    return { ok: false, reason: `confidence ${fields.data.confidence} is below the ${minConfidence} threshold` };
  }
  return {
    ok: true,
    decision: {
      action: name,
      params: parsed.params,
      target: (ACTIONS[name].targetOf as (params: Record<string, unknown>) => string)(parsed.params),
      rationale: fields.data.rationale,
      confidence: fields.data.confidence,
      evidence: fields.data.evidence,
      source: 'bedrock',
      model,
    },
  };
}
