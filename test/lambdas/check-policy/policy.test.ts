import { describe, expect, it } from 'vitest';
import { evaluatePolicy, resolveAutonomy } from '../../../lambdas/check-policy/policy.js';
import { ACTIONS } from '../../../lambdas/shared/actions/catalog.js';
import type { Scope } from '../../../lambdas/shared/scope.js';
import type { Decision, IncidentContext } from '../../../lambdas/shared/workflow.js';
import {
  testContext,
  testEksIncident,
  testEksResource,
  testIncident,
  testScope,
  testWafIncident,
  testWafResource,
  scopeWith as scopeOf,
} from '../../support/fixtures.js';

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
    const site = (protectedCidrs: string[] = ['203.0.113.0/24'], overrides: Parameters<typeof testWafResource>[0] = {}) =>
      scopeOf([testWafResource(overrides)], { protectedCidrs });
    const wafContext = (): IncidentContext => testContext({ resource: { id: 'waf-web-acl/site-acl', dependencies: [] }, autoScalingGroup: undefined, alarm: undefined });
    const block = (cidr: string, overrides: Record<string, unknown> = {}) => {
      const params = { ipSetName: 'site-blocklist', scope: 'REGIONAL', cidr, durationMinutes: 60, ...overrides };
      return plan({ action: 'blockIpInWaf', params, target: `waf-ip-set/${String(params.scope)}/${String(params.ipSetName)}` });
    };
    const judgeBlock = (decision: Decision, scope = site()) => evaluatePolicy({ incident: testWafIncident(), context: wafContext(), decision, scope });

    it("allows one public address on the site's own IP set, with approval (the catalog's default)", () => {
      const verdict = judgeBlock(block('198.51.100.7/32'));
      expect(verdict).toMatchObject({ allowed: true, autonomy: 'approve', reasons: [] });
      expect(verdict.checks.find((check) => check.name === 'target-allowed')?.detail).toBe('waf-ip-set/REGIONAL/site-blocklist is a declared dependency of waf-web-acl/site-acl');
      expect(verdict.checks.find((check) => check.name === 'block-duration')).toEqual({ name: 'block-duration', passed: true, detail: '60 min, at most 60 min' });
    });

    it('lets the resource raise a block to auto', () => {
      const verdict = judgeBlock(block('198.51.100.7/32'), site(undefined, { autonomy: { blockIpInWaf: 'auto' } }));
      expect(verdict).toMatchObject({ allowed: true, autonomy: 'auto' });
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
      const verdict = judgeBlock(block(cidr));
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons.some((reason) => reason.startsWith(`${failed}:`))).toBe(true);
    });

    it('denies a block on another IP set than the site\'s own', () => {
      const verdict = judgeBlock(block('198.51.100.7/32', { ipSetName: 'partner-blocklist' }));
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual([
        'target-allowed: waf-ip-set/REGIONAL/partner-blocklist is neither waf-web-acl/site-acl nor one of its declared dependencies [waf-ip-set/REGIONAL/site-blocklist]',
      ]);
    });

    it('denies a block on the same set name in the other WAF scope', () => {
      const verdict = judgeBlock(block('198.51.100.7/32', { scope: 'CLOUDFRONT' }));
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons.join()).toContain('target-allowed: waf-ip-set/CLOUDFRONT/site-blocklist');
    });

    it("denies a block longer than the site's blockMinutes, and allows one of exactly that", () => {
      const long = judgeBlock(block('198.51.100.7/32', { durationMinutes: 90 }));
      expect(long.allowed).toBe(false);
      expect(long.reasons).toEqual(['block-duration: 90 min, at most 60 min']);
      expect(judgeBlock(block('198.51.100.7/32', { durationMinutes: 30 }), site(undefined, { blockMinutes: 30 })).allowed).toBe(true);
      expect(judgeBlock(block('198.51.100.7/32', { durationMinutes: 31 }), site(undefined, { blockMinutes: 30 })).allowed).toBe(false);
    });

    it('denies a block for a resource that is not a site, even on an IP set it declares as a dependency', () => {
      const scope = scopeWith({ guardrails: { protectedCidrs: [], allowedNamespaces: [] } }, { dependencies: ['waf-ip-set/REGIONAL/site-blocklist'] });
      const verdict = judge(block('198.51.100.7/32'), scope);
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual(['block-duration: autoscaling-group resources cannot block addresses']);
    });

    it('fails closed when a protected range does not parse', () => {
      const verdict = judgeBlock(block('198.51.100.7/32'), site(['203.0.113.0/33']));
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons.join()).toContain('protected-ranges-valid');
    });

    it('denies a scale-out for a site: scaling needs an Auto Scaling group', () => {
      const verdict = judgeBlock(plan({ params: { autoScalingGroupName: 'site-acl', targetCapacity: 6 }, target: 'autoscaling-group/site-acl' }), site());
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toContain('resource-kind: scaleOutAsg needs an Auto Scaling group; waf-web-acl/site-acl is a waf-web-acl');
    });
  });

  describe('EKS actions', () => {
    const eksScope = (overrides: Parameters<typeof testEksResource>[0] = {}, allowedNamespaces = ['shop']) => scopeOf([testEksResource(overrides)], { allowedNamespaces });
    const eksContext = (): IncidentContext =>
      testContext({ resource: { id: 'eks-deployment/prod/shop/checkout', dependencies: [] }, autoScalingGroup: undefined, alarm: undefined });
    const judgeEks = (decision: Decision, scope = eksScope()) => evaluatePolicy({ incident: testEksIncident(), context: eksContext(), decision, scope });
    const onDeployment = (action: 'rollbackEksDeployment' | 'restartEksDeployment', namespace = 'shop', deployment = 'checkout') =>
      plan({ action, params: { cluster: 'prod', namespace, deployment }, target: `eks-deployment/prod/${namespace}/${deployment}` });
    const patch = (overrides: Record<string, unknown> = {}) => {
      const params = { cluster: 'prod', namespace: 'shop', configMap: 'checkout-config', key: 'DB_POOL_SIZE', value: '20', ...overrides };
      return plan({ action: 'patchEksConfigMap', params, target: `eks-configmap/prod/${String(params.namespace)}/${String(params.configMap)}` });
    };
    const failed = (decision: Decision, scope = eksScope()) => judgeEks(decision, scope).reasons.map((reason) => reason.split(':')[0]);

    it.each(['rollbackEksDeployment', 'restartEksDeployment'] as const)('allows %s of the incident\'s own Deployment, with approval', (action) => {
      const verdict = judgeEks(onDeployment(action));
      expect(verdict).toMatchObject({ allowed: true, autonomy: 'approve' });
      expect(verdict.checks.map((check) => check.name)).toEqual([
        'known-action', 'valid-params', 'resource-in-scope', 'target-matches-params', 'target-allowed', 'namespace-allowed', 'same-workload', 'autonomy',
      ]);
    });

    it('allows a ConfigMap patch with the value the scope declares, and a restart of its own Deployment', () => {
      const verdict = judgeEks(patch({ restartDeployment: 'checkout' }));
      expect(verdict).toMatchObject({ allowed: true, autonomy: 'approve' });
      expect(verdict.checks.filter((check) => ['value-trusted', 'restart-own-deployment'].includes(check.name))).toEqual([
        { name: 'value-trusted', passed: true, detail: 'the value for checkout-config.DB_POOL_SIZE is the one declared in the scope' },
        { name: 'restart-own-deployment', passed: true, detail: 'restarts checkout after the patch' },
      ]);
    });

    it('denies a ConfigMap patch with an invented value', () => {
      const verdict = judgeEks(patch({ value: '200' }));
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual(['value-trusted: no declared or previously read value for checkout-config.DB_POOL_SIZE matches the plan\'s; values are never invented']);
    });

    describe('a value read from a trusted source', () => {
      const withTrusted = (trustedValues: NonNullable<IncidentContext['kubernetes']>['trustedValues']): IncidentContext => ({
        ...eksContext(),
        kubernetes: {
          cluster: 'prod', namespace: 'shop', deployment: 'checkout', images: [], previousImages: [], replicas: 2, readyReplicas: 0, findings: [], trustedValues,
        },
      });
      const previous = { configMap: 'checkout-config', key: 'FEATURE_FLAGS', value: 'search,cart', from: 'previous-revision' as const, detail: 'key FEATURE_FLAGS of ConfigMap shop/checkout-config as last applied' };
      const judgeWith = (decision: Decision, context: IncidentContext) => evaluatePolicy({ incident: testEksIncident(), context, decision, scope: eksScope() });

      it("allows the value BuildContext read from the ConfigMap's previous revision, and says where it came from", () => {
        const verdict = judgeWith(patch({ key: 'FEATURE_FLAGS', value: 'search,cart' }), withTrusted([previous]));
        expect(verdict.allowed).toBe(true);
        expect(verdict.checks.find((check) => check.name === 'value-trusted')).toEqual({
          name: 'value-trusted',
          passed: true,
          detail: 'the value for checkout-config.FEATURE_FLAGS is the one read from key FEATURE_FLAGS of ConfigMap shop/checkout-config as last applied',
        });
      });

      it('denies a different value for the same key, and the same value for another key or ConfigMap', () => {
        const context = withTrusted([previous]);
        expect(judgeWith(patch({ key: 'FEATURE_FLAGS', value: 'search' }), context).allowed).toBe(false);
        expect(judgeWith(patch({ key: 'OTHER', value: 'search,cart' }), context).allowed).toBe(false);
        expect(judgeWith(patch({ configMap: 'payments-config', key: 'FEATURE_FLAGS', value: 'search,cart' }), context).reasons.map((reason) => reason.split(':')[0])).toEqual([
          'target-allowed',
          'value-trusted',
        ]);
      });

      it('allows a String value from Parameter Store', () => {
        const stored = { ...previous, value: 'from-ssm', from: 'parameter-store' as const, detail: 'Parameter Store /shop/checkout-config/FEATURE_FLAGS' };
        expect(judgeWith(patch({ key: 'FEATURE_FLAGS', value: 'from-ssm' }), withTrusted([stored])).allowed).toBe(true);
      });
    });

    it('denies a ConfigMap patch of a key the scope declares no value for', () => {
      expect(failed(patch({ key: 'FEATURE_FLAGS', value: 'all' }))).toEqual(['value-trusted']);
    });

    it('denies a ConfigMap the scope does not declare', () => {
      expect(failed(patch({ configMap: 'payments-config' }))).toEqual(['target-allowed', 'value-trusted']);
    });

    it('denies a patch that restarts another Deployment', () => {
      const verdict = judgeEks(patch({ restartDeployment: 'payments' }));
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual(["restart-own-deployment: may restart only the incident's Deployment checkout, not payments"]);
    });

    it('denies a restart of another Deployment, even in the same namespace', () => {
      expect(failed(onDeployment('restartEksDeployment', 'shop', 'payments'))).toEqual(['target-allowed']);
    });

    it('denies an action in another namespace, even an allowlisted one declared as a dependency', () => {
      const scope = eksScope({ dependencies: ['eks-deployment/prod/shop-canary/checkout'] }, ['shop', 'shop-canary']);
      const verdict = judgeEks(onDeployment('rollbackEksDeployment', 'shop-canary'), scope);
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual(["same-workload: rollbackEksDeployment must act in the incident's own cluster and namespace (eks-deployment/prod/shop/checkout)"]);
    });

    it('denies an action on another cluster', () => {
      const verdict = judgeEks(plan({ action: 'restartEksDeployment', params: { cluster: 'staging', namespace: 'shop', deployment: 'checkout' }, target: 'eks-deployment/staging/shop/checkout' }));
      expect(verdict.reasons.map((reason) => reason.split(':')[0])).toEqual(['target-allowed', 'same-workload']);
    });

    it('denies an EKS action outside the namespace allowlist', () => {
      const restart = onDeployment('restartEksDeployment', 'kube-system', 'coredns');
      const scope = eksScope({ dependencies: ['eks-deployment/prod/kube-system/coredns'] });
      const verdict = judgeEks(restart, scope);
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual([
        'namespace-allowed: namespace kube-system is not in the allowlist [shop]',
        "same-workload: restartEksDeployment must act in the incident's own cluster and namespace (eks-deployment/prod/shop/checkout)",
      ]);
    });

    it("denies even the incident's own Deployment when its namespace is not allowlisted (a scope that skipped validation)", () => {
      const verdict = judgeEks(onDeployment('restartEksDeployment'), eksScope({}, ['payments']));
      expect(verdict.reasons).toEqual(['namespace-allowed: namespace shop is not in the allowlist [payments]']);
    });

    it('denies an EKS action for an Auto Scaling group incident', () => {
      const scope = scopeWith({ guardrails: { protectedCidrs: [], allowedNamespaces: ['shop'] } }, { dependencies: ['eks-deployment/prod/shop/checkout'] });
      const verdict = judge(onDeployment('restartEksDeployment'), scope);
      expect(verdict.reasons).toEqual(["same-workload: restartEksDeployment must act in the incident's own cluster and namespace (autoscaling-group/web)"]);
    });

    it('denies a scale-out for a Deployment', () => {
      expect(failed(plan({}))).toEqual(['target-allowed', 'resource-kind']);
    });
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
    // Every catalog action is implemented today; mark one as not, for this test only.
    const definition = ACTIONS.rollbackEksDeployment as { implemented: boolean };
    definition.implemented = false;
    try {
      expect(resolveAutonomy('rollbackEksDeployment', resource({ rollbackEksDeployment: 'auto' }), scopeWith())).toEqual({
        autonomy: 'recommend',
        because: 'auto from the resource, capped to recommend by rollbackEksDeployment cannot be carried out automatically yet',
      });
    } finally {
      definition.implemented = true;
    }
    expect(resolveAutonomy('rollbackEksDeployment', resource({ rollbackEksDeployment: 'auto' }), scopeWith()).autonomy).toBe('auto');
  });
});
