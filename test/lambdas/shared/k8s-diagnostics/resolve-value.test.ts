import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_VALUE_CHARS, resolveValue } from '../../../../lambdas/shared/k8s-diagnostics/resolve-value.js';

const source = { configMap: 'app-config', key: 'DATABASE_URL', namespace: 'shop' };
const DEFAULT = 'postgres://shop@orders-db.internal:5432/shop';
const PREVIOUS = 'postgres://shop@orders-db-2.internal:5432/shop';
const STORED = 'postgres://shop@orders-db-3.internal:5432/shop';

describe('resolveValue', () => {
  it('takes an operator default first, then the previous revision, then Parameter Store', () => {
    // Prepare
    const all = { defaults: { 'app-config': { DATABASE_URL: DEFAULT } }, previousRevision: { DATABASE_URL: PREVIOUS }, parameterStore: { DATABASE_URL: STORED } };

    // Act
    const resolved = [
      resolveValue(source, all),
      resolveValue(source, { previousRevision: all.previousRevision, parameterStore: all.parameterStore }),
      resolveValue(source, { parameterStore: all.parameterStore }),
    ];

    // Assess
    expect(resolved).toEqual([
      { value: DEFAULT, from: 'defaults' },
      { value: PREVIOUS, from: 'previous-revision' },
      { value: STORED, from: 'parameter-store' },
    ]);
  });

  it('prefers a default scoped to the namespace over one for any ConfigMap of that name', () => {
    // Act
    const resolved = resolveValue(source, { defaults: { 'app-config': { DATABASE_URL: 'unscoped' }, 'shop/app-config': { DATABASE_URL: DEFAULT } } });

    // Assess
    expect(resolved).toEqual({ value: DEFAULT, from: 'defaults' });
  });

  it('never invents a value: none when no source has the key', () => {
    // Act
    const resolved = [
      resolveValue(source, {}),
      resolveValue(source, { defaults: { 'other-config': { DATABASE_URL: DEFAULT } }, previousRevision: { REDIS_URL: 'redis://cache:6379' }, parameterStore: {} }),
    ];

    // Assess
    expect(resolved).toEqual([undefined, undefined]);
  });

  it('skips blank and oversized candidates, and never reads inherited properties', () => {
    // Act
    const blank = resolveValue(source, { defaults: { 'app-config': { DATABASE_URL: '   ' } }, previousRevision: { DATABASE_URL: '' }, parameterStore: { DATABASE_URL: STORED } });
    const huge = resolveValue(source, { previousRevision: { DATABASE_URL: 'x'.repeat(MAX_CONFIG_VALUE_CHARS + 1) } });
    const inherited = resolveValue({ configMap: 'app-config', key: 'constructor' }, { previousRevision: {}, parameterStore: {} });

    // Assess
    expect([blank, huge, inherited]).toEqual([{ value: STORED, from: 'parameter-store' }, undefined, undefined]);
  });
});
