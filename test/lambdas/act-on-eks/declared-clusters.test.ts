import { describe, expect, it } from 'vitest';
import { declaredClustersOf } from '../../../lambdas/shared/eks/declared-clusters.js';
import { scopeWith, testAsgResource, testEksResource, testWafResource } from '../../support/fixtures.js';

describe('declaredClustersOf', () => {
  it('declares the cluster and namespace of each registered Deployment', () => {
    // Act
    const clusters = declaredClustersOf(scopeWith([testEksResource()], { allowedNamespaces: ['shop'] }));

    // Assess
    expect(clusters).toEqual([{ name: 'prod', namespaces: ['shop'] }]);
  });

  it('groups namespaces by cluster, once each, sorted', () => {
    // Prepare
    const scope = scopeWith(
      [
        testEksResource({ namespace: 'shop', name: 'checkout', alarmNames: ['a'] }),
        testEksResource({ namespace: 'payments', name: 'ledger', alarmNames: ['b'] }),
        testEksResource({ namespace: 'shop', name: 'cart', alarmNames: ['c'] }),
        testEksResource({ cluster: 'staging', namespace: 'shop', name: 'checkout', alarmNames: ['d'] }),
      ],
      { allowedNamespaces: ['shop', 'payments'] },
    );

    // Act
    const clusters = declaredClustersOf(scope);

    // Assess
    expect(clusters).toEqual([
      { name: 'prod', namespaces: ['payments', 'shop'] },
      { name: 'staging', namespaces: ['shop'] },
    ]);
  });

  it('leaves out a namespace that is not on the guardrails allowlist, even for a registered Deployment', () => {
    // Prepare: a scope that skipped validation
    const scope = scopeWith(
      [testEksResource({ namespace: 'shop', alarmNames: ['a'] }), testEksResource({ namespace: 'kube-system', name: 'coredns', alarmNames: ['b'] })],
      { allowedNamespaces: ['shop'] },
    );

    // Act
    const clusters = declaredClustersOf(scope);

    // Assess
    expect(clusters).toEqual([{ name: 'prod', namespaces: ['shop'] }]);
  });

  it('declares no cluster whose every Deployment is outside the allowlist', () => {
    // Act
    const clusters = declaredClustersOf(scopeWith([testEksResource({ cluster: 'ops', namespace: 'kube-system' })], { allowedNamespaces: ['shop'] }));

    // Assess
    expect(clusters).toEqual([]);
  });

  it('declares nothing for allowlisted namespaces no Deployment is registered in, nor for other kinds', () => {
    // Act
    const clusters = declaredClustersOf(scopeWith([testAsgResource(), testWafResource()], { allowedNamespaces: ['shop', 'payments'] }));

    // Assess
    expect(clusters).toEqual([]);
  });
});
