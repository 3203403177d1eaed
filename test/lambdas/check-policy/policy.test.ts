import { describe, expect, it } from 'vitest';
import { evaluatePolicy, resolveAutonomy } from '../../../lambdas/check-policy/policy.js';
import type { Scope } from '../../../lambdas/shared/scope.js';
import type { Decision } from '../../../lambdas/shared/workflow.js';
import { testContext, testIncident, testScope } from '../../support/fixtures.js';

function plan(overrides: Partial<Decision>): Decision {
  return {
    action: 'scaleOutAsg',
    params: { autoScalingGroupName: 'web', targetCapacity: 6 },
    target: 'autoscaling-group/web',
    rationale: 'CPU high',
    confidence: 0.9,
    evidence: [],
    source: 'bedrock',
    ...overrides,
  };
}

function scopeWith(changes: Partial<Scope> = {}, resource: Parameters<typeof testScope>[0] = {}): Scope {
  return { ...testScope(resource), ...changes };
}

const judge = (decision: Decision, scope = scopeWith()) => evaluatePolicy({ incident: testIncident(), context: testContext(), decision, scope });

describe('evaluatePolicy', () => {
  it('allows a bounded scale-out of the incident\'s own group, with the catalog\'s autonomy', () => {
    const verdict = judge(plan({}));
    expect(verdict).toMatchObject({ allowed: true, autonomy: 'auto', reasons: [] });
    expect(verdict.summary).toBe('allowed: scaleOutAsg on autoscaling-group/web, autonomy auto (auto from the catalog default)');
    expect(verdict.checks.map((check) => check.name)).toEqual([
      'known-action', 'valid-params', 'resource-in-scope', 'target-matches-params', 'target-allowed',
      'raises-capacity', 'within-max-step', 'within-ceiling', 'autonomy',
    ]);
  });

  it.each([
    ['a step beyond maxStep', { targetCapacity: 7 }, 'within-max-step'],
    ['a target above MaxSize', { targetCapacity: 11 }, 'within-ceiling'],
    ['a target that does not raise capacity', { targetCapacity: 4 }, 'raises-capacity'],
  ])('denies %s', (_title, params, failed) => {
    const verdict = judge(plan({ params: { autoScalingGroupName: 'web', ...params } }));
    expect(verdict.allowed).toBe(false);
    expect(verdict.autonomy).toBe('observe');
    expect(verdict.reasons.some((reason) => reason.startsWith(`${failed}:`))).toBe(true);
  });

  it('denies a target above the scope\'s maxCapacity even when MaxSize allows it', () => {
    const verdict = judge(plan({}), scopeWith({}, { maxCapacity: 5 }));
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons.join()).toContain('ceiling 5');
  });

  it('denies a plan for a resource the incident is not about (a hallucinated or foreign group)', () => {
    const verdict = judge(plan({ params: { autoScalingGroupName: 'payments', targetCapacity: 6 }, target: 'autoscaling-group/payments' }));
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons.join()).toContain('target-allowed: autoscaling-group/payments is neither autoscaling-group/web');
  });

  it('denies a plan whose claimed target differs from what its params change', () => {
    const verdict = judge(plan({ params: { autoScalingGroupName: 'payments', targetCapacity: 6 }, target: 'autoscaling-group/web' }));
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons.join()).toContain('target-matches-params');
  });

  it('denies an unknown action and invalid params with the reason, never throwing', () => {
    expect(judge(plan({ action: 'deleteCluster' as never })).reasons).toEqual(['known-action: deleteCluster is not in the action catalog']);
    const invalid = judge(plan({ params: { autoScalingGroupName: 'web', targetCapacity: 'lots' } }));
    expect(invalid.allowed).toBe(false);
    expect(invalid.reasons[0]).toMatch(/^valid-params: invalid params for scaleOutAsg: .*targetCapacity/);
    const extra = judge(plan({ params: { autoScalingGroupName: 'web', targetCapacity: 6, honorCooldown: false } }));
    expect(extra.allowed).toBe(false);
  });

  it('denies everything for a resource that is not in the deployed scope', () => {
    const verdict = evaluatePolicy({
      incident: testIncident({ resource: { kind: 'autoscaling-group', name: 'ghost', id: 'autoscaling-group/ghost' } }),
      context: testContext(),
      decision: plan({ params: { autoScalingGroupName: 'ghost', targetCapacity: 6 }, target: 'autoscaling-group/ghost' }),
      scope: scopeWith(),
    });
    expect(verdict.reasons).toEqual(['resource-in-scope: autoscaling-group/ghost is not registered in the deployed scope']);
  });

  describe('WAF blocks', () => {
    const block = (cidr: string) =>
      plan({ action: 'blockIpInWaf', params: { ipSetName: 'blocklist', scope: 'REGIONAL', cidr, durationMinutes: 60 }, target: 'waf-ip-set/REGIONAL/blocklist' });
    const withDependency = (protectedCidrs: string[] = ['203.0.113.0/24']) =>
      scopeWith({ guardrails: { protectedCidrs, allowedNamespaces: [] } }, { dependencies: ['waf-ip-set/REGIONAL/blocklist'] });

    it('allows one public address on a declared dependency, at most recommend until the action is implemented', () => {
      const verdict = judge(block('198.51.100.7/32'), withDependency());
      expect(verdict).toMatchObject({ allowed: true, autonomy: 'recommend' });
    });

    it.each([
      ['0.0.0.0/0', 'single-host'],
      ['198.51.100.0/24', 'single-host'],
      ['203.0.113.9/32', 'not-protected'],
      ['10.1.2.3/32', 'public-address'],
      ['::1/128', 'public-address'],
      ['2001:db8::/32', 'single-host'],
      ['not-an-ip/32', 'single-host'],
    ])('denies %s (%s)', (cidr, failed) => {
      const verdict = judge(block(cidr), withDependency());
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons.some((reason) => reason.startsWith(`${failed}:`))).toBe(true);
    });

    it('denies a block on an IP set that is not a declared dependency', () => {
      expect(judge(block('198.51.100.7/32'), scopeWith()).reasons.join()).toContain('target-allowed');
    });

    it('fails closed when a protected range does not parse', () => {
      const verdict = judge(block('198.51.100.7/32'), withDependency(['203.0.113.0/33']));
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons.join()).toContain('protected-ranges-valid');
    });
  });

  it('denies an EKS action outside the namespace allowlist', () => {
    const restart = plan({
      action: 'restartEksDeployment',
      params: { cluster: 'prod', namespace: 'kube-system', deployment: 'coredns' },
      target: 'eks-deployment/prod/kube-system/coredns',
    });
    const scope = scopeWith({ guardrails: { protectedCidrs: [], allowedNamespaces: ['shop'] } }, { dependencies: ['eks-deployment/prod/kube-system/coredns'] });
    const verdict = judge(restart, scope);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons).toEqual(['namespace-allowed: namespace kube-system is not in the allowlist [shop]']);
  });

  it('always allows escalateOnly', () => {
    expect(judge(plan({ action: 'escalateOnly', params: { reason: 'unclear' }, target: 'none' }))).toMatchObject({ allowed: true, autonomy: 'auto' });
  });
});

describe('resolveAutonomy', () => {
  const resource = (autonomy = {}) => testScope({ autonomy }).resources[0]!;

  it('takes the resource over the deployment over the catalog', () => {
    expect(resolveAutonomy('scaleOutAsg', resource(), scopeWith()).autonomy).toBe('auto');
    expect(resolveAutonomy('scaleOutAsg', resource(), scopeWith({ autonomy: { scaleOutAsg: 'approve' } })).autonomy).toBe('approve');
    expect(resolveAutonomy('scaleOutAsg', resource({ scaleOutAsg: 'recommend' }), scopeWith({ autonomy: { scaleOutAsg: 'approve' } })).autonomy).toBe('recommend');
  });

  it('caps everything at observe in dry-run mode', () => {
    const verdict = resolveAutonomy('scaleOutAsg', resource({ scaleOutAsg: 'auto' }), scopeWith({ mode: 'dry-run' }));
    expect(verdict).toEqual({ autonomy: 'observe', because: 'auto from the resource, capped to observe by dry-run mode' });
  });

  it('never lets an unimplemented action run, whatever the configuration says', () => {
    expect(resolveAutonomy('rollbackEksDeployment', resource({ rollbackEksDeployment: 'auto' }), scopeWith()).autonomy).toBe('recommend');
  });
});
