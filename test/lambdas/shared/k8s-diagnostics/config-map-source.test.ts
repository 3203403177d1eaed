import { describe, expect, it } from 'vitest';
import { findConfigMapSource, traceVariable } from '../../../../lambdas/shared/k8s-diagnostics/config-map-source.js';
import { appContainer, deployment } from './fixtures.js';

describe('findConfigMapSource', () => {
  it('follows an env entry to its configMapKeyRef, with the exact key', () => {
    // Prepare
    const web = deployment({
      containers: [appContainer({ env: [{ name: 'DATABASE_URL', valueFrom: { configMapKeyRef: { name: 'db-config', key: 'database-url' } } }] })],
    });

    // Act
    const source = findConfigMapSource(web, 'DATABASE_URL');

    // Assess
    expect(source).toEqual({ configMap: 'db-config', key: 'database-url', via: 'valueFrom', container: 'app', namespace: 'shop' });
  });

  it('prefers the explicit env entry over envFrom, as the kubelet does', () => {
    // Act
    const source = findConfigMapSource(deployment(), 'DATABASE_URL');

    // Assess
    expect(source).toMatchObject({ configMap: 'app-config', key: 'DATABASE_URL', via: 'valueFrom' });
  });

  it('finds a variable loaded with envFrom under its own name', () => {
    // Act
    const source = findConfigMapSource(deployment(), 'CACHE_TTL_SECONDS');

    // Assess
    expect(source).toEqual({ configMap: 'app-config', key: 'CACHE_TTL_SECONDS', via: 'envFrom', container: 'app', namespace: 'shop' });
  });

  it('strips the envFrom prefix to get the key, preferring the prefixed source', () => {
    // Act
    const source = findConfigMapSource(deployment(), 'FEATURE_NEW_CHECKOUT');

    // Assess
    expect(source).toEqual({ configMap: 'feature-flags', key: 'NEW_CHECKOUT', via: 'envFrom', container: 'app', namespace: 'shop', prefix: 'FEATURE_' });
  });

  it('notes Secrets loaded by envFrom that could supply the same variable', () => {
    // Prepare
    const web = deployment({ containers: [appContainer({ env: [], envFrom: [{ configMapRef: { name: 'app-config' } }, { secretRef: { name: 'app-secrets' } }] })] });

    // Act
    const source = findConfigMapSource(web, 'DATABASE_URL');

    // Assess
    expect(source).toMatchObject({ configMap: 'app-config', via: 'envFrom', alsoFromSecrets: ['app-secrets'] });
  });

  it('searches only the named container when asked', () => {
    // Act
    const inProxy = traceVariable(deployment(), 'DATABASE_URL', { container: 'proxy' });

    // Assess
    expect(inProxy).toEqual({ found: false, reason: 'container proxy neither sets DATABASE_URL nor loads a ConfigMap that could supply it.' });
  });

  it.each([
    ['a Secret', 'DB_PASSWORD', 'DB_PASSWORD comes from key password of Secret db-credentials in container app, not from a ConfigMap.'],
    ['a pod field', 'POD_IP', 'POD_IP comes from a field of the pod in container app, not from a ConfigMap.'],
    ['a literal value', 'LOG_LEVEL', "LOG_LEVEL is set literally in container app's spec, not read from a ConfigMap."],
  ])('has no source for a variable from %s, and says why', (_label, variable, reason) => {
    // Act
    const source = findConfigMapSource(deployment(), variable);
    const trace = traceVariable(deployment(), variable);

    // Assess
    expect(source).toBeUndefined();
    expect(trace).toEqual({ found: false, reason });
  });

  it('has no source when envFrom loads only a Secret, or two ConfigMaps that could both supply it', () => {
    // Prepare
    const secretOnly = deployment({ containers: [appContainer({ env: [], envFrom: [{ secretRef: { name: 'app-secrets' } }] })] });
    const twoMaps = deployment({ containers: [appContainer({ env: [], envFrom: [{ configMapRef: { name: 'common' } }, { configMapRef: { name: 'app-config' } }] })] });

    // Act
    const traces = [traceVariable(secretOnly, 'DATABASE_URL'), traceVariable(twoMaps, 'DATABASE_URL')];

    // Assess
    expect(traces).toEqual([
      { found: false, reason: 'DATABASE_URL would come from Secret app-secrets loaded by envFrom in container app, not from a ConfigMap.' },
      { found: false, reason: 'DATABASE_URL could come from any of ConfigMaps common, app-config loaded by envFrom in container app; which one is meant is not knowable from the spec.' },
    ]);
  });

  it('has no source when nothing in the spec could supply the variable', () => {
    // Prepare
    const bare = deployment({ containers: [{ name: 'app', image: 'shop/web:2.4.0' }] });

    // Act
    const trace = traceVariable(bare, 'DATABASE_URL');

    // Assess
    expect(trace).toEqual({
      found: false,
      reason: 'Deployment shop/web does not reference DATABASE_URL and loads no ConfigMap that could supply it; supplying it needs a change to the pod spec.',
    });
  });
});
