import type { V1ConfigMap, V1PodTemplateSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { configMapsReadBy, LAST_APPLIED_ANNOTATION, previousValue, type PreviousValueInput } from '../../../../lambdas/shared/k8s-diagnostics/previous-value.js';
import { appContainer, configMap } from './fixtures.js';

const DB_URL = 'postgres://shop@orders-db.internal:5432/shop';

/** app-config as `kubectl apply` left it, then edited by hand to drop DATABASE_URL. */
function editedAfterApply(applied: unknown): V1ConfigMap {
  const live = configMap('app-config', { CACHE_TTL_SECONDS: '300' });
  return { ...live, metadata: { ...live.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: typeof applied === 'string' ? applied : JSON.stringify(applied) } } };
}

const lastApplied = (data: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'shop' }, data });

/** A pod template whose app container reads DATABASE_URL from `configMapName` (as a versioned, generated ConfigMap would be named). */
const templateReading = (configMapName: string, key = 'DATABASE_URL'): V1PodTemplateSpec => ({
  spec: { containers: [appContainer({ env: [{ name: 'DATABASE_URL', valueFrom: { configMapKeyRef: { name: configMapName, key } } }], envFrom: [] })] },
});

const input = (overrides: Partial<PreviousValueInput> = {}): PreviousValueInput => ({
  variable: 'DATABASE_URL',
  container: 'app',
  configMap: 'app-config',
  key: 'DATABASE_URL',
  namespace: 'shop',
  configMaps: [],
  maxChars: 4_096,
  ...overrides,
});

describe('previousValue', () => {
  it('reads the key from the ConfigMap as it was last applied, when it was removed by hand afterwards', () => {
    const found = previousValue(input({ configMaps: [editedAfterApply(lastApplied({ DATABASE_URL: DB_URL, CACHE_TTL_SECONDS: '300' }))] }));

    expect(found).toEqual({ value: DB_URL, detail: `key DATABASE_URL of ConfigMap shop/app-config as last applied (${LAST_APPLIED_ANNOTATION})` });
  });

  it('finds nothing when the last apply removed the key too: that removal was intended', () => {
    expect(previousValue(input({ configMaps: [editedAfterApply(lastApplied({ CACHE_TTL_SECONDS: '300' }))] }))).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"data": {"DATABASE_URL": '],
    ['data is not an object', { data: 'DATABASE_URL=x' }],
    ['the value is not a string', { data: { DATABASE_URL: 5432 } }],
    ['the value is blank', { data: { DATABASE_URL: '  ' } }],
    ['the value is over the patch limit', { data: { DATABASE_URL: 'x'.repeat(4_097) } }],
    ['the key is only inherited', JSON.parse('{"data": {"__proto__": {"DATABASE_URL": "x"}}}')],
  ])('treats a malformed annotation as no value (%s)', (_case, applied) => {
    expect(previousValue(input({ configMaps: [editedAfterApply(applied)] }))).toBeUndefined();
  });

  it('reads the versioned ConfigMap the previous revision read, when each rollout generated a new one', () => {
    const found = previousValue(
      input({
        configMap: 'app-config-7h2k9',
        configMaps: [configMap('app-config-7h2k9', { CACHE_TTL_SECONDS: '300' }), configMap('app-config-5f8m2', { DATABASE_URL: DB_URL })],
        previous: { revision: 4, template: templateReading('app-config-5f8m2') },
      }),
    );

    expect(found).toEqual({ value: DB_URL, detail: 'key DATABASE_URL of ConfigMap shop/app-config-5f8m2, which revision 4 read' });
  });

  it('follows a renamed key in the previous revision', () => {
    const found = previousValue(
      input({
        configMap: 'app-config-7h2k9',
        configMaps: [configMap('app-config-5f8m2', { DB_URL })],
        previous: { revision: 4, template: templateReading('app-config-5f8m2', 'DB_URL') },
      }),
    );

    expect(found?.value).toBe(DB_URL);
  });

  it('prefers the same ConfigMap as last applied over an older revision', () => {
    const found = previousValue(
      input({
        configMaps: [editedAfterApply(lastApplied({ DATABASE_URL: 'postgres://newer' })), configMap('app-config-old', { DATABASE_URL: 'postgres://older' })],
        previous: { revision: 4, template: templateReading('app-config-old') },
      }),
    );

    expect(found?.value).toBe('postgres://newer');
  });

  it('finds nothing when the previous revision read the same ConfigMap, or a ConfigMap that was not read, or has no previous revision', () => {
    expect(previousValue(input({ configMaps: [configMap('app-config', {})], previous: { revision: 4, template: templateReading('app-config') } }))).toBeUndefined();
    expect(previousValue(input({ previous: { revision: 4, template: templateReading('app-config-gone') } }))).toBeUndefined();
    expect(previousValue(input({ configMaps: [configMap('app-config', {})] }))).toBeUndefined();
    expect(previousValue(input({ previous: { revision: 4, template: undefined } }))).toBeUndefined();
  });

  it('only looks at the ConfigMaps of the namespace', () => {
    const elsewhere = { ...configMap('app-config-5f8m2', { DATABASE_URL: DB_URL }), metadata: { name: 'app-config-5f8m2', namespace: 'other' } };
    expect(previousValue(input({ configMaps: [elsewhere], previous: { revision: 4, template: templateReading('app-config-5f8m2') } }))).toBeUndefined();
  });
});

describe('configMapsReadBy', () => {
  it('lists every ConfigMap a template reads through envFrom, env, volumes and projected volumes, once each', () => {
    const template: V1PodTemplateSpec = {
      spec: {
        initContainers: [{ name: 'migrate', envFrom: [{ configMapRef: { name: 'migrations' } }] }],
        containers: [appContainer()],
        volumes: [
          { name: 'conf', configMap: { name: 'nginx-conf' } },
          { name: 'all', projected: { sources: [{ configMap: { name: 'ca-bundle' } }, { secret: { name: 'tls' } }] } },
          { name: 'tmp', emptyDir: {} },
        ],
      },
    };

    expect(configMapsReadBy(template).sort()).toEqual(['app-config', 'ca-bundle', 'feature-flags', 'migrations', 'nginx-conf']);
    expect(configMapsReadBy(undefined)).toEqual([]);
  });
});
