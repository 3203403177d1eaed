import { describe, expect, it } from 'vitest';
import { checkTarget } from '../../../../lambdas/shared/actions/check-target.js';
import { ScopeSchema } from '../../../../lambdas/shared/scope.js';
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

  describe('a database resource, whose scope allows any table of its schemas', () => {
    const scope = ScopeSchema.parse({
      mode: 'auto',
      resources: [
        {
          kind: 'rds-postgres',
          name: 'orders-db',
          database: 'shop',
          schemas: ['sales'],
          readerSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:reader-AbCdEf',
          actorSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:actor-AbCdEf',
          alarmNames: ['orders-db-load'],
          maxAttempts: 1,
          leaseSeconds: 1_800,
          cooldownSeconds: 900,
          verifyAfterSeconds: 300,
        },
      ],
    });
    const incident = testIncident({ resource: { kind: 'rds-postgres', name: 'orders-db', id: 'rds-postgres/orders-db' } });
    const index = { database: 'orders-db', schema: 'sales', table: 'orders', columns: ['customer_id'] };

    it('allows an index on a table of an allowed schema', () => {
      expect(checkTarget(scope, incident, 'createIndexConcurrently', index).name).toBe('orders-db');
    });

    it('refuses another schema, another database, and a name that would reach deeper than one table', () => {
      expect(() => checkTarget(scope, incident, 'createIndexConcurrently', { ...index, schema: 'public' })).toThrow(/postgres-table\/orders-db\/public\/orders/);
      expect(() => checkTarget(scope, incident, 'createIndexConcurrently', { ...index, database: 'billing-db' })).toThrow(/postgres-table\/billing-db/);
      expect(() => checkTarget(scope, incident, 'createIndexConcurrently', { ...index, table: 'orders/x' })).toThrow(/would change/);
    });
  });
});
