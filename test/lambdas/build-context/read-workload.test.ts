import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import type { V1Container } from '@kubernetes/client-node';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readWorkload } from '../../../lambdas/build-context/read-workload.js';
import { KubeConnector } from '../../../lambdas/shared/eks/kube-client.js';
import { LAST_APPLIED_ANNOTATION } from '../../../lambdas/shared/k8s-diagnostics/previous-value.js';
import type { LogExcerpt } from '../../../lambdas/shared/workflow.js';
import { type FakeKubeApi, startFakeKubeApi } from '../../../local/fake-kube-api.js';
import { testEksResource } from '../../support/fixtures.js';
import { appContainer, crashLoopPod, deployment, NEW_RS, OLD_RS, ONSET, replicaSet } from '../shared/k8s-diagnostics/fixtures.js';

const eks = mockClient(EKSClient);
const DB_URL = 'postgres://shop@orders-db.internal:5432/shop';

/** The app container reading DATABASE_URL from `configMap` (a generated, versioned name on every rollout). */
const reading = (configMap: string): V1Container[] => [
  appContainer({ env: [{ name: 'DATABASE_URL', valueFrom: { configMapKeyRef: { name: configMap, key: 'DATABASE_URL' } } }], envFrom: [] }),
];

const crashLogs: LogExcerpt[] = [
  {
    logGroupName: '/aws/containerinsights/prod/application',
    matchedLines: 1,
    moreAvailable: false,
    lines: [{ at: ONSET, message: 'FATAL: environment variable DATABASE_URL is not set' }],
  },
];

const scope = (overrides: Parameters<typeof testEksResource>[0] = {}) =>
  testEksResource({ cluster: 'prod', namespace: 'shop', name: 'web', configMapDefaults: { 'app-config-v5': {} }, ...overrides });

describe('readWorkload: a value for a missing key', () => {
  let fake: FakeKubeApi;
  const connector = () =>
    new KubeConnector({
      eks: new EKSClient({ region: 'eu-west-1' }),
      clusters: [{ name: 'prod', namespaces: ['shop'] }],
      kubeApis: fake.apiFactory(),
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    });

  beforeAll(async () => {
    fake = await startFakeKubeApi();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    eks.reset();
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod', endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: { data: 'Q0E=' }, status: 'ACTIVE' },
    });
    fake.reset();
    // Revision 5 reads app-config-v5, which lacks the key; revision 4 read app-config-v4, which has it.
    const live = deployment({ containers: reading('app-config-v5') });
    fake.seed('deployments', live);
    fake.seed('replicasets', replicaSet(NEW_RS, 5, { spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: live.spec?.template } }));
    fake.seed(
      'replicasets',
      replicaSet(OLD_RS, 4, { spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: reading('app-config-v4') } } } }),
    );
    fake.seed('pods', { ...crashLoopPod(), spec: { containers: reading('app-config-v5') } });
    fake.seed('configmaps', { metadata: { name: 'app-config-v5', namespace: 'shop' }, data: { LOG_LEVEL: 'info' } });
    fake.seed('configmaps', { metadata: { name: 'app-config-v4', namespace: 'shop' }, data: { LOG_LEVEL: 'info', DATABASE_URL: DB_URL } });
  });

  const missingVariable = (workload: Awaited<ReturnType<typeof readWorkload>>) => workload.findings.find((finding) => finding.reason === 'MissingEnvVar');

  it('restores the value the previous revision read, and lists it as trusted for the policy', async () => {
    const readParameter = vi.fn();

    const workload = await readWorkload(connector(), scope({ parameterStorePath: '/shop/' }), new Date(ONSET), crashLogs, { readParameter });

    expect(workload.trustedValues).toEqual([
      { configMap: 'app-config-v5', key: 'DATABASE_URL', value: DB_URL, from: 'previous-revision', detail: 'key DATABASE_URL of ConfigMap shop/app-config-v4, which revision 4 read' },
    ]);
    expect(missingVariable(workload)?.suggestion).toMatchObject({ action: 'patchEksConfigMap', params: { configMap: 'app-config-v5', key: 'DATABASE_URL', value: DB_URL } });
    expect(readParameter).not.toHaveBeenCalled();
    expect(fake.requests.every((request) => request.method === 'GET')).toBe(true);
  });

  it('reads Parameter Store under the declared path when no previous revision has the key', async () => {
    fake.seed('configmaps', { metadata: { name: 'app-config-v4', namespace: 'shop' }, data: { LOG_LEVEL: 'info' } });
    const readParameter = vi.fn(async (name: string) => (name === '/shop/app-config-v5/DATABASE_URL' ? DB_URL : undefined));

    const workload = await readWorkload(connector(), scope({ parameterStorePath: '/shop/' }), new Date(ONSET), crashLogs, { readParameter });

    expect(readParameter).toHaveBeenCalledWith('/shop/app-config-v5/DATABASE_URL');
    expect(workload.trustedValues).toEqual([
      { configMap: 'app-config-v5', key: 'DATABASE_URL', value: DB_URL, from: 'parameter-store', detail: 'Parameter Store /shop/app-config-v5/DATABASE_URL' },
    ]);
    expect(missingVariable(workload)?.evidence.details?.valueFrom).toBe('parameter-store');
  });

  it('escalates with the diagnosis when Parameter Store refuses (a SecureString) or has nothing', async () => {
    fake.seed('configmaps', { metadata: { name: 'app-config-v4', namespace: 'shop' }, data: {} });

    for (const readParameter of [vi.fn(async () => undefined), vi.fn(async () => Promise.reject(new Error('a SecureString')))]) {
      const workload = await readWorkload(connector(), scope({ parameterStorePath: '/shop/' }), new Date(ONSET), crashLogs, { readParameter });

      expect(workload.trustedValues).toEqual([]);
      expect(missingVariable(workload)?.suggestion.action).toBe('escalateOnly');
    }
  });

  it('reads no value for a ConfigMap the scope does not declare patchable', async () => {
    const readParameter = vi.fn(async () => DB_URL);

    const workload = await readWorkload(connector(), scope({ configMapDefaults: {}, parameterStorePath: '/shop/' }), new Date(ONSET), crashLogs, { readParameter });

    expect(workload.trustedValues).toEqual([]);
    expect(readParameter).not.toHaveBeenCalled();
  });

  it('prefers the declared default, and then lists nothing extra', async () => {
    const workload = await readWorkload(connector(), scope({ configMapDefaults: { 'app-config-v5': { DATABASE_URL: 'postgres://declared' } } }), new Date(ONSET), crashLogs);

    expect(workload.trustedValues).toEqual([]);
    expect(missingVariable(workload)?.suggestion.params).toMatchObject({ value: 'postgres://declared' });
  });

  it("reads the key from the live ConfigMap's last-applied manifest", async () => {
    fake.seed('configmaps', {
      metadata: { name: 'app-config-v5', namespace: 'shop', annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify({ data: { DATABASE_URL: 'postgres://applied' } }) } },
      data: { LOG_LEVEL: 'info' },
    });

    const workload = await readWorkload(connector(), scope(), new Date(ONSET), crashLogs);

    expect(workload.trustedValues.map((value) => [value.from, value.value])).toEqual([['previous-revision', 'postgres://applied']]);
  });
});
