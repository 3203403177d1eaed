import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  type CapturedRequest,
  type FakeBedrock,
  type FakeReply,
  FakeReplySchema,
  scriptedReplies,
  startFakeBedrock,
} from '../../../local/fake-bedrock.js';
import { goodScaleOutPlan, slow, textOnly, throttled } from '../../support/fake-bedrock-scripts.js';

/** The fake Converse endpoint itself: its route, its protocols, its script and its shutdown. */

const converse = (text = 'hello') => new ConverseCommand({ modelId: 'test-model', messages: [{ role: 'user', content: [{ text }] }] });

function clientFor(endpoint: string): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
}

describe('startFakeBedrock', () => {
  let fake: FakeBedrock;
  let client: BedrockRuntimeClient;
  let next: FakeReply = goodScaleOutPlan;

  beforeAll(async () => {
    fake = await startFakeBedrock(() => next);
    client = clientFor(fake.endpoint);
  });

  afterAll(async () => {
    client.destroy();
    await fake.stop();
  });

  it('listens on loopback', () => {
    // Assess
    expect(fake.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers the real client with a tool call it deserialises', async () => {
    // Prepare
    next = goodScaleOutPlan;

    // Act
    const output = await client.send(converse());

    // Assess
    expect(output.stopReason).toBe('tool_use');
    expect(output.usage).toEqual({ inputTokens: 1_834, outputTokens: 212, totalTokens: 2_046 });
    expect(output.output?.message?.content?.[0]?.toolUse).toEqual({
      toolUseId: expect.any(String),
      name: 'scaleOutAsg',
      input: { autoScalingGroupName: 'web', targetCapacity: 6, rationale: expect.any(String), confidence: 0.85, evidence: expect.any(Array) },
    });
  });

  it('records the request: the decoded model id from the path, the parsed body and the signed headers', async () => {
    // Prepare
    next = textOnly;
    const modelId = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';
    const before = fake.requests.length;

    // Act
    await client.send(new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'recorded?' }] }], inferenceConfig: { maxTokens: 99 } }));

    // Assess
    const recorded = fake.requests.slice(before);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      modelId,
      body: { messages: [{ role: 'user', content: [{ text: 'recorded?' }] }], inferenceConfig: { maxTokens: 99 } },
      headers: { 'content-type': 'application/json', authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 /) },
    });
  });

  it('sends a modelled error the client raises by name, status and message', async () => {
    // Prepare
    next = throttled;

    // Act
    const error = await client.send(converse()).catch((caught: unknown) => caught as Error & { $metadata: { httpStatusCode: number } });

    // Assess
    expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
    expect(error.$metadata.httpStatusCode).toBe(429);
  });

  it('answers HTTP/1.1 clients on the same port', async () => {
    // Prepare
    next = textOnly;

    // Act
    const response = await fetch(`${fake.endpoint}/model/m%3A1/converse`, { method: 'POST', body: JSON.stringify({ messages: [] }) });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ output: { message: { content: [{ text: textOnly.kind === 'text' ? textOnly.text : '' }] } }, stopReason: 'end_turn' });
    expect(fake.requests.at(-1)?.modelId).toBe('m:1');
  });

  it.each([
    ['another operation', 'POST', '/model/m/invoke', '{}', 404, 'UnknownOperationException'],
    ['a GET', 'GET', '/model/m/converse', undefined, 404, 'UnknownOperationException'],
    ['a body that is not JSON', 'POST', '/model/m/converse', 'not json', 400, 'ValidationException'],
  ])('refuses %s without asking the script', async (_title, method, path, body, status, errorType) => {
    // Prepare
    const before = fake.requests.length;

    // Act
    const response = await fetch(`${fake.endpoint}${path}`, { method, body });

    // Assess
    expect(response.status).toBe(status);
    expect(response.headers.get('x-amzn-errortype')).toBe(errorType);
    expect(fake.requests).toHaveLength(before);
  });
});

describe('a script', () => {
  it('sees the captured request and may answer asynchronously', async () => {
    // Prepare
    const seen: CapturedRequest[] = [];
    const fake = await startFakeBedrock(async (request) => {
      seen.push(request);
      return { kind: 'text', text: `you said ${request.body.messages?.[0]?.content[0]?.text}` };
    });
    const client = clientFor(fake.endpoint);

    // Act
    const output = await client.send(converse('ping'));
    client.destroy();
    await fake.stop();

    // Assess
    expect(seen).toEqual(fake.requests);
    expect(output.output?.message?.content?.[0]?.text).toBe('you said ping');
  });

  it('that throws makes the fake answer 500 InternalServerException with its message', async () => {
    // Prepare
    const fake = await startFakeBedrock(() => {
      throw new Error('no reply scripted');
    });
    const client = clientFor(fake.endpoint);

    // Act
    const error = await client.send(converse()).catch((caught: unknown) => caught as Error);
    client.destroy();
    await fake.stop();

    // Assess
    expect(error).toMatchObject({ name: 'InternalServerException', message: 'the fake Bedrock script failed: no reply scripted' });
  });
});

describe('scriptedReplies', () => {
  it('answers in order, then repeats the last reply', () => {
    // Prepare
    const script = scriptedReplies(throttled, goodScaleOutPlan);
    const request: CapturedRequest = { modelId: 'm', body: {}, headers: {} };

    // Act
    const replies = [script(request), script(request), script(request)];

    // Assess
    expect(replies).toEqual([throttled, goodScaleOutPlan, goodScaleOutPlan]);
  });

  it('needs at least one reply', () => {
    // Act
    const create = () => scriptedReplies();

    // Assess
    expect(create).toThrow('scriptedReplies needs at least one reply');
  });
});

describe('stop', () => {
  it('ends a pending delayed reply at once instead of waiting it out', async () => {
    // Prepare: fake timers, to see that the delay's timer is cleared
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const fake = await startFakeBedrock(scriptedReplies(slow(30_000)));
    const pending = fetch(`${fake.endpoint}/model/m/converse`, { method: 'POST', body: '{}' }).then(
      () => 'answered',
      () => 'connection closed',
    );
    await expect.poll(() => fake.requests.length).toBe(1);
    expect(vi.getTimerCount()).toBe(1);

    // Act
    const started = performance.now();
    await fake.stop();

    // Assess
    expect(await pending).toBe('connection closed');
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect.poll(() => vi.getTimerCount()).toBe(0);
  });
});

describe('FakeReplySchema', () => {
  it('accepts every reply kind, nested delays included', () => {
    // Prepare
    const replies: FakeReply[] = [
      goodScaleOutPlan,
      textOnly,
      throttled,
      { kind: 'raw', status: 200, body: '{', headers: { 'content-type': 'text/plain' } },
      slow(10, slow(10, textOnly)),
    ];

    // Act
    const parsed = replies.map((reply) => FakeReplySchema.safeParse(reply).success);

    // Assess
    expect(parsed).toEqual([true, true, true, true, true]);
  });

  it.each([
    ['an unknown kind', { kind: 'silence' }],
    ['an error with a 200 status', { kind: 'error', status: 200, errorType: 'ThrottlingException', message: 'x' }],
    ['a delay without a reply', { kind: 'delay', ms: 10 }],
  ])('refuses %s', (_title, reply) => {
    // Act
    const parsed = FakeReplySchema.safeParse(reply);

    // Assess
    expect(parsed.success).toBe(false);
  });
});
