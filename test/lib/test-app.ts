import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { SelfHealingStack } from '../../lib/self-healing-stack.js';
import type { SelfHealingConfig } from '../../lib/self-healing-config.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * An App with the feature flags from cdk.json (so tests see the template
 * `cdk synth` produces) and bundling switched off (so tests do not run esbuild).
 */
export function testApp(): App {
  const { context } = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const { selfHealing: _example, ...featureFlags } = context;
  return new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [] } });
}

/** A plain stack for constructing `SelfHealing` directly. */
export function testStack(): Stack {
  return new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** Two groups: `web` with explicit limits and two alarms, `api` on defaults; plus an email subscriber. */
export const TEST_CONFIG: SelfHealingConfig = {
  mode: 'auto',
  autoScalingGroups: [
    {
      autoScalingGroupName: 'web',
      alarmNames: ['web-cpu-high', 'web-latency-high'],
      maxStep: 3,
      maxCapacity: 12,
      maxAttempts: 4,
      cooldownMinutes: 20,
      leaseMinutes: 45,
      verifyAfterSeconds: 240,
    },
    { autoScalingGroupName: 'api', alarmNames: ['api-cpu-high'] },
  ],
  notificationEmail: 'oncall@example.com',
};

export interface SynthesizedStack {
  readonly app: App;
  readonly stack: SelfHealingStack;
  readonly template: Template;
}

/** Builds and synthesizes `SelfHealingStack` from `TEST_CONFIG`, once per test file. */
export function synthesizeTestStack(): SynthesizedStack {
  const app = testApp();
  const stack = new SelfHealingStack(app, 'SelfHealing', {
    config: TEST_CONFIG,
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every acknowledgement recorded with `Validations.of(...).acknowledge`, with where it was made. */
export function acknowledgementsIn(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}
