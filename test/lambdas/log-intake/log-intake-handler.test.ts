import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as LogIntakeHandler } from '../../../lambdas/log-intake/index.js';
import { CorruptLogPayloadError } from '../../../lambdas/log-intake/log-intake-errors.js';
import { decodeLogGroupState, encodeLogGroupState } from '../../../lambdas/log-intake/template-state-store.js';
import { emptyBurstState } from '../../../lambdas/log-intake/burst-detector.js';
import { TransientAwsError } from '../../../lambdas/shared/errors.js';
import { LOG_DETECTION_DETAIL_TYPE, LOG_DETECTION_SOURCE, type LogDetectionDetail, LogDetectionDetailSchema } from '../../../lambdas/shared/log-detection.js';
import { TemplateMiner } from '../../../lambdas/shared/logs/index.js';
import { invoke, rejectionOf, TABLE_NAME } from '../harness.js';
import { CONTROL_MESSAGE, logBatch, subscriptionEvent, T0 } from './log-fixtures.js';
import { encodeLogPayload } from '../../../lambdas/log-intake/decode-payload.js';

const EVENT_BUS_NAME = 'self-healing-test-bus';

/** What the fake EventBridge endpoint received, and in what order against the DynamoDB writes. */
let putEventsBodies: { Entries: { Source: string; DetailType: string; Detail: string; EventBusName: string }[] }[] = [];
let order: string[] = [];
let eventBridgeAnswer: 'accept' | 'fail' | 'refuse' = 'accept';
let server: Server;

const dynamo = mockClient(DynamoDBDocumentClient);
let handler: typeof LogIntakeHandler;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const parsed = JSON.parse(body) as (typeof putEventsBodies)[number];
      putEventsBodies.push(parsed);
      order.push('PutEvents');
      if (eventBridgeAnswer === 'fail') {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'InternalException', message: 'boom' }));
        return;
      }
      const refuse = eventBridgeAnswer === 'refuse';
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({
          FailedEntryCount: refuse ? parsed.Entries.length : 0,
          Entries: parsed.Entries.map((_, n) => (refuse ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow' } : { EventId: `event-${n}` })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.TABLE_NAME = TABLE_NAME;
  process.env.EVENT_BUS_NAME = EVENT_BUS_NAME;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ handler } = await import('../../../lambdas/log-intake/index.js'));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  putEventsBodies = [];
  order = [];
  eventBridgeAnswer = 'accept';
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(PutCommand).callsFake(() => {
    order.push('SaveState');
    return {};
  });
});

const published = (): LogDetectionDetail[] =>
  putEventsBodies.flatMap(({ Entries }) => Entries.map(({ Detail }) => LogDetectionDetailSchema.parse(JSON.parse(Detail))));

const errorBatch = () =>
  logBatch([
    'GET /health 200 1ms',
    'Error: environment variable DATABASE_URL is not set',
    'ERROR payment 4711 failed: card declined by issuer',
    'ERROR payment 4712 failed: card declined by issuer',
  ]);

describe('log intake handler', () => {
  it('publishes the detections on the bus, then saves the state', async () => {
    // Prepare
    const batch = errorBatch();

    // Act
    const result = await invoke(handler, subscriptionEvent(batch));

    // Assess
    expect(result).toEqual({ status: 'processed', logGroup: '/ecs/web', events: 4, templates: 3, detections: 3 });
    expect(order).toEqual(['PutEvents', 'SaveState']);
    const [request] = putEventsBodies;
    for (const entry of request!.Entries) {
      expect(entry).toMatchObject({ Source: LOG_DETECTION_SOURCE, DetailType: LOG_DETECTION_DETAIL_TYPE, EventBusName: EVENT_BUS_NAME });
    }
    const details = published();
    expect(details.map(({ kind, signatureId, fields }) => ({ kind, signatureId, variable: fields.variable }))).toEqual([
      { kind: 'signature', signatureId: 'missing-env-var', variable: 'DATABASE_URL' },
      { kind: 'new-error-template', signatureId: undefined, variable: undefined },
      { kind: 'new-error-template', signatureId: undefined, variable: undefined },
    ]);

    const put = dynamo.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      TableName: TABLE_NAME,
      Item: { pk: 'LOGSTATE#/ecs/web', sk: 'TEMPLATES', version: 1, templates: 3 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const saved = decodeLogGroupState(put.Item!.state as Uint8Array);
    expect(saved.miner.templates.map(([, text]) => text).sort()).toEqual([
      'ERROR payment <*> failed: card declined by issuer',
      'Error: environment variable DATABASE_URL is not set',
      'GET /health <*> <*>',
    ]);
  });

  it('publishes in requests of at most ten entries', async () => {
    // Prepare: 15 distinct error messages (different lengths make different templates)
    const lines = Array.from({ length: 15 }, (_, n) => `ERROR step failed ${'again '.repeat(n)}`.trim());

    // Act
    const result = await invoke(handler, subscriptionEvent(logBatch(lines)));

    // Assess
    expect(result.detections).toBe(15);
    expect(putEventsBodies.map(({ Entries }) => Entries.length)).toEqual([10, 5]);
    expect(new Set(published().map(({ detectionId }) => detectionId)).size).toBe(15);
  });

  it('does not report again what the stored state already knows, and saves under the stored version', async () => {
    // Prepare: a stored state that has seen the payment failure
    const miner = new TemplateMiner();
    miner.add('ERROR payment 1 failed: card declined by issuer', T0 - 60_000);
    const { bytes } = encodeLogGroupState({ miner: miner.toState(), bursts: emptyBurstState(), batches: ['earlier-batch'] });
    dynamo.on(GetCommand).resolves({ Item: { pk: 'LOGSTATE#/ecs/web', sk: 'TEMPLATES', version: 7, state: bytes } });

    // Act
    await invoke(handler, subscriptionEvent(errorBatch()));

    // Assess
    expect(published().map(({ kind }) => kind)).toEqual(['signature', 'new-error-template']);
    const put = dynamo.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put.Item).toMatchObject({ version: 8 });
    expect(put.ConditionExpression).toBe('#version = :expected');
    expect(put.ExpressionAttributeValues).toEqual({ ':expected': 7 });
    expect(decodeLogGroupState(put.Item!.state as Uint8Array).batches).toEqual(['earlier-batch', errorBatch().logEvents[0]!.id]);
  });

  it('skips a batch delivered again after it was saved: nothing published, nothing saved, nothing counted twice', async () => {
    // Prepare: the first delivery succeeds; the store then holds what it saved
    const event = subscriptionEvent(errorBatch());
    await invoke(handler, event);
    const saved = dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    dynamo.on(GetCommand).resolves({ Item: saved });
    putEventsBodies = [];
    order = [];

    // Act
    const result = await invoke(handler, event);

    // Assess
    expect(result).toEqual({ status: 'duplicate', logGroup: '/ecs/web', events: 4, templates: 3, detections: 0 });
    expect(putEventsBodies).toEqual([]);
    expect(order).toEqual([]);
  });

  it('saves nothing when publishing fails, and the redelivery publishes the same detection ids', async () => {
    // Prepare
    const event = subscriptionEvent(errorBatch());
    eventBridgeAnswer = 'fail';

    // Act
    const error = await rejectionOf(invoke(handler, event));
    const attempted = published().map(({ detectionId }) => detectionId);
    putEventsBodies = [];
    eventBridgeAnswer = 'accept';
    await invoke(handler, event);

    // Assess
    expect(error).toBeInstanceOf(TransientAwsError);
    expect(error.message).toMatch(/PutEvents failed transiently \(InternalException\)/);
    expect(order.slice(0, 1)).toEqual(['PutEvents']);
    expect(order.filter((step) => step === 'SaveState')).toHaveLength(1); // only the redelivery saved
    // The SDK client retries a 5xx once itself, so each detection may have been sent twice.
    expect([...new Set(attempted)]).toHaveLength(3);
    expect(published().map(({ detectionId }) => detectionId)).toEqual([...new Set(attempted)]);
  });

  it('retries entries EventBridge refuses, then fails as TransientAwsError without saving', async () => {
    eventBridgeAnswer = 'refuse';
    const error = await rejectionOf(invoke(handler, subscriptionEvent(errorBatch())));
    expect(error).toBeInstanceOf(TransientAwsError);
    expect(error.message).toMatch(/refused 3 of 3 detection\(s\) after 3 attempts: ThrottlingException ×3/);
    expect(putEventsBodies).toHaveLength(3);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('saves the state without publishing when there is nothing to report', async () => {
    const result = await invoke(handler, subscriptionEvent(logBatch(['GET /health 200 1ms', 'GET /health 200 2ms'])));
    expect(result).toMatchObject({ status: 'processed', detections: 0, templates: 1 });
    expect(putEventsBodies).toEqual([]);
    expect(order).toEqual(['SaveState']);
  });

  it('rejects a corrupt payload without reading, publishing or saving anything', async () => {
    // Prepare: gzip cut short
    const data = subscriptionEvent(errorBatch()).awslogs.data;
    const corrupt = { awslogs: { data: Buffer.from(data, 'base64').subarray(0, 40).toString('base64') } };

    // Act
    const error = await rejectionOf(invoke(handler, corrupt));

    // Assess
    expect(error).toBeInstanceOf(CorruptLogPayloadError);
    expect(error.name).toBe('CorruptLogPayloadError');
    expect(dynamo.calls()).toHaveLength(0);
    expect(putEventsBodies).toHaveLength(0);
  });

  it('skips the control message', async () => {
    const result = await invoke(handler, encodeLogPayload(CONTROL_MESSAGE));
    expect(result).toEqual({ status: 'skipped', events: 0, templates: 0, detections: 0, reason: 'control message' });
    expect(dynamo.calls()).toHaveLength(0);
    expect(putEventsBodies).toHaveLength(0);
  });
});
