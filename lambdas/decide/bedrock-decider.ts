import { type BedrockRuntimeClient, ConverseCommand, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import type { Incident } from '../shared/incident.js';
import type { Decision, IncidentContext, ModelCall } from '../shared/workflow.js';
import { buildPrompt, buildTools } from './decision-prompt.js';
import { parseToolCall } from './parse-tool-call.js';

export interface BedrockSettings {
  modelId: string;
  maxTokens: number;
  timeoutMs: number;
  minConfidence: number;
  maxPromptChars: number;
}

export type BedrockOutcome = { ok: true; decision: Decision } | { ok: false; reason: string; model?: ModelCall };

const KNOWN_ERRORS: Record<string, string> = {
  ThrottlingException: 'Bedrock throttled the request',
  ServiceUnavailableException: 'Bedrock is unavailable',
  ModelTimeoutException: 'the model timed out',
  ModelNotReadyException: 'the model is not ready',
  ModelErrorException: 'the model failed',
  InternalServerException: 'Bedrock had an internal error',
  ValidationException: 'Bedrock rejected the request',
  AccessDeniedException: 'access to the model is denied (enable model access and check IAM)',
  ResourceNotFoundException: 'the model id was not found',
};

/** Why a call failed, in one line, naming the error. */
export function describeModelError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string })?.name ?? 'Error';
  if (name === 'AbortError' || name === 'TimeoutError') return `the model did not answer within ${timeoutMs} ms`;
  if (name === 'SyntaxError') return 'Bedrock returned a malformed response (not valid JSON)';
  const known = KNOWN_ERRORS[name];
  const message = String((error as Error)?.message ?? '').slice(0, 200);
  return known === undefined ? `the model call failed (${name}: ${message})` : `${known} (${name})`;
}

/**
 * Asks Bedrock for a plan through the Converse API with tool use: one tool
 * per catalog action, temperature 0, bounded tokens and time. Transport and
 * model problems never throw: they come back as `ok: false` with the reason,
 * so the runbooks can decide instead.
 */
export async function decideWithBedrock(input: {
  incident: Incident;
  context: IncidentContext;
  client: BedrockRuntimeClient;
  settings: BedrockSettings;
}): Promise<BedrockOutcome> {
  const { incident, context, client, settings } = input;
  const prompt = buildPrompt(incident, context, settings.maxPromptChars);
  const command = new ConverseCommand({
    modelId: settings.modelId,
    system: [{ text: prompt.system }],
    messages: [{ role: 'user', content: [{ text: prompt.user }] }],
    inferenceConfig: { temperature: 0, maxTokens: settings.maxTokens },
    toolConfig: { tools: buildTools(), toolChoice: { any: {} } },
  });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), settings.timeoutMs);
  const started = Date.now();
  let output: ConverseCommandOutput;
  try {
    output = await client.send(command, { abortSignal: abort.signal });
  } catch (error) {
    return { ok: false, reason: abort.signal.aborted ? `the model did not answer within ${settings.timeoutMs} ms` : describeModelError(error, settings.timeoutMs) };
  } finally {
    clearTimeout(timer);
  }
  const model: ModelCall = {
    modelId: settings.modelId,
    inputTokens: output.usage?.inputTokens ?? 0,
    outputTokens: output.usage?.outputTokens ?? 0,
    latencyMs: Date.now() - started,
    stopReason: output.stopReason,
  };
  const parsed = parseToolCall(output, model, settings.minConfidence);
  return parsed.ok ? parsed : { ok: false, reason: parsed.reason, model };
}
