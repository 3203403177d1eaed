import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { handler as DecideHandler } from '../../../lambdas/decide/index.js';
import type { metrics as Metrics } from '../../../lambdas/shared/powertools.js';
import { runbooksJson } from '../../../lib/runbook-files.js';
import { HEALER_NAMESPACE, HEALER_SERVICE } from '../../../lib/healer-metrics.js';
import { type FakeBedrock, type FakeReply, startFakeBedrock } from '../../../local/fake-bedrock.js';
import { goodScaleOutPlan, serviceUnavailable, throttled } from '../../support/fake-bedrock-scripts.js';
import { testContext, testIncident } from '../../support/fixtures.js';
import { invoke } from '../harness.js';

/**
 * The Decide handler with a model configured, against the local fake
 * Converse endpoint: a call Bedrock throttles falls back to the runbooks
 * and is counted as `BedrockThrottles`, an EMF metric with the `service`
 * dimension alone — exactly what the alarm in `SelfMonitoring` queries.
 */

let fake: FakeBedrock;
let next: FakeReply = throttled;
let handler: typeof DecideHandler;
let metrics: typeof Metrics;
/** Every single-metric EMF document the handler published, as CloudWatch would receive it. */
let published: Record<string, any>[];

beforeAll(async () => {
  fake = await startFakeBedrock(() => next);
  process.env.RUNBOOKS_JSON = runbooksJson();
  process.env.BEDROCK_MODEL_ID = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
  process.env.BEDROCK_ENDPOINT = fake.endpoint;
  process.env.POWERTOOLS_SERVICE_NAME = HEALER_SERVICE;
  vi.resetModules();
  ({ handler } = await import('../../../lambdas/decide/index.js'));
  ({ metrics } = await import('../../../lambdas/shared/powertools.js'));
});

afterAll(async () => {
  delete process.env.BEDROCK_MODEL_ID;
  delete process.env.BEDROCK_ENDPOINT;
  delete process.env.POWERTOOLS_SERVICE_NAME;
  await fake.stop();
});

/** Captures what each single metric would print (metrics are disabled in tests, so nothing is printed). */
function capturePublished(): void {
  published = [];
  const real = metrics.singleMetric.bind(metrics);
  vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const single = real();
    vi.spyOn(single, 'publishStoredMetrics').mockImplementation(() => {
      published.push(single.serializeMetrics() as Record<string, any>);
      single.clearMetrics();
      return single;
    });
    return single;
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

const decide = () => invoke(handler, { incident: testIncident(), context: testContext(), attempt: 0 });

describe('decide handler with a throttling model', () => {
  it('falls back to the runbooks and emits BedrockThrottles = 1 with the service dimension alone', async () => {
    // Prepare
    next = throttled;
    capturePublished();

    // Act
    const decision = await decide();

    // Assess
    expect(decision).toMatchObject({ source: 'runbook', action: 'scaleOutAsg', fallbackReason: 'Bedrock throttled the request (ThrottlingException)' });
    const throttles = published.filter((document) => 'BedrockThrottles' in document);
    expect(throttles).toHaveLength(1);
    expect(throttles[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: HEALER_NAMESPACE, Dimensions: [['service']], Metrics: [{ Name: 'BedrockThrottles', Unit: 'Count' }] }] },
      service: HEALER_SERVICE,
      BedrockThrottles: 1,
    });
  });

  it.each([
    ['Bedrock is unavailable', serviceUnavailable],
    ['the model answers', goodScaleOutPlan],
  ])('counts no throttle when %s', async (_title, reply) => {
    // Prepare
    next = reply;
    capturePublished();

    // Act
    await decide();

    // Assess
    expect(published.filter((document) => 'BedrockThrottles' in document)).toEqual([]);
  });
});
