import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { ApiException } from '@kubernetes/client-node';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutOfScopeError, StalePlanError, TargetNotFoundError, TransientAwsError } from '../../../../lambdas/shared/errors.js';
import { KubeAccessDeniedError } from '../../../../lambdas/shared/eks/eks-errors.js';
import { EKS_TOKEN_PREFIX } from '../../../../lambdas/shared/eks/eks-token.js';
import {
  KubeConnector,
  PatchStrategy,
  buildKubeConfig,
  callKube,
  eksKubeApis,
  kubeApisFrom,
  patchAs,
} from '../../../../lambdas/shared/eks/kube-client.js';
import { type FakeKubeApi, startFakeKubeApi } from '../../../../local/fake-kube-api.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIfake\n-----END CERTIFICATE-----\n').toString('base64');
const eks = mockClient(EKSClient);
const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });

describe('buildKubeConfig', () => {
  it('holds the EKS endpoint, its CA and the bearer token in memory, with TLS verified', () => {
    // Act
    const config = buildKubeConfig({ name: 'prod', server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', caData: CA, token: 'k8s-aws-v1.x' });

    // Assess
    expect(config.getCurrentCluster()).toEqual({
      name: 'prod',
      server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
      caData: CA,
      skipTLSVerify: false,
    });
    expect(config.getCurrentUser()).toEqual({ name: 'prod', token: 'k8s-aws-v1.x' });
  });

  it('makes typed clients for both API groups', () => {
    // Act
    const apis = eksKubeApis({ name: 'prod', endpoint: 'https://example.invalid', certificateAuthority: CA, token: 't' });

    // Assess
    expect(typeof apis.apps.readNamespacedDeployment).toBe('function');
    expect(typeof apis.core.readNamespacedConfigMap).toBe('function');
  });
});

describe('KubeConnector', () => {
  let fake: FakeKubeApi;

  beforeAll(async () => {
    fake = await startFakeKubeApi();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    eks.reset();
    fake.reset();
  });

  const connector = (factory = fake.apiFactory()) =>
    new KubeConnector({ eks: new EKSClient({ region: 'eu-west-1' }), clusters: [{ name: 'prod', namespaces: ['shop', 'web'] }], kubeApis: factory, credentials });

  it('describes the cluster and hands its endpoint, CA and a fresh EKS token to the factory', async () => {
    // Prepare
    eks.on(DescribeClusterCommand, { name: 'prod' }).resolves({
      cluster: { name: 'prod', endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: { data: CA }, status: 'ACTIVE' },
    });
    fake.seed('configmaps', { metadata: { name: 'settings', namespace: 'shop' }, data: { a: '1' } });
    const factory = fake.apiFactory();

    // Act
    const apis = await connector(factory).connect('prod', 'shop');
    const configMap = await apis.core.readNamespacedConfigMap({ name: 'settings', namespace: 'shop' });

    // Assess
    expect(configMap.data).toEqual({ a: '1' });
    expect(factory.connections).toEqual([
      { name: 'prod', endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: CA, token: expect.stringMatching(/^k8s-aws-v1\./) },
    ]);
    const url = Buffer.from(factory.connections[0]!.token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8');
    expect(url).toMatch(/^https:\/\/sts\.eu-west-1\.amazonaws\.com\/\?Action=GetCallerIdentity&Version=2011-06-15&/);
    expect(fake.requests[0]?.authorization).toBe(`Bearer ${factory.connections[0]!.token}`);
  });

  it.each([
    ['an undeclared cluster', 'staging', 'shop', /cluster staging is not declared/],
    ['a namespace outside the allowlist', 'prod', 'kube-system', /namespace kube-system is not allowlisted on EKS cluster prod \(allowed: shop, web\)/],
  ])('refuses %s before any call', async (_title, cluster, namespace, message) => {
    // Act & Assess
    await expect(connector().connect(cluster, namespace)).rejects.toThrow(OutOfScopeError);
    await expect(connector().connect(cluster, namespace)).rejects.toThrow(message);
    expect(eks.calls()).toHaveLength(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('names a cluster EKS does not know', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(Object.assign(new Error('No cluster found for name: prod.'), { name: 'ResourceNotFoundException' }));

    // Act & Assess
    await expect(connector().connect('prod', 'shop')).rejects.toThrow(TargetNotFoundError);
  });

  it('makes a throttled DescribeCluster retryable', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act & Assess
    await expect(connector().connect('prod', 'shop')).rejects.toThrow(TransientAwsError);
  });

  it('refuses a cluster that has no endpoint yet', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'prod', status: 'CREATING' } });

    // Act & Assess
    await expect(connector().connect('prod', 'shop')).rejects.toThrow(/no API endpoint yet \(status CREATING\)/);
  });
});

describe('client-node patch types against the fake server', () => {
  let fake: FakeKubeApi;
  let apis: ReturnType<typeof kubeApisFrom>;

  beforeAll(async () => {
    fake = await startFakeKubeApi();
    apis = kubeApisFrom(buildKubeConfig({ name: 'fake', server: fake.url, token: 'tok', skipTLSVerify: true }));
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset();
    fake.seed('configmaps', { metadata: { name: 'settings', namespace: 'shop', annotations: { keep: 'me' } }, data: { a: '1', b: '2' } });
  });

  it('sends JSON Patch when no patch type is chosen', async () => {
    // Act
    await apis.core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: [{ op: 'replace', path: '/data/a', value: 'x' }] });

    // Assess
    expect(fake.writes()[0]?.contentType).toBe('application/json-patch+json');
    expect(fake.get('configmaps', 'shop', 'settings')?.data).toEqual({ a: 'x', b: '2' });
  });

  it.each([
    [PatchStrategy.MergePatch, { data: { a: null, c: '3' } }, { b: '2', c: '3' }],
    [PatchStrategy.StrategicMergePatch, { data: { a: '9' } }, { a: '9', b: '2' }],
  ])('sends %s when asked to', async (strategy, body, data) => {
    // Act
    await apis.core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body }, patchAs(strategy));

    // Assess
    expect(fake.writes()[0]?.contentType).toBe(strategy);
    expect(fake.get('configmaps', 'shop', 'settings')?.data).toEqual(data);
    expect(fake.get('configmaps', 'shop', 'settings')?.metadata.annotations).toEqual({ keep: 'me' });
  });

  it('answers a stale resourceVersion in a patch with 409 and changes nothing', async () => {
    // Prepare
    const before = fake.get('configmaps', 'shop', 'settings')!;
    fake.update('configmaps', 'shop', 'settings', (object) => (object.data.b = 'changed'));

    // Act
    const failure = await apis.core
      .patchNamespacedConfigMap(
        { name: 'settings', namespace: 'shop', body: { metadata: { resourceVersion: before.metadata.resourceVersion }, data: { a: 'x' } } },
        patchAs(PatchStrategy.MergePatch),
      )
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(ApiException);
    expect((failure as ApiException<unknown>).code).toBe(409);
    expect(fake.get('configmaps', 'shop', 'settings')?.data).toEqual({ a: '1', b: 'changed' });
  });

  it('answers a stale resourceVersion in a PUT with 409 and accepts the current one', async () => {
    // Prepare
    const current = await apis.core.readNamespacedConfigMap({ name: 'settings', namespace: 'shop' });
    fake.update('configmaps', 'shop', 'settings', (object) => (object.data.b = 'changed'));
    const fresh = await apis.core.readNamespacedConfigMap({ name: 'settings', namespace: 'shop' });

    // Act
    const stale = await apis.core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { ...current, data: { a: 'stale' } } }).catch((e: unknown) => e);
    const replaced = await apis.core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { ...fresh, data: { a: 'new' } } });

    // Assess
    expect((stale as ApiException<unknown>).code).toBe(409);
    expect(replaced.data).toEqual({ a: 'new' });
    expect(replaced.metadata?.resourceVersion).not.toBe(fresh.metadata?.resourceVersion);
  });
});

describe('callKube', () => {
  const failWith = (code: number, message = 'boom') => () => Promise.reject(new ApiException(code, 'x', JSON.stringify({ kind: 'Status', message }), {}));

  it.each([
    [404, TargetNotFoundError],
    [401, KubeAccessDeniedError],
    [403, KubeAccessDeniedError],
    [409, StalePlanError],
    [429, TransientAwsError],
    [503, TransientAwsError],
  ])('names a %s', async (code, type) => {
    // Act & Assess
    await expect(callKube('read thing', failWith(code, 'the reason'))).rejects.toThrow(type);
    await expect(callKube('read thing', failWith(code, 'the reason'))).rejects.toThrow(/the reason/);
  });

  it('passes other API failures through', async () => {
    // Act & Assess
    await expect(callKube('read thing', failWith(422))).rejects.toBeInstanceOf(ApiException);
  });

  it('makes a refused connection retryable', async () => {
    // Prepare
    const apis = kubeApisFrom(buildKubeConfig({ name: 'gone', server: 'http://127.0.0.1:1', token: 't', skipTLSVerify: true }));

    // Act & Assess
    await expect(callKube('read settings', () => apis.core.readNamespacedConfigMap({ name: 'a', namespace: 'b' }))).rejects.toThrow(TransientAwsError);
  });
});
