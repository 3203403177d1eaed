import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import * as z from 'zod';

/**
 * A fake Amazon Bedrock Runtime on loopback that speaks the Converse wire
 * protocol: `POST /model/{modelId}/converse`, restJson1, as
 * `@aws-sdk/client-bedrock-runtime` serialises it. A script decides each
 * reply from the captured request, so tests and `npm start` exercise the
 * real SDK client — its serialisers, error parsing and abort handling.
 *
 * The Bedrock Runtime client always sends through its HTTP/2 handler
 * (cleartext HTTP/2 with prior knowledge for an `http://` endpoint), while
 * `fetch`, curl and `NodeHttpHandler` speak HTTP/1.1; the server tells them
 * apart by the HTTP/2 connection preface and answers both.
 */

/** One Converse request as the fake received it. */
export interface CapturedRequest {
  /** From the path, URL-decoded: a model id, inference profile id or ARN. */
  modelId: string;
  /** The request body, parsed. */
  body: ConverseBody;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
}

/** The parts of a Converse request body the tests read; everything else is kept as sent. */
export interface ConverseBody {
  system?: { text?: string }[];
  messages?: { role: string; content: { text?: string }[] }[];
  inferenceConfig?: { temperature?: number; maxTokens?: number; topP?: number };
  toolConfig?: {
    tools?: { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }[];
    toolChoice?: Record<string, unknown>;
  };
  [key: string]: unknown;
}

export interface FakeUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What the fake model answers. */
export type FakeReply =
  /** A tool call: `input` is the whole tool input (action params and decision fields). */
  | { kind: 'tool'; name: string; input: Record<string, unknown>; usage?: FakeUsage }
  /** Prose only, no tool call. */
  | { kind: 'text'; text: string; usage?: FakeUsage }
  /** Exactly this status, body and headers: malformed JSON, an empty body, … */
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  /** A modelled Bedrock error: HTTP status, `x-amzn-errortype`, `{ message }`. */
  | { kind: 'error'; status: number; errorType: string; message: string }
  /** Waits, then answers; a client that gives up first sees no answer at all. */
  | { kind: 'delay'; ms: number; then: FakeReply };

const UsageSchema = z.object({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0) });

/** The same replies, validated: scenario and evaluation files describe the model with them. */
export const FakeReplySchema: z.ZodType<FakeReply> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('tool'), name: z.string(), input: z.record(z.string(), z.unknown()), usage: UsageSchema.optional() }),
    z.object({ kind: z.literal('text'), text: z.string(), usage: UsageSchema.optional() }),
    z.object({ kind: z.literal('raw'), status: z.number().int(), body: z.string(), headers: z.record(z.string(), z.string()).optional() }),
    z.object({ kind: z.literal('error'), status: z.number().int().min(400).max(599), errorType: z.string().min(1), message: z.string() }),
    z.object({ kind: z.literal('delay'), ms: z.number().int().min(0), then: FakeReplySchema }),
  ]),
);

/** Chooses the reply to a request. */
export type FakeBedrockScript = (request: CapturedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeBedrock {
  /** `http://127.0.0.1:PORT`, for the client's `endpoint` or `BEDROCK_ENDPOINT`. */
  endpoint: string;
  /** Every Converse request received, oldest first. */
  requests: CapturedRequest[];
  /** Closes every connection, ends pending delays, and stops listening. */
  stop(): Promise<void>;
}

/** Token counts a reply reports when it names none. */
export const DEFAULT_USAGE: FakeUsage = { inputTokens: 1_200, outputTokens: 150 };
/** The `toolUseId` of every tool call the fake makes. */
export const FAKE_TOOL_USE_ID = 'tooluse_fake_0001';

/** Answers with each reply in turn; after the last, repeats it. */
export function scriptedReplies(...replies: FakeReply[]): FakeBedrockScript {
  if (replies.length === 0) throw new Error('scriptedReplies needs at least one reply');
  let next = 0;
  return () => replies[Math.min(next++, replies.length - 1)]!;
}

/** The 200 response body of a Converse call that ended with `content`. */
export function converseResponseBody(content: unknown[], stopReason: string, usage: FakeUsage = DEFAULT_USAGE): string {
  return JSON.stringify({
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
    metrics: { latencyMs: 420 },
  });
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

const CONVERSE_ROUTE = /^\/model\/([^/?]+)\/converse(?:\?.*)?$/;
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0');

function readBody(request: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function headersOf(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!name.startsWith(':') && value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

/** Resolves after `ms`, or as soon as `cancelled` fires. */
function wait(ms: number, cancelled: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (cancelled.aborted) return resolve();
    const timer = setTimeout(done, ms);
    cancelled.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', done);
      resolve();
    }
  });
}

export async function startFakeBedrock(script: FakeBedrockScript): Promise<FakeBedrock> {
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();

  const send = (response: Response, gone: AbortSignal, status: number, body: string, headers: Record<string, string> = {}) => {
    if (gone.aborted || response.headersSent) return;
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(body);
  };

  const answer = async (reply: FakeReply, response: Response, gone: AbortSignal): Promise<void> => {
    switch (reply.kind) {
      case 'delay':
        await wait(reply.ms, gone);
        return answer(reply.then, response, gone);
      case 'error':
        return send(response, gone, reply.status, JSON.stringify({ message: reply.message }), { 'x-amzn-errortype': reply.errorType });
      case 'raw':
        return send(response, gone, reply.status, reply.body, reply.headers);
      case 'text':
        return send(response, gone, 200, converseResponseBody([{ text: reply.text }], 'end_turn', reply.usage));
      case 'tool':
        return send(
          response,
          gone,
          200,
          converseResponseBody([{ toolUse: { toolUseId: FAKE_TOOL_USE_ID, name: reply.name, input: reply.input } }], 'tool_use', reply.usage),
        );
    }
  };

  const handle = async (request: Request, response: Response): Promise<void> => {
    // Aborted when the connection closes — the client gave up (an SDK timeout) or the fake stopped — so a pending delay ends.
    const gone = new AbortController();
    response.on('close', () => gone.abort());

    const match = CONVERSE_ROUTE.exec(request.url ?? '');
    if (request.method !== 'POST' || match === null) {
      send(response, gone.signal, 404, JSON.stringify({ message: `the fake Bedrock has no route for ${request.method} ${request.url}` }), {
        'x-amzn-errortype': 'UnknownOperationException',
      });
      return;
    }
    const text = await readBody(request);
    let body: ConverseBody;
    try {
      body = JSON.parse(text) as ConverseBody;
    } catch {
      send(response, gone.signal, 400, JSON.stringify({ message: 'the request body is not valid JSON' }), { 'x-amzn-errortype': 'ValidationException' });
      return;
    }
    const captured: CapturedRequest = { modelId: decodeURIComponent(match[1]!), body, headers: headersOf(request) };
    requests.push(captured);
    await answer(await script(captured), response, gone.signal);
  };

  const onRequest = (request: Request, response: Response) => {
    handle(request, response).catch((error: unknown) => {
      // A script that throws is a broken test; answer like an internal failure so the client sees it.
      const message = `the fake Bedrock script failed: ${error instanceof Error ? error.message : String(error)}`;
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerException' });
        response.end(JSON.stringify({ message }));
      }
    });
  };

  const http1 = createHttpServer(onRequest);
  const http2 = createHttp2Server(onRequest);
  // One port for both protocols: look at the first bytes, then hand the socket over with them put back.
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      const isHttp2 = chunk.subarray(0, HTTP2_PREFACE.length).equals(HTTP2_PREFACE);
      (isHttp2 ? http2 : http1).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
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
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
