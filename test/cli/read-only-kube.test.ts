import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticKubeApisFrom } from '../../lambdas/shared/eks/diagnostic-kube-apis.js';
import { buildKubeConfig, type KubeApis, KubeConnector } from '../../lambdas/shared/eks/kube-client.js';
import { isReadOnlyKubeMethod, readOnlyKubeApis } from '../../lambdas/shared/eks/read-only-kube.js';
import { enableShadowMode, type GuardedCall, MutatingCallRefusedError, onGuardedCall } from '../../lambdas/shared/shadow-mode.js';

/** The Kubernetes guard, against the real client-node API objects talking to a loopback server that records every request. */
describe('read-only guard on Kubernetes clients', () => {
  let server: Server;
  let url: string;
  const requests: { method: string; path: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push({ method: request.method ?? '?', path: request.url ?? '' });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: {}, items: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterEach(() => {
    requests.length = 0;
  });

  const rawApis = (): Required<KubeApis> => diagnosticKubeApisFrom(buildKubeConfig({ name: 'test', server: url, token: 't', skipTLSVerify: true }));

  function methodsOf(api: object): string[] {
    const names = new Set<string>();
    for (let prototype = Object.getPrototypeOf(api) as object | null; prototype !== null && prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype) as object | null) {
      for (const name of Object.getOwnPropertyNames(prototype)) {
        if (name !== 'constructor' && typeof (api as Record<string, unknown>)[name] === 'function') names.add(name);
      }
    }
    return [...names];
  }

  // The fewest writes each client-node 1.4 API class has (with their `…WithHttpInfo` twins): a floor, so a wrapper that hid methods would show.
  it.each([
    ['apps', 70],
    ['core', 250],
    ['networking', 50],
    ['autoscaling', 12],
    ['batch', 24],
  ] as const)('%s: refuses every create, patch, replace, delete and connect, with no request made', async (group, fewestWrites) => {
    const apis = readOnlyKubeApis(rawApis()) as Required<KubeApis>;
    const methods = methodsOf(rawApis()[group]);
    const writes = methods.filter((method) => !isReadOnlyKubeMethod(method));
    expect(writes.length).toBeGreaterThanOrEqual(fewestWrites);
    expect(writes.filter((method) => !/^(create|patch|replace|delete|connect)[A-Z]/.test(method))).toEqual([]);
    for (const method of writes) {
      const call = (apis[group] as unknown as Record<string, (params: object) => Promise<unknown>>)[method]!;
      await expect(call({ namespace: 'shop', name: 'x', body: {} }), method).rejects.toBeInstanceOf(MutatingCallRefusedError);
    }
    expect(requests).toEqual([]);
  });

  it('lets get, list and watch-style reads through to the cluster, and only GETs are sent', async () => {
    const apis = readOnlyKubeApis(rawApis()) as Required<KubeApis>;
    await apis.core.listNamespacedPod({ namespace: 'shop' });
    await apis.apps.listNamespacedReplicaSet({ namespace: 'shop' });
    await apis.core.readNamespacedConfigMap({ namespace: 'shop', name: 'orders-config' }).catch(() => undefined);
    expect(requests.map((request) => request.method)).toEqual(['GET', 'GET', 'GET']);
    expect(requests[0]!.path).toContain('/api/v1/namespaces/shop/pods');
  });

  it('lets the reads diagnose makes through every API group, each to its own path', async () => {
    const apis = readOnlyKubeApis(rawApis()) as Required<KubeApis>;
    await apis.apps.listNamespacedStatefulSet({ namespace: 'shop' });
    await apis.core.listNamespacedPersistentVolumeClaim({ namespace: 'shop' });
    await apis.core.listNode();
    await apis.networking.listNamespacedIngress({ namespace: 'shop' });
    await apis.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: 'shop' });
    await apis.batch.listNamespacedJob({ namespace: 'shop' });
    await apis.batch.listNamespacedCronJob({ namespace: 'shop', watch: false });
    expect(requests.map((request) => `${request.method} ${request.path.split('?')[0]}`)).toEqual([
      'GET /apis/apps/v1/namespaces/shop/statefulsets',
      'GET /api/v1/namespaces/shop/persistentvolumeclaims',
      'GET /api/v1/nodes',
      'GET /apis/networking.k8s.io/v1/namespaces/shop/ingresses',
      'GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers',
      'GET /apis/batch/v1/namespaces/shop/jobs',
      'GET /apis/batch/v1/namespaces/shop/cronjobs',
    ]);
  });

  it('closes the side door: the generated `api` object is guarded too', async () => {
    const apis = readOnlyKubeApis(rawApis()) as Required<KubeApis>;
    const inner = (apis.core as unknown as { api: Record<string, (...args: unknown[]) => unknown> }).api;
    await expect(Promise.resolve(inner.createNamespacedConfigMap!('shop', {}))).rejects.toBeInstanceOf(MutatingCallRefusedError);
    const batch = (apis.batch as unknown as { api: Record<string, (...args: unknown[]) => unknown> }).api;
    await expect(Promise.resolve(batch.deleteNamespacedJob!('migrate', 'shop'))).rejects.toBeInstanceOf(MutatingCallRefusedError);
    expect(requests).toEqual([]);
  });

  it('names the refused call and tells the listeners', async () => {
    const seen: GuardedCall[] = [];
    const stop = onGuardedCall((call) => seen.push(call));
    try {
      const error = await readOnlyKubeApis(rawApis()).apps.patchNamespacedDeployment({ namespace: 'shop', name: 'web', body: [] }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'MutatingCallRefusedError', service: 'kubernetes', operation: 'AppsV1Api.patchNamespacedDeployment' });
      expect(seen).toEqual([{ service: 'kubernetes', operation: 'AppsV1Api.patchNamespacedDeployment', allowed: false }]);
    } finally {
      stop();
    }
  });

  it.each([
    ['networking', 'deleteNamespacedIngress', 'NetworkingV1Api'],
    ['autoscaling', 'patchNamespacedHorizontalPodAutoscaler', 'AutoscalingV2Api'],
    ['batch', 'createNamespacedJob', 'BatchV1Api'],
    ['core', 'deleteNode', 'CoreV1Api'],
  ] as const)('names a refused %s call by its API class: %s', async (group, method, apiClass) => {
    const seen: GuardedCall[] = [];
    const stop = onGuardedCall((call) => seen.push(call));
    try {
      const call = (readOnlyKubeApis(rawApis())[group] as unknown as Record<string, (params: object) => Promise<unknown>>)[method]!;
      const error = await call({ namespace: 'shop', name: 'x', body: {} }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'MutatingCallRefusedError', operation: `${apiClass}.${method}` });
      expect(seen).toEqual([{ service: 'kubernetes', operation: `${apiClass}.${method}`, allowed: false }]);
      expect(requests).toEqual([]);
    } finally {
      stop();
    }
  });

  describe('KubeConnector', () => {
    const eks = mockClient(EKSClient);
    afterEach(() => eks.reset());
    afterAll(() => eks.restore());

    function connector() {
      eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'prod', endpoint: url, certificateAuthority: { data: 'Y2E=' }, status: 'ACTIVE' } });
      return new KubeConnector({
        eks: new EKSClient({ region: 'us-east-1' }),
        clusters: [{ name: 'prod', namespaces: ['shop'] }],
        kubeApis: () => rawApis(),
        token: async () => 'token',
      });
    }
    const patch = (apis: KubeApis) =>
      apis.core.patchNamespacedConfigMap({ namespace: 'shop', name: 'orders-config', body: { data: { A: 'b' } } }).catch((error: unknown) => error);

    it('hands out read-only clients in shadow mode', async () => {
      const disable = enableShadowMode();
      try {
        const apis = await connector().connect('prod', 'shop');
        expect(await patch(apis)).toBeInstanceOf(MutatingCallRefusedError);
        expect(await apis.batch!.deleteNamespacedCronJob({ namespace: 'shop', name: 'nightly' }).catch((error: unknown) => error)).toBeInstanceOf(MutatingCallRefusedError);
        expect(requests).toEqual([]);
      } finally {
        disable();
      }
    });

    it('hands out the clients as they are otherwise', async () => {
      const apis = await connector().connect('prod', 'shop');
      expect(await patch(apis)).not.toBeInstanceOf(MutatingCallRefusedError);
      expect(requests.map((request) => request.method)).toEqual(['PATCH']);
    });
  });
});
