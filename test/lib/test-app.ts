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

/**
 * Two groups: `web` with explicit limits, two alarms, its own autonomy, a dependency,
 * log groups, a related metric and an approval timeout; `api` on defaults. Plus
 * deployment-wide autonomy and guardrails, and an email subscriber. The decision
 * settings are left to their defaults (Bedrock with `DEFAULT_MODEL_ID`).
 */
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
      autonomy: { scaleOutAsg: 'approve' },
      dependencies: ['waf-ip-set/REGIONAL/web-blocklist'],
      logGroupNames: ['/ecs/web', '/ecs/web-proxy'],
      relatedMetrics: [
        { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/0123456789abcdef' }, stat: 'p99' },
      ],
      approvalTimeoutMinutes: 30,
    },
    { autoScalingGroupName: 'api', alarmNames: ['api-cpu-high'] },
  ],
  notificationEmail: 'oncall@example.com',
  autonomy: { blockIpInWaf: 'recommend' },
  guardrails: { protectedCidrs: ['203.0.113.0/24', '2001:db8::/32'], allowedNamespaces: ['web'] },
};

/**
 * One group on defaults, in dry-run, with the model off through the config's
 * `decision.modelId: null` and the longest Bedrock timeout the config allows:
 * what must disappear (Bedrock, log reads) and what must still be there.
 */
export const RUNBOOKS_ONLY_CONFIG: SelfHealingConfig = {
  mode: 'dry-run',
  autoScalingGroups: [{ autoScalingGroupName: 'web', alarmNames: ['web-cpu-high'] }],
  decision: { modelId: null, minConfidence: 0.75, timeoutSeconds: 40 },
};

/** Like `RUNBOOKS_ONLY_CONFIG`, with an in-region foundation model instead of an inference profile. */
export const FOUNDATION_MODEL_CONFIG: SelfHealingConfig = {
  ...RUNBOOKS_ONLY_CONFIG,
  decision: { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' },
};

export interface SynthesizedStack {
  readonly app: App;
  readonly stack: SelfHealingStack;
  readonly template: Template;
}

/** Builds and synthesizes `SelfHealingStack` from `config` (by default `TEST_CONFIG`); call it once per test file and config. */
export function synthesizeTestStack(config: SelfHealingConfig = TEST_CONFIG): SynthesizedStack {
  const app = testApp();
  const stack = new SelfHealingStack(app, 'SelfHealing', {
    config,
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
