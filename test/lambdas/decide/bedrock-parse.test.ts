import type { ContentBlock, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { describeModelError } from '../../../lambdas/decide/bedrock-decider.js';
import { compactParamsError, parseToolCall } from '../../../lambdas/decide/parse-tool-call.js';
import { type ActionName, parseActionParams } from '../../../lambdas/shared/actions/catalog.js';
import type { ModelCall } from '../../../lambdas/shared/workflow.js';
import { decisionFields } from '../../support/fake-bedrock-scripts.js';

/** Reading the model's answer, and naming Bedrock's failures: pure functions, no client. */

const MODEL: ModelCall = { modelId: 'test-model', inputTokens: 100, outputTokens: 20, latencyMs: 5, stopReason: 'tool_use' };
const OPTIONS = { minConfidence: 0.6, model: MODEL };

function answer(content: ContentBlock[], stopReason = 'tool_use'): ConverseCommandOutput {
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: stopReason as ConverseCommandOutput['stopReason'],
    usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
    metrics: { latencyMs: 5 },
    $metadata: {},
  };
}

function toolUse(name: string, input: unknown, toolUseId = 'tu-1'): ContentBlock {
  return { toolUse: { toolUseId, name, input: input as never } };
}

describe('parseToolCall', () => {
  it.each([
    ['scaleOutAsg', { autoScalingGroupName: 'web', targetCapacity: 6 }, 'autoscaling-group/web'],
    ['blockIpInWaf', { ipSetName: 'blocked', scope: 'CLOUDFRONT', cidr: '198.51.100.7/32', durationMinutes: 60 }, 'waf-ip-set/CLOUDFRONT/blocked'],
    ['rollbackEksDeployment', { cluster: 'prod', namespace: 'shop', deployment: 'cart' }, 'eks-deployment/prod/shop/cart'],
    ['restartEksDeployment', { cluster: 'prod', namespace: 'shop', deployment: 'cart' }, 'eks-deployment/prod/shop/cart'],
    ['patchEksConfigMap', { cluster: 'prod', namespace: 'shop', configMap: 'cart-env', key: 'DB_HOST', value: 'db.internal' }, 'eks-configmap/prod/shop/cart-env'],
    ['escalateOnly', { reason: 'Nothing is clearly safe.' }, 'none'],
  ] satisfies [ActionName, Record<string, unknown>, string][])('reads a %s call into a plan with the catalog target', (action, params, target) => {
    // Act
    const parsed = parseToolCall(answer([toolUse(action, { ...params, ...decisionFields() })]), OPTIONS);

    // Assess
    expect(parsed).toEqual({
      ok: true,
      decision: { action, params, target, source: 'bedrock', model: MODEL, ...decisionFields() },
    });
  });

  it('uses the first tool call, after any prose', () => {
    // Prepare
    const output = answer([
      { text: 'The CPU is high; I will scale out.' },
      toolUse('scaleOutAsg', { autoScalingGroupName: 'web', targetCapacity: 6, ...decisionFields() }),
      toolUse('escalateOnly', { reason: 'second thoughts', ...decisionFields() }, 'tu-2'),
    ]);

    // Act
    const parsed = parseToolCall(output, OPTIONS);

    // Assess
    expect(parsed.ok && parsed.decision.action).toBe('scaleOutAsg');
  });

  it.each([
    ['a name inherited from Object', toolUse('constructor', decisionFields()), 'the model called unknown tool "constructor"'],
    ['a very long unknown name, quoted short', toolUse('x'.repeat(500), decisionFields()), `the model called unknown tool "${'x'.repeat(80)}…"`],
    ['an input that is an array', toolUse('scaleOutAsg', ['web', 6]), 'the model called scaleOutAsg without an input object'],
    ['an input that is a string', toolUse('scaleOutAsg', '{"autoScalingGroupName":"web"}'), 'the model called scaleOutAsg without an input object'],
    [
      'evidence that is too long a list',
      toolUse('scaleOutAsg', { autoScalingGroupName: 'web', targetCapacity: 6, ...decisionFields({ evidence: Array(11).fill('fact') }) }),
      'invalid decision fields in the scaleOutAsg call: evidence: Too big: expected array to have <=10 items',
    ],
    [
      'a confidence above 1',
      toolUse('scaleOutAsg', { autoScalingGroupName: 'web', targetCapacity: 6, ...decisionFields({ confidence: 1.5 }) }),
      'invalid decision fields in the scaleOutAsg call: confidence: Too big: expected number to be <=1',
    ],
    [
      'bad params and bad decision fields at once',
      toolUse('scaleOutAsg', { autoScalingGroupName: '', targetCapacity: 0.5, rationale: '' }),
      'invalid params for scaleOutAsg: autoScalingGroupName: Too small: expected string to have >=1 characters; targetCapacity: expected int, received number; ' +
        'invalid decision fields in the scaleOutAsg call: rationale: Too small: expected string to have >=1 characters; ' +
        'confidence: expected number, received undefined; evidence: expected array, received undefined',
    ],
  ])('refuses %s', (_title, block, reason) => {
    // Act
    const parsed = parseToolCall(answer([block]), OPTIONS);

    // Assess
    expect(parsed).toEqual({ ok: false, reason });
  });

  it.each([
    ['guardrail_intervened', "the model's answer was blocked (stopReason guardrail_intervened)"],
    ['content_filtered', "the model's answer was blocked (stopReason content_filtered)"],
    ['end_turn', 'the model answered without calling a tool'],
  ])('explains an answer without a tool call that stopped with %s', (stopReason, reason) => {
    // Act
    const parsed = parseToolCall(answer([{ text: 'I cannot help with that.' }], stopReason), OPTIONS);

    // Assess
    expect(parsed).toEqual({ ok: false, reason });
  });

  it('blames the token limit for an incomplete tool call', () => {
    // Act
    const parsed = parseToolCall(answer([toolUse('scaleOutAsg', { autoScalingGroupName: 'web' })], 'max_tokens'), OPTIONS);

    // Assess
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(/^invalid params for scaleOutAsg: targetCapacity: .*\(the answer was cut off at the token limit\)$/);
  });

  it('refuses a plan whose target is longer than a decision allows', () => {
    // Prepare: three names at their catalog maximum make a target over 600 characters
    const name = `a${'b'.repeat(251)}c`;
    const params = { cluster: 'c'.repeat(255), namespace: name, deployment: name };

    // Act
    const parsed = parseToolCall(answer([toolUse('restartEksDeployment', { ...params, ...decisionFields() })]), OPTIONS);

    // Assess
    expect(parsed).toEqual({ ok: false, reason: 'the restartEksDeployment plan is not a valid decision: target: Too big: expected string to have <=600 characters' });
  });

  it('compares the confidence with the threshold it is given', () => {
    // Prepare
    const output = answer([toolUse('scaleOutAsg', { autoScalingGroupName: 'web', targetCapacity: 6, ...decisionFields({ confidence: 0.5 }) })]);

    // Act
    const strict = parseToolCall(output, { ...OPTIONS, minConfidence: 0.51 });
    const lenient = parseToolCall(output, { ...OPTIONS, minConfidence: 0.5 });

    // Assess
    expect(strict).toEqual({ ok: false, reason: 'confidence 0.5 is below the 0.51 threshold (the model proposed scaleOutAsg on autoscaling-group/web)' });
    expect(lenient.ok).toBe(true);
  });
});

describe('compactParamsError', () => {
  it('turns the catalog’s pretty errors into `path: message`', () => {
    // Prepare
    const parsed = parseActionParams('blockIpInWaf', { ipSetName: 'x', scope: 'GLOBAL', cidr: '1', durationMinutes: 1, extra: true });
    if (parsed.ok) throw new Error('expected invalid params');

    // Act
    const compact = compactParamsError(parsed.error);

    // Assess
    expect(compact).toBe(
      'Unrecognized key: "extra"; scope: Invalid option: expected one of "REGIONAL"|"CLOUDFRONT"; cidr: Too small: expected string to have >=3 characters; ' +
        'durationMinutes: Too small: expected number to be >=5',
    );
  });

  it('leaves text it does not recognise as it is', () => {
    // Act
    const compact = compactParamsError('something else went wrong');

    // Assess
    expect(compact).toBe('something else went wrong');
  });
});

describe('describeModelError', () => {
  const awsError = (name: string, message: string, httpStatusCode: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

  it.each([
    [awsError('ThrottlingException', 'slow down', 429), 'Bedrock throttled the request (ThrottlingException)'],
    [awsError('ServiceUnavailableException', 'down', 503), 'Bedrock is unavailable (ServiceUnavailableException)'],
    [awsError('InternalServerException', 'oops', 500), 'Bedrock failed internally (InternalServerException)'],
    [awsError('ModelNotReadyException', 'warming', 429), 'the model is not ready (ModelNotReadyException)'],
    [awsError('ModelErrorException', 'the model crashed', 424), 'the model failed while answering (ModelErrorException: the model crashed)'],
    [awsError('ServiceQuotaExceededException', 'tokens per minute', 400), 'a Bedrock quota is exhausted (ServiceQuotaExceededException: tokens per minute)'],
    [Object.assign(new SyntaxError('Unexpected token'), { $metadata: { httpStatusCode: 200 } }), 'Bedrock returned a malformed response (HTTP 200, body is not valid JSON)'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'could not reach Bedrock (ECONNRESET)'],
    [
      Object.assign(new Error('The pending stream has been canceled'), { code: 'ERR_HTTP2_STREAM_CANCEL', cause: Object.assign(new Error('connect'), { code: 'ENOTFOUND' }) }),
      'could not reach Bedrock (ENOTFOUND)',
    ],
    [new TypeError('x is not a function'), 'the model call failed (TypeError: x is not a function)'],
    ['a thrown string', 'the model call failed (Error: a thrown string)'],
  ])('describes %s', (error, reason) => {
    // Act
    const described = describeModelError(error);

    // Assess
    expect(described).toBe(reason);
  });
});
