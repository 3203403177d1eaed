import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { type BedrockOutcome, type BedrockSettings, decideWithBedrock } from '../lambdas/decide/bedrock-decider.js';
import { type CapturedRequest, type FakeReply, startFakeBedrock } from '../local/fake-bedrock.js';
import type { Decision } from '../lambdas/shared/workflow.js';
import type { BuiltCase } from './build-case.js';

/**
 * The model half of the evaluation: `decideWithBedrock` with the real
 * BedrockRuntimeClient, pointed either at the local fake Converse endpoint
 * (scripted per case) or at Bedrock itself (`--bedrock MODEL_ID`).
 */

export type ModelOutcome = BedrockOutcome;

export interface ModelDecider {
  decide(built: BuiltCase): Promise<ModelOutcome>;
  /** Before a case runs. */
  begin(built: BuiltCase): void;
  /** After a case ran: problems with the harness for it (the fake model never saw the case, Bedrock never answered, …). */
  end(built: BuiltCase, decision: Decision | undefined): string[];
  close(): Promise<void>;
}

type DeciderSettings = BedrockSettings;

export type ModelEngineOptions = { kind: 'fake'; cases: readonly BuiltCase[]; settings: DeciderSettings } | { kind: 'bedrock'; settings: DeciderSettings };

/** The prompt text of a request (system and messages), as the model reads it. */
function textOf(request: CapturedRequest): string {
  const system = (request.body.system ?? []).map((block) => block.text ?? '');
  const messages = (request.body.messages ?? []).flatMap((message) => message.content.map((block) => block.text ?? ''));
  return [...system, ...messages].join('\n');
}

/** JSON-escaped form of a needle, as it appears inside a serialised request. */
function contains(haystack: string, needle: string): boolean {
  return haystack.includes(needle) || haystack.includes(JSON.stringify(needle).slice(1, -1));
}

export async function modelEngine(options: ModelEngineOptions): Promise<ModelDecider> {
  if (options.kind === 'bedrock') {
    // A default client: the caller's credentials and AWS_REGION; no SDK retries, as in the Decide function.
    const client = new BedrockRuntimeClient({ maxAttempts: 1 });
    return {
      decide: ({ incident, context }) => decideWithBedrock({ incident, context, client, settings: options.settings }),
      begin: () => undefined,
      // A run where Bedrock never answered (no credentials, no model access, throttled) is no evidence about the model.
      end: (_built, decision) =>
        decision?.fallbackReason !== undefined && decision.model === undefined ? [`Bedrock did not answer, so the model was not evaluated: ${decision.fallbackReason}`] : [],
      close: async () => client.destroy(),
    };
  }

  const byMarker = new Map(options.cases.map((built) => [built.marker, built]));
  const calls = new Map<string, string[]>();
  let current: BuiltCase | undefined;
  const stray: string[] = [];

  const script = (request: CapturedRequest): FakeReply => {
    const text = textOf(request);
    const matched = [...byMarker.keys()].filter((marker) => text.includes(marker));
    if (matched.length !== 1) {
      stray.push(matched.length === 0 ? 'a model request carried no case marker' : `a model request carried ${matched.length} case markers`);
      return { kind: 'error', status: 400, errorType: 'ValidationException', message: 'eval harness: no unique case marker in the request' };
    }
    const built = byMarker.get(matched[0]!)!;
    if (current !== undefined && built.marker !== current.marker) {
      stray.push(`a request for case ${built.spec.name} arrived while ${current.spec.name} ran`);
    }
    const seen = calls.get(built.marker) ?? [];
    seen.push(text);
    calls.set(built.marker, seen);
    return built.replies[Math.min(seen.length - 1, built.replies.length - 1)]!;
  };

  const server = await startFakeBedrock(script);
  const client = new BedrockRuntimeClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });

  return {
    decide: ({ incident, context }) => decideWithBedrock({ incident, context, client, settings: options.settings }),
    begin(built) {
      current = built;
      stray.length = 0;
    },
    end(built) {
      current = undefined;
      const issues = [...stray];
      const seen = calls.get(built.marker) ?? [];
      if (seen.length === 0) issues.push('the fake model was never called for this case');
      for (const needle of built.spec.modelMustSee) {
        if (!seen.some((text) => contains(text, needle))) issues.push(`the model's request did not contain "${needle}"`);
      }
      return issues;
    },
    async close() {
      client.destroy();
      await server.stop();
    },
  };
}
