import { describe, expect, it } from 'vitest';
import { checkTarget } from '../../../../lambdas/shared/actions/check-target.js';
import { scopeWith, testEksIncident, testEksResource, testIncident, testScope, testWafIncident, testWafResource } from '../../../support/fixtures.js';

const eksScope = scopeWith([testEksResource()], { allowedNamespaces: ['shop'] });
const patch = { cluster: 'prod', namespace: 'shop', configMap: 'checkout-config', key: 'DB_POOL_SIZE', value: '20' };

describe('checkTarget', () => {
  it('allows a scale-out of the incident\'s own group', () => {
    expect(checkTarget(testScope(), testIncident(), 'scaleOutAsg', { autoScalingGroupName: 'web', targetCapacity: 6 }).name).toBe('web');
  });

  it('refuses a scale-out of another group', () => {
    expect(() => checkTarget(testScope(), testIncident(), 'scaleOutAsg', { autoScalingGroupName: 'payments', targetCapacity: 6 })).toThrow(
      /would change autoscaling-group\/payments, which is neither autoscaling-group\/web/,
    );
  });

  it('refuses an unregistered resource', () => {
    const incident = testIncident({ resource: { kind: 'autoscaling-group', name: 'ghost', id: 'autoscaling-group/ghost' } });
    expect(() => checkTarget(testScope(), incident, 'scaleOutAsg', { autoScalingGroupName: 'ghost', targetCapacity: 2 })).toThrow(/not registered/);
  });

  it('allows a block in the site\'s own IP set and refuses any other set', () => {
    const scope = scopeWith([testWafResource()]);
    const block = { ipSetName: 'site-blocklist', scope: 'REGIONAL', cidr: '203.0.113.7/32', durationMinutes: 60 };
    expect(checkTarget(scope, testWafIncident(), 'blockIpInWaf', block).kind).toBe('waf-web-acl');
    expect(() => checkTarget(scope, testWafIncident(), 'blockIpInWaf', { ...block, ipSetName: 'partner-allowlist' })).toThrow(
      /waf-ip-set\/REGIONAL\/partner-allowlist/,
    );
  });

  it('allows a patch of a declared ConfigMap with a restart of the incident\'s own Deployment', () => {
    expect(checkTarget(eksScope, testEksIncident(), 'patchEksConfigMap', { ...patch, restartDeployment: 'checkout' }).name).toBe('checkout');
  });

  it('refuses a restart of another Deployment after a patch', () => {
    expect(() => checkTarget(eksScope, testEksIncident(), 'patchEksConfigMap', { ...patch, restartDeployment: 'payments' })).toThrow(
      /may restart only the incident's Deployment checkout/,
    );
  });

  it('refuses a ConfigMap the scope does not declare, and another namespace', () => {
    expect(() => checkTarget(eksScope, testEksIncident(), 'patchEksConfigMap', { ...patch, configMap: 'payments-config' })).toThrow(/eks-configmap\/prod\/shop\/payments-config/);
    expect(() => checkTarget(eksScope, testEksIncident(), 'rollbackEksDeployment', { cluster: 'prod', namespace: 'kube-system', deployment: 'checkout' })).toThrow(
      /eks-deployment\/prod\/kube-system\/checkout/,
    );
  });

  it('refuses a rollback on another cluster even when the target is declared as a dependency', () => {
    const scope = scopeWith([testEksResource({ dependencies: ['eks-deployment/staging/shop/checkout'] })], { allowedNamespaces: ['shop'] });
    expect(() => checkTarget(scope, testEksIncident(), 'rollbackEksDeployment', { cluster: 'staging', namespace: 'shop', deployment: 'checkout' })).toThrow(
      /must stay in the incident's own cluster and namespace/,
    );
  });
});
