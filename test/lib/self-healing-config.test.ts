import { describe, expect, it } from 'vitest';
import { InvalidSelfHealingConfigError, parseSelfHealingConfig } from '../../lib/self-healing-config.js';
import { SelfHealingStack } from '../../lib/self-healing-stack.js';
import { EKS_AND_WAF_CONFIG, SITE_IP_SET, testApp } from './test-app.js';

const valid = {
  mode: 'dry-run',
  autoScalingGroups: [{ autoScalingGroupName: 'example-web-asg', alarmNames: ['example-web-asg-cpu-high'] }],
};

describe('parseSelfHealingConfig', () => {
  it('accepts the object from cdk.json and the JSON string from -c', () => {
    expect(parseSelfHealingConfig(valid)).toEqual(valid);
    expect(parseSelfHealingConfig(JSON.stringify(valid))).toEqual(valid);
  });

  it('explains a missing context', () => {
    expect(() => parseSelfHealingConfig(undefined)).toThrow(InvalidSelfHealingConfigError);
    expect(() => parseSelfHealingConfig(undefined)).toThrow(/Missing "selfHealing" context/);
  });

  it('rejects misspelt keys instead of falling back to defaults', () => {
    const misspelt = { ...valid, autoScalingGroups: [{ ...valid.autoScalingGroups[0], maxstep: 5 }] };
    expect(() => parseSelfHealingConfig(misspelt)).toThrow(/maxstep/);
  });

  it('rejects a bad mode, no groups, a group without alarms and a bad email', () => {
    expect(() => parseSelfHealingConfig({ ...valid, mode: 'yolo' })).toThrow(/mode/);
    expect(() => parseSelfHealingConfig({ ...valid, autoScalingGroups: [] })).toThrow(/autoScalingGroups/);
    expect(() =>
      parseSelfHealingConfig({ ...valid, autoScalingGroups: [{ autoScalingGroupName: 'web', alarmNames: [] }] }),
    ).toThrow(/alarmNames/);
    expect(() => parseSelfHealingConfig({ ...valid, notificationEmail: 'not-an-email' })).toThrow(/notificationEmail/);
    expect(() => parseSelfHealingConfig('{not json')).toThrow(/not valid JSON/);
  });

  it('accepts autonomy, guardrails, decision and the per-group fields, filling metric defaults', () => {
    const full = {
      ...valid,
      autonomy: { blockIpInWaf: 'recommend' },
      guardrails: { protectedCidrs: ['203.0.113.0/24'], allowedNamespaces: ['web'] },
      decision: { modelId: null, minConfidence: 0.7, timeoutSeconds: 30 },
      autoScalingGroups: [
        {
          ...valid.autoScalingGroups[0],
          autonomy: { scaleOutAsg: 'approve' },
          dependencies: ['waf-ip-set/REGIONAL/web-blocklist'],
          logGroupNames: ['/ecs/web'],
          relatedMetrics: [{ namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime' }],
          approvalTimeoutMinutes: 30,
        },
      ],
    };
    const parsed = parseSelfHealingConfig(full);
    expect(parsed.decision).toEqual({ modelId: null, minConfidence: 0.7, timeoutSeconds: 30 });
    expect(parsed.autoScalingGroups![0]!.relatedMetrics).toEqual([
      { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: {}, stat: 'Average' },
    ]);
  });

  it('rejects an unknown action or autonomy level, unknown guardrail keys and a model timeout Decide cannot outlast', () => {
    expect(() => parseSelfHealingConfig({ ...valid, autonomy: { scaleOutAsgg: 'auto' } })).toThrow(/scaleOutAsgg[\s\S]*autonomy|autonomy[\s\S]*scaleOutAsgg/);
    expect(() =>
      parseSelfHealingConfig({ ...valid, autoScalingGroups: [{ ...valid.autoScalingGroups[0], autonomy: { scaleOutAsg: 'always' } }] }),
    ).toThrow(/autoScalingGroups\[0\]\.autonomy\.scaleOutAsg/);
    expect(() => parseSelfHealingConfig({ ...valid, guardrails: { protectedCidr: ['10.0.0.0/8'] } })).toThrow(/protectedCidr/);
    // Decide times out after 50 s; the model must give up early enough for the runbooks to decide.
    expect(() => parseSelfHealingConfig({ ...valid, decision: { timeoutSeconds: 41 } })).toThrow(/decision\.timeoutSeconds/);
    expect(() => parseSelfHealingConfig({ ...valid, decision: { modelId: '' } })).toThrow(/decision\.modelId/);
  });

  it('turns flapGuard hours and minutes into the seconds every group carries, and rejects unknown keys in it', () => {
    const stack = new SelfHealingStack(testApp(), 'FlapGuard', {
      config: parseSelfHealingConfig({ ...valid, flapGuard: { attemptBudget: 4, budgetWindowHours: 1.5, circuitFailureThreshold: 2, maxCooldownMinutes: 45 } }),
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    expect(stack.selfHealing.resourceScope.resources[0]!.flapGuard).toEqual({
      attemptBudget: 4,
      budgetWindowSeconds: 5_400,
      circuitFailureThreshold: 2,
      maxCooldownSeconds: 2_700,
    });
    expect(() => parseSelfHealingConfig({ ...valid, flapGuard: { budget: 3 } })).toThrow(/flapGuard/);
  });

  it('accepts EKS Deployments and web ACLs without any group, and needs at least one target of some kind', () => {
    expect(parseSelfHealingConfig(EKS_AND_WAF_CONFIG)).toEqual(EKS_AND_WAF_CONFIG);
    expect(() => parseSelfHealingConfig({ mode: 'dry-run' })).toThrow(/register at least one target: autoScalingGroups, eksDeployments, webAcls or postgresDatabases/);
    expect(() => parseSelfHealingConfig({ mode: 'dry-run', autoScalingGroups: [], eksDeployments: [], webAcls: [] })).toThrow(/register at least one target/);
  });

  it('rejects misspelt or out-of-range EKS and WAF fields', () => {
    const [eks] = EKS_AND_WAF_CONFIG.eksDeployments!;
    const [waf] = EKS_AND_WAF_CONFIG.webAcls!;
    expect(() => parseSelfHealingConfig({ ...EKS_AND_WAF_CONFIG, eksDeployments: [{ ...eks, deploymnt: 'x' }] })).toThrow(/deploymnt/);
    expect(() => parseSelfHealingConfig({ ...EKS_AND_WAF_CONFIG, webAcls: [{ ...waf, scope: 'GLOBAL' }] })).toThrow(/webAcls\.0\.scope|webAcls\[0\]\.scope/);
    expect(() => parseSelfHealingConfig({ ...EKS_AND_WAF_CONFIG, webAcls: [{ ...waf, ipSet: { ...SITE_IP_SET, ipSetId: 'x' } }] })).toThrow(/ipSetId/);
    expect(() => parseSelfHealingConfig({ ...EKS_AND_WAF_CONFIG, webAcls: [{ ...waf, blockMinutes: 2 }] })).toThrow(/blockMinutes/);
    expect(() => parseSelfHealingConfig({ ...EKS_AND_WAF_CONFIG, wafBlockLimits: { maxTotal: 2_001 } })).toThrow(/wafBlockLimits\.maxTotal|maxTotal/);
  });

  it('builds the EKS and WAF targets of the config, with alarms imported by name in the stack’s account and region', () => {
    const stack = new SelfHealingStack(testApp(), 'Targets', { config: EKS_AND_WAF_CONFIG, env: { account: '123456789012', region: 'eu-west-1' } });
    expect(stack.selfHealing.resourceScope.resources.map((resource) => [resource.kind, resource.alarmNames, resource.dependentAlarmNames])).toEqual([
      ['eks-deployment', ['checkout-5xx-high'], ['payments-db-connections-high']],
      ['waf-web-acl', ['site-request-flood'], ['checkout-5xx-high']],
    ]);
    expect(stack.selfHealing.wafBlockExpiry).toBeDefined();
  });

  it('fails the synth when a config namespace is not allowlisted', () => {
    const config = parseSelfHealingConfig({ ...EKS_AND_WAF_CONFIG, guardrails: { allowedNamespaces: ['web'] } });
    expect(() => new SelfHealingStack(testApp(), 'Namespace', { config, env: { account: '123456789012', region: 'eu-west-1' } })).toThrow(
      /eksDeployments\[0\] \("prod\/payments\/checkout"\)\.namespace: "payments" is not in guardrails\.allowedNamespaces/,
    );
  });
});
