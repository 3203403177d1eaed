import type { PolicyViolation } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagPack, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { SelfHealingConfig } from '../../lib/self-healing-config.js';
import {
  acknowledgementsIn,
  EKS_AND_WAF_CONFIG,
  EKS_DIAGNOSIS_CONFIG,
  FOUNDATION_MODEL_CONFIG,
  GAME_DAY_CONFIG,
  OBSERVE_CONFIG,
  POSTGRES_CONFIG,
  RUNBOOKS_ONLY_CONFIG,
  synthesizeTestStack,
  TEST_CONFIG,
  type SynthesizedStack,
} from './test-app.js';

function describeViolations(violations: PolicyViolation[]): string {
  return violations
    .map((violation) => `${violation.ruleName}: ${violation.description}\n${violation.violatingResources.map((r) => `    at ${r.constructPath}`).join('\n')}`)
    .join('\n');
}

/**
 * Acknowledgements depend on the config (the Bedrock region wildcard only for an
 * inference profile, log-group ARNs only when groups declare log groups, the
 * schedule-group wildcard only with a web ACL), so the checks run for each shape:
 * every group feature on, the model and log reads off, an in-region foundation
 * model, the EKS and WAF targets, and the observe side (anomaly alarms, the log
 * intake with its options; TEST_CONFIG and EKS_AND_WAF_CONFIG have the log intake on defaults).
 */
describe.each<[string, SelfHealingConfig]>([
  ['TEST_CONFIG (inference profile, log groups, autonomy, guardrails)', TEST_CONFIG],
  ['GAME_DAY_CONFIG (FIS experiment templates, a Slack channel)', GAME_DAY_CONFIG],
  ['RUNBOOKS_ONLY_CONFIG (model off, no log groups)', RUNBOOKS_ONLY_CONFIG],
  ['FOUNDATION_MODEL_CONFIG (in-region foundation model)', FOUNDATION_MODEL_CONFIG],
  ['EKS_AND_WAF_CONFIG (one EKS Deployment, one web ACL, no group)', EKS_AND_WAF_CONFIG],
  ['EKS_DIAGNOSIS_CONFIG (Container Insights alarms, Parameter Store values)', EKS_DIAGNOSIS_CONFIG],
  ['OBSERVE_CONFIG (anomaly alarm, log intake with every option)', OBSERVE_CONFIG],
  ['POSTGRES_CONFIG (an RDS instance and an Aurora cluster, functions in a VPC with endpoints)', POSTGRES_CONFIG],
])('cdk-nag with %s', (_name, config) => {
  let synthesized: SynthesizedStack;

  beforeAll(() => {
    synthesized = synthesizeTestStack(config);
  });

  it.each([
    ['AwsSolutions', () => new AwsSolutionsChecks(synthesized.app)],
    ['Serverless', () => new ServerlessChecks(synthesized.app)],
  ])('%s reports no unacknowledged finding', (_pack, createPack) => {
    const report = createPack().validateScope(synthesized.app);
    expect(report.violations, describeViolations(report.violations)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('every acknowledgement names its rule and finding, sits on a resource-level construct and says why', () => {
    const acknowledgements = acknowledgementsIn(synthesized.app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    const stackPath = synthesized.stack.node.path;
    for (const { path, id, reason } of acknowledgements) {
      expect(id, path).toMatch(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[.+\])?$/);
      expect(path, `${id} is acknowledged stack-wide`).not.toBe(stackPath);
      expect(path.startsWith(`${stackPath}/`), `${id} is acknowledged outside the stack`).toBe(true);
      expect(reason.trim().length, `reason for ${id} at ${path}`).toBeGreaterThanOrEqual(20);
    }
  });

  it('IAM5 findings are acknowledged one by one, never for a wildcard action', () => {
    const iam5 = acknowledgementsIn(synthesized.app).filter(({ id }) => id.startsWith('AwsSolutions-IAM5'));
    for (const { id } of iam5) {
      expect(id).toMatch(/^AwsSolutions-IAM5\[Resource::.+\]$/);
    }
  });

  it('every acknowledgement still silences a finding', () => {
    // With acknowledgements ignored (a private cdk-nag method, hence the guard),
    // every acknowledgement must match a finding at or below where it was made.
    expect(typeof (NagPack.prototype as any).isAcknowledged, 'cdk-nag internals changed; update this test').toBe('function');
    const spy = vi.spyOn(NagPack.prototype as any, 'isAcknowledged').mockReturnValue(false);
    let findings: { ruleName: string; path: string }[];
    try {
      findings = [new AwsSolutionsChecks(synthesized.app), new ServerlessChecks(synthesized.app)].flatMap((pack) =>
        pack.validateScope(synthesized.app).violations.flatMap((violation) =>
          violation.violatingResources.map((resource) => ({ ruleName: violation.ruleName, path: resource.constructPath ?? '' })),
        ),
      );
    } finally {
      spy.mockRestore();
    }
    const stale = acknowledgementsIn(synthesized.app).filter(
      ({ id, path }) => !findings.some((finding) => finding.ruleName === id && (finding.path === path || finding.path.startsWith(`${path}/`))),
    );
    expect(stale).toEqual([]);
  });

  it('acknowledges the schedule-group wildcard exactly when a web ACL is registered, on the two WAF functions only', () => {
    const scheduler = acknowledgementsIn(synthesized.app).filter(({ id }) => id.includes(':scheduler:'));
    const expiry = synthesized.stack.selfHealing.wafBlockExpiry;
    if (config.webAcls === undefined || config.webAcls.length === 0) {
      expect(expiry).toBeUndefined();
      expect(scheduler).toEqual([]);
      return;
    }
    const id = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${expiry!.scheduleGroupName}/*]`;
    expect(scheduler.map((ack) => [ack.id, ack.path]).sort()).toEqual(
      [
        [id, synthesized.stack.selfHealing.workflowFunctions.BlockIpInWaf.role.node.findChild('DefaultPolicy').node.path],
        [id, expiry!.function.role.node.findChild('DefaultPolicy').node.path],
      ].sort(),
    );
  });

  it('acknowledges the Bedrock region wildcard exactly when the model is an inference profile', () => {
    const bedrock = acknowledgementsIn(synthesized.app).filter(({ id }) => id.includes(':bedrock:'));
    const modelId = config.decision?.modelId === undefined ? 'global.anthropic.claude-sonnet-4-6' : config.decision.modelId;
    if (modelId !== null && /^(global|us|eu|apac|jp|au|ca|us-gov)\./.test(modelId)) {
      expect(bedrock.map(({ id }) => id)).toEqual([
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${modelId.slice(modelId.indexOf('.') + 1)}]`,
      ]);
      expect(bedrock[0]!.path).toBe(`${synthesized.stack.node.path}/SelfHealing/DecideRole/DefaultPolicy`);
    } else {
      expect(bedrock).toEqual([]);
    }
  });
});
