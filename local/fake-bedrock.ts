import { createServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';

/**
 * A fake Amazon Bedrock Runtime on loopback that speaks the Converse wire
 * protocol (`POST /model/{modelId}/converse`, restJson1) over cleartext
 * HTTP/2 — the Bedrock Runtime client always uses its HTTP/2 handler — so the
 * real SDK client, its serialisers, error parsing and abort handling, is what
 * the tests and `npm start` exercise. A script decides each reply.
 */

export interface CapturedRequest {
  modelId: string;
  body: {
    system?: { text: string }[];
    messages?: { role: string; content: { text?: string }[] }[];
    inferenceConfig?: { temperature?: number; maxTokens?: number };
    toolConfig?: { tools?: { toolSpec: { name: string; description: string; inputSchema: { json: Record<string, unknown> } } }[]; toolChoice?: unknown };
  };
}

const UsageSchema = z.object({ inputTokens: z.number().int(), outputTokens: z.number().int() });

/** What the fake model answers; the same shapes are used in scenario files. */
export const FakeReplySchema: z.ZodType<FakeReply> = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal('tool'), name: z.string(), input: z.record(z.string(), z.unknown()), usage: UsageSchema.optional() }),
    z.object({ kind: z.literal('text'), text: z.string() }),
    z.object({ kind: z.literal('raw'), status: z.number().int(), body: z.string(), headers: z.record(z.string(), z.string()).optional() }),
    z.object({ kind: z.literal('error'), status: z.number().int(), errorType: z.string(), message: z.string() }),
    z.object({ kind: z.literal('delay'), ms: z.number().int().min(0), then: FakeReplySchema }),
  ]),
);

export type FakeReply =
  | { kind: 'tool'; name: string; input: Record<string, unknown>; usage?: { inputTokens: number; outputTokens: number } }
  | { kind: 'text'; text: string }
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'error'; status: number; errorType: string; message: string }
  | { kind: 'delay'; ms: number; then: FakeReply };

export type FakeBedrockScript = (request: CapturedRequest) => FakeReply;

export interface FakeBedrock {
  endpoint: string;
  requests: CapturedRequest[];
  stop(): Promise<void>;
}

/** Answers with each reply in turn, then repeats the last one. */
export function scriptedReplies(...replies: FakeReply[]): FakeBedrockScript {
  let next = 0;
  return () => {
    const reply = replies[Math.min(next, replies.length - 1)];
    next += 1;
    if (reply === undefined) throw new Error('scriptedReplies needs at least one reply');
    return reply;
  };
}

function readBody(request: Http2ServerRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: Http2ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (response.stream.destroyed || response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}

async function answer(reply: FakeReply, response: Http2ServerResponse): Promise<void> {
  switch (reply.kind) {
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, reply.ms));
      return answer(reply.then, response);
    case 'error':
      return send(response, reply.status, JSON.stringify({ message: reply.message }), { 'x-amzn-errortype': reply.errorType });
    case 'raw':
      return send(response, reply.status, reply.body, reply.headers);
    case 'text':
      return send(
        response,
        200,
        JSON.stringify({
          output: { message: { role: 'assistant', content: [{ text: reply.text }] } },
          stopReason: 'end_turn',
          usage: { inputTokens: 900, outputTokens: 40, totalTokens: 940 },
          metrics: { latencyMs: 120 },
        }),
      );
    case 'tool': {
      const usage = reply.usage ?? { inputTokens: 1_200, outputTokens: 150 };
      return send(
        response,
        200,
        JSON.stringify({
          output: {
            message: {
              role: 'assistant',
              content: [{ toolUse: { toolUseId: 'tooluse_fake_1', name: reply.name, input: reply.input } }],
            },
          },
          stopReason: 'tool_use',
          usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
          metrics: { latencyMs: 420 },
        }),
      );
    }
  }
}

export async function startFakeBedrock(script: FakeBedrockScript): Promise<FakeBedrock> {
  const requests: CapturedRequest[] = [];
  const sessions = new Set<Http2Session>();
  const server = createServer((request, response) => {
    void (async () => {
      const match = /^\/model\/([^/]+)\/converse$/.exec(request.url ?? '');
      if (request.method !== 'POST' || match === null) {
        send(response, 404, JSON.stringify({ message: `no route for ${request.method} ${request.url}` }), { 'x-amzn-errortype': 'UnknownOperationException' });
        return;
      }
      const captured: CapturedRequest = { modelId: decodeURIComponent(match[1]!), body: JSON.parse(await readBody(request)) as CapturedRequest['body'] };
      requests.push(captured);
      await answer(script(captured), response);
    })().catch((error: unknown) => send(response, 500, JSON.stringify({ message: String(error) }), { 'x-amzn-errortype': 'InternalServerException' }));
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
