import { type BedrockRuntimeClient, ConverseCommand, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import type { Incident } from '../shared/incident.js';
import type { Decision, IncidentContext, ModelCall } from '../shared/workflow.js';
import { buildPrompt, buildToolConfig } from './decision-prompt.js';
import { parseToolCall } from './parse-tool-call.js';

/**
 * Asks Bedrock for a plan through the Converse API with tool use. This is
 * the only part of the decision path that meets AWS: the prompt, the tools
 * and the parsing of the answer are pure functions next to it.
 */

export interface BedrockSettings {
  /** Model id, inference profile id or ARN. */
  modelId: string;
  maxTokens: number;
  /** The whole call, from sending to the parsed answer; the request is aborted after it. */
  timeoutMs: number;
  /** A plan under this confidence is not used. */
  minConfidence: number;
  /** The most characters of incident and context data the prompt carries. */
  maxPromptChars: number;
}

/**
 * The plan, or why there is none (the decision's `fallbackReason`) and the
 * model call if one was answered. `throttled` marks a call Bedrock refused
 * for its rate or token quota (`ThrottlingException`): the handler counts
 * those in the `BedrockThrottles` metric.
 */
export type BedrockOutcome = { ok: true; decision: Decision } | { ok: false; reason: string; model?: ModelCall; throttled?: true };

export interface DecideWithBedrockInput {
  incident: Incident;
  context: IncidentContext;
  client: BedrockRuntimeClient;
  settings: BedrockSettings;
}

/** Room left in `fallbackReason` (1,000 characters) for whatever the caller adds. */
const MAX_REASON_CHARS = 600;
const MAX_MESSAGE_CHARS = 200;

/** What each Bedrock error means, as the start of a reason; the error's name follows in parentheses. */
const KNOWN_ERRORS: Readonly<Record<string, { says: string; withMessage?: boolean }>> = {
  ThrottlingException: { says: 'Bedrock throttled the request' },
  ServiceUnavailableException: { says: 'Bedrock is unavailable' },
  ServiceQuotaExceededException: { says: 'a Bedrock quota is exhausted', withMessage: true },
  InternalServerException: { says: 'Bedrock failed internally' },
  ModelTimeoutException: { says: 'the model timed out inside Bedrock' },
  ModelNotReadyException: { says: 'the model is not ready' },
  ModelErrorException: { says: 'the model failed while answering', withMessage: true },
  ValidationException: { says: 'Bedrock rejected the request as invalid', withMessage: true },
  AccessDeniedException: { says: 'Bedrock denied access to the model (check model access and bedrock:InvokeModel)', withMessage: true },
  ResourceNotFoundException: { says: 'Bedrock did not find the model', withMessage: true },
};

/** Socket and HTTP/2 failures: the request never got an answer. */
const NETWORK_CODE = /^(E[A-Z]+|ERR_HTTP2_[A-Z_]+|ERR_SOCKET_[A-Z_]+|UND_ERR_[A-Z_]+)$/;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** The innermost network error code (`ECONNREFUSED`, …) in an error and its causes. */
function networkCodeOf(error: ErrorLike): string | undefined {
  let found: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as ErrorLike).code;
    if (typeof code === 'string' && NETWORK_CODE.test(code)) found = code;
    current = (current as ErrorLike).cause;
  }
  return found;
}

/** Why a Converse call failed, in one line that names the error. */
export function describeModelError(error: unknown): string {
  const candidate: ErrorLike = typeof error === 'object' && error !== null ? (error as ErrorLike) : { message: String(error) };
  const name = typeof candidate.name === 'string' ? candidate.name : 'Error';
  const message = clip(typeof candidate.message === 'string' ? candidate.message : '', MAX_MESSAGE_CHARS);
  const status = candidate.$metadata?.httpStatusCode;

  const known = KNOWN_ERRORS[name];
  if (known !== undefined) return `${known.says} (${name}${known.withMessage && message !== '' ? `: ${message}` : ''})`;
  if (name === 'SyntaxError' && candidate.$metadata !== undefined) {
    return `Bedrock returned a malformed response (HTTP ${status ?? 'unknown'}, body is not valid JSON)`;
  }
  const network = networkCodeOf(candidate);
  if (network !== undefined) return `could not reach Bedrock (${network})`;
  return `the model call failed (${name}${status === undefined ? '' : `, HTTP ${status}`}${message === '' ? '' : `: ${message}`})`;
}

/** Bedrock refused the call for its request or token rate: the error's name says so, whatever the status. */
export function isThrottling(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as ErrorLike).name === 'ThrottlingException';
}

function fail(reason: string, model?: ModelCall): Extract<BedrockOutcome, { ok: false }> {
  const clipped = clip(reason, MAX_REASON_CHARS);
  return model === undefined ? { ok: false, reason: clipped } : { ok: false, reason: clipped, model };
}

/**
 * Asks the model for a plan: one tool per catalog action, the model made to
 * call one, temperature 0, bounded tokens and time. Throttling, errors,
 * timeouts and unusable answers never throw: they come back as `ok: false`
 * with the reason, and with the model call when the model answered, so the
 * runbooks can decide instead and the record says why.
 */
export async function decideWithBedrock({ incident, context, client, settings }: DecideWithBedrockInput): Promise<BedrockOutcome> {
  const prompt = buildPrompt(incident, context, settings.maxPromptChars);
  const command = new ConverseCommand({
    modelId: settings.modelId,
    system: [{ text: prompt.system }],
    messages: [{ role: 'user', content: [{ text: prompt.user }] }],
    inferenceConfig: { temperature: 0, maxTokens: settings.maxTokens },
    toolConfig: buildToolConfig(),
  });

  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), settings.timeoutMs);
  const started = performance.now();
  let output: ConverseCommandOutput;
  try {
    output = await client.send(command, { abortSignal: abort.signal });
  } catch (error) {
    if (abort.signal.aborted) return fail(`the model did not answer within ${settings.timeoutMs} ms`);
    const failure = fail(describeModelError(error));
    return isThrottling(error) ? { ...failure, throttled: true } : failure;
  } finally {
    clearTimeout(timer);
  }

  const model: ModelCall = {
    modelId: settings.modelId,
    inputTokens: output.usage?.inputTokens ?? 0,
    outputTokens: output.usage?.outputTokens ?? 0,
    latencyMs: Math.round(performance.now() - started),
    ...(output.stopReason === undefined ? {} : { stopReason: output.stopReason }),
  };
  const parsed = parseToolCall(output, { minConfidence: settings.minConfidence, model });
  return parsed.ok ? parsed : fail(parsed.reason, model);
}
