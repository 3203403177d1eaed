import { describe, expect, it } from 'vitest';
import {
  allowedTargetsOf,
  type AutoScalingGroupScope,
  findResourceByAlarm,
  findResourceById,
  findResourceByLogGroup,
  parseScope,
  resourceIdOf,
  type Scope,
} from '../../../lambdas/shared/scope.js';
import { scopeWith, testAsgResource, testEksResource, testScope, testWafResource } from '../../support/fixtures.js';

function withResources(...resources: Array<Partial<AutoScalingGroupScope>>): Scope {
  const [template] = testScope().resources;
  return { ...testScope(), resources: resources.map((resource) => ({ ...template!, ...resource })) };
}

function parseError(json: string, source?: string): Error {
  try {
    parseScope(json, source);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseScope to throw');
}

describe('parseScope', () => {
  it('returns the scope it was given', () => {
    // Prepare
    const scope = testScope({ maxCapacity: 12 }, 'dry-run');

    // Act
    const parsed = parseScope(JSON.stringify(scope));

    // Assess
    expect(parsed).toEqual(scope);
  });

  it('refuses text that is not JSON, naming the variable', () => {
    // Act
    const error = parseError('{ mode: auto');

    // Assess
    expect(error.message).toMatch(/^RESOURCE_SCOPE is not valid JSON: /);
  });

  it('names another source when given one', () => {
    // Act
    const error = parseError('', 'scenarios/cpu-saturation.json');

    // Assess
    expect(error.message).toMatch(/^scenarios\/cpu-saturation\.json is not valid JSON/);
  });

  it.each([
    ['an unknown mode', { ...testScope(), mode: 'yolo' }, /mode/],
    ['a missing resources list', { mode: 'auto' }, /resources/],
    ['a step of zero', testScope({ maxStep: 0 }), /maxStep/],
    ['a lease shorter than a minute', testScope({ leaseSeconds: 10 }), /leaseSeconds/],
    ['no alarms', testScope({ alarmNames: [] }), /alarmNames/],
    ['an unsupported resource kind', { mode: 'auto', resources: [{ ...testScope().resources[0], kind: 'ecs-service' }] }, /kind/],
    ['not an object', ['web'], /expected object/],
  ])('refuses a scope with %s, naming the field', (_title, raw, field) => {
    // Act
    const error = parseError(JSON.stringify(raw));

    // Assess
    expect(error.message).toMatch(/^RESOURCE_SCOPE is invalid: /);
    expect(error.message).toMatch(field);
  });

  it('refuses an alarm registered for two groups', () => {
    // Prepare
    const scope = withResources(
      { name: 'web', alarmNames: ['web-cpu-high', 'shared-cpu-high'] },
      { name: 'api', alarmNames: ['shared-cpu-high'] },
    );

    // Act
    const error = parseError(JSON.stringify(scope));

    // Assess
    expect(error.message).toMatch(/^RESOURCE_SCOPE is invalid: /);
    expect(error.message).toContain('alarm "shared-cpu-high" is registered for both "autoscaling-group/web" and "autoscaling-group/api"');
  });

  it('refuses an alarm registered for a group and a Deployment, naming both by id', () => {
    // Prepare
    const scope = scopeWith([testAsgResource({ alarmNames: ['shared-high'] }), testEksResource({ alarmNames: ['shared-high'] })], { allowedNamespaces: ['shop'] });

    // Act
    const error = parseError(JSON.stringify(scope));

    // Assess
    expect(error.message).toContain('alarm "shared-high" is registered for both "autoscaling-group/web" and "eks-deployment/prod/shop/checkout"');
  });

  it('accepts two Deployments of the same name in different namespaces, and tells them apart', () => {
    // Prepare
    const scope = scopeWith(
      [testEksResource({ alarmNames: ['a-5xx'] }), testEksResource({ namespace: 'shop-canary', alarmNames: ['b-5xx'] })],
      { allowedNamespaces: ['shop', 'shop-canary'] },
    );

    // Act
    const parsed = parseScope(JSON.stringify(scope));

    // Assess
    expect(parsed.resources.map(resourceIdOf)).toEqual(['eks-deployment/prod/shop/checkout', 'eks-deployment/prod/shop-canary/checkout']);
    expect(findResourceById(parsed, 'eks-deployment/prod/shop-canary/checkout')?.alarmNames).toEqual(['b-5xx']);
  });

  it('refuses a Deployment in a namespace outside guardrails.allowedNamespaces', () => {
    // Prepare
    const scope = scopeWith([testEksResource({ namespace: 'kube-system' })], { allowedNamespaces: ['shop'] });

    // Act
    const error = parseError(JSON.stringify(scope));

    // Assess
    expect(error.message).toMatch(/^RESOURCE_SCOPE is invalid: /);
    expect(error.message).toContain('eks-deployment/prod/kube-system/checkout: namespace "kube-system" is not in guardrails.allowedNamespaces');
  });

  it('refuses a Deployment when the allowlist is empty (the default allows none)', () => {
    // Act
    const error = parseError(JSON.stringify(scopeWith([testEksResource()])));

    // Assess
    expect(error.message).toContain('namespace "shop" is not in guardrails.allowedNamespaces');
  });

  it('refuses a log group read for two resources: a detection must name one', () => {
    // Prepare
    const scope = scopeWith([testAsgResource({ logGroupNames: ['/site/access'] }), testWafResource({ logGroupNames: ['/site/access'] })]);

    // Act
    const error = parseError(JSON.stringify(scope));

    // Assess
    expect(error.message).toContain('log group "/site/access" is read for both "autoscaling-group/web" and "waf-web-acl/site-acl"');
  });

  it('fills the defaults of every kind: no dependent alarms, blocks of an hour, no ConfigMap defaults', () => {
    // Prepare
    const raw = scopeWith(
      [testAsgResource(), testEksResource(), testWafResource()].map((resource) => {
        const { dependentAlarmNames: _d, ...rest } = resource as Record<string, unknown>;
        if (rest.kind === 'waf-web-acl') delete rest.blockMinutes;
        if (rest.kind === 'eks-deployment') delete rest.configMapDefaults;
        return rest as never;
      }),
      { allowedNamespaces: ['shop'] },
    );

    // Act
    const parsed = parseScope(JSON.stringify(raw));

    // Assess
    expect(parsed.resources.map((resource) => resource.dependentAlarmNames)).toEqual([[], [], []]);
    expect(parsed.resources[1]).toMatchObject({ kind: 'eks-deployment', configMapDefaults: {} });
    expect(parsed.resources[2]).toMatchObject({ kind: 'waf-web-acl', blockMinutes: 60 });
  });

  it.each([
    ['a WAF block shorter than 5 minutes', testWafResource({ blockMinutes: 1 }), /blockMinutes/],
    ['a WAF scope that is neither REGIONAL nor CLOUDFRONT', testWafResource({ scope: 'GLOBAL' as never }), /scope/],
    ['a Deployment name that is not a Kubernetes name', testEksResource({ name: 'Checkout_v2' }), /name/],
    ['more than 20 dependent alarms', testAsgResource({ dependentAlarmNames: Array.from({ length: 21 }, (_, i) => `dep-${i}`) }), /dependentAlarmNames/],
  ])('refuses %s, naming the field', (_title, resource, field) => {
    // Act
    const error = parseError(JSON.stringify(scopeWith([resource], { allowedNamespaces: ['shop'] })));

    // Assess
    expect(error.message).toMatch(/^RESOURCE_SCOPE is invalid: /);
    expect(error.message).toMatch(field);
  });

  it('accepts an alarm listed twice for the same group', () => {
    // Prepare
    const scope = withResources({ name: 'web', alarmNames: ['web-cpu-high', 'web-cpu-high'] });

    // Act
    const parsed = parseScope(JSON.stringify(scope));

    // Assess
    expect(parsed.resources[0]!.alarmNames).toEqual(['web-cpu-high', 'web-cpu-high']);
  });
});

describe('scope look-ups', () => {
  const scope = withResources({ name: 'web', alarmNames: ['web-cpu-high'] }, { name: 'api', alarmNames: ['api-cpu-high'] });

  it('identifies a resource by kind and name', () => {
    // Act & Assess
    expect(resourceIdOf({ kind: 'autoscaling-group', name: 'web' })).toBe('autoscaling-group/web');
  });

  it('finds the resource that owns an alarm', () => {
    // Act & Assess
    expect(findResourceByAlarm(scope, 'api-cpu-high')?.name).toBe('api');
    expect(findResourceByAlarm(scope, 'web-cpu-high')?.name).toBe('web');
    expect(findResourceByAlarm(scope, 'db-cpu-high')).toBeUndefined();
  });

  it('identifies a Deployment by cluster, namespace and name', () => {
    // Act & Assess
    expect(resourceIdOf({ kind: 'eks-deployment', cluster: 'prod', namespace: 'shop', name: 'checkout' })).toBe('eks-deployment/prod/shop/checkout');
    expect(resourceIdOf({ kind: 'waf-web-acl', name: 'site-acl' })).toBe('waf-web-acl/site-acl');
  });

  it('finds the resource that reads a log group', () => {
    // Prepare
    const mixed = scopeWith([testAsgResource(), testWafResource({ logGroupNames: ['/site/access', '/site/errors'] })]);

    // Act & Assess
    expect(findResourceByLogGroup(mixed, '/site/errors')?.kind).toBe('waf-web-acl');
    expect(findResourceByLogGroup(mixed, '/other')).toBeUndefined();
  });

  it("lists the targets an action may change: the resource, what its kind implies, and its declared dependencies", () => {
    // Act & Assess
    expect(allowedTargetsOf(testAsgResource({ dependencies: ['waf-ip-set/REGIONAL/web-blocklist'] }))).toEqual([
      'autoscaling-group/web',
      'waf-ip-set/REGIONAL/web-blocklist',
    ]);
    expect(allowedTargetsOf(testWafResource())).toEqual(['waf-web-acl/site-acl', 'waf-ip-set/REGIONAL/site-blocklist']);
    expect(allowedTargetsOf(testEksResource({ configMapDefaults: { 'checkout-config': {}, 'checkout-flags': {} } }))).toEqual([
      'eks-deployment/prod/shop/checkout',
      'eks-configmap/prod/shop/checkout-config',
      'eks-configmap/prod/shop/checkout-flags',
    ]);
    // A dependency that repeats an implied target is listed once.
    expect(allowedTargetsOf(testWafResource({ dependencies: ['waf-ip-set/REGIONAL/site-blocklist'] }))).toEqual(['waf-web-acl/site-acl', 'waf-ip-set/REGIONAL/site-blocklist']);
  });

  it('finds a resource by its id only', () => {
    // Act & Assess
    expect(findResourceById(scope, 'autoscaling-group/api')?.name).toBe('api');
    expect(findResourceById(scope, 'api')).toBeUndefined();
    expect(findResourceById(scope, 'autoscaling-group/db')).toBeUndefined();
  });
});
