import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { handlerEntry } from '../../lib/workflow-functions.js';
import type { RemediationFunctionProps } from '../../lib/remediation-function.js';
import { loadRunbookDirectory } from '../../lib/runbook-files.js';
import { SelfHealing } from '../../lib/self-healing.js';
import { testStack } from './test-app.js';

/**
 * Bundling is off in tests, so the esbuild `define` never reaches a bundle;
 * record the props every RemediationFunction is built with instead.
 */
const received = vi.hoisted(() => new Map<string, RemediationFunctionProps>());

vi.mock('../../lib/remediation-function.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../lib/remediation-function.js')>();
  class RecordingRemediationFunction extends original.RemediationFunction {
    constructor(...args: ConstructorParameters<typeof original.RemediationFunction>) {
      super(...args);
      received.set(args[1], args[2]);
    }
  }
  return { ...original, RemediationFunction: RecordingRemediationFunction };
});

beforeAll(() => {
  const stack = testStack();
  new SelfHealing(stack, 'SelfHealing', {
    autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high')] }],
  });
});

describe('runbook embedding', () => {
  it('builds the Decide function with the shipped runbooks defined as process.env.RUNBOOKS_JSON', () => {
    const define = received.get('Decide')?.define;
    expect(define).toBeDefined();
    expect(Object.keys(define!)).toEqual(['process.env.RUNBOOKS_JSON']);
    expect(JSON.parse(JSON.parse(define!['process.env.RUNBOOKS_JSON']!))).toEqual(loadRunbookDirectory());
  });

  it('defines nothing for any other function', () => {
    // The 14 workflow functions, the intake function and the approval callback (no web ACL: no ExpireIpBlock).
    expect(received.size).toBe(16);
    for (const [id, props] of received) {
      if (id !== 'Decide') expect(props.define, id).toBeUndefined();
    }
  });

  // esbuild replaces only the literal member expression `process.env.RUNBOOKS_JSON`. The Decide
  // handler reads it through `requireEnv('RUNBOOKS_JSON')` (a dynamic `process.env[name]`), which
  // the define never reaches, so the deployed function fails at cold start. See the report.
  it('reads the runbooks in the Decide handler as the literal process.env.RUNBOOKS_JSON the define replaces', async () => {
    const define = received.get('Decide')!.define!;
    const result = await build({
      entryPoints: [handlerEntry('decide')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      define,
      logLevel: 'silent',
    });
    const bundle = result.outputFiles[0]!.text;
    // The runbooks are in the bundle, and nothing is left to read them from the environment.
    expect(bundle).toContain('asg-cpu-high-scale-out');
    expect(bundle).not.toContain('process.env.RUNBOOKS_JSON');
  });
});
