import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../cli/self-heal.js';
import { FindingSchema } from '../../lambdas/shared/k8s-diagnostics/index.js';
import { type FakeKubeApi, podTemplate, startFakeKubeApi } from '../../local/fake-kube-api.js';

/** `self-heal diagnose` against the fake API server, through a kubeconfig file exactly as a human runs it. */
describe('self-heal diagnose', () => {
  let fake: FakeKubeApi;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    fake = await startFakeKubeApi();
    dir = mkdtempSync(join(tmpdir(), 'self-heal-diagnose-'));
    kubeconfig = join(dir, 'config');
    // JSON is YAML; client-node refuses an http server unless TLS verification is skipped.
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: fake.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'dev', user: { token: 'dev-token' } }],
        contexts: [
          { name: 'fake', context: { cluster: 'fake', user: 'dev' } },
          { name: 'other', context: { cluster: 'fake', user: 'dev', namespace: 'elsewhere' } },
        ],
        'current-context': 'fake',
      }),
    );
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.reset();
    seedCrashLoop(fake);
  });

  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('prints the crash loop and the missing DATABASE_URL, proposes escalation without a trusted value, and writes nothing', async () => {
    const result = await run('diagnose', '--kubeconfig', kubeconfig, '--namespace', 'shop');

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^\d+ findings? in context fake \(http:\/\/127\.0\.0\.1:\d+\), namespace shop:/);
    expect(result.out).toMatch(/^1\. Deployment shop\/web — MissingEnvVar \((critical|high)\)$/m);
    expect(result.out).toContain('environment variable DATABASE_URL');
    expect(result.out).toMatch(/Pod shop\/web-[a-z0-9-]+ — CrashLoopBackOff \((critical|high|medium)\)/);
    expect(result.out).toContain('→ proposes: escalateOnly (No trusted source has a value for key DATABASE_URL');
    expect(result.out).toContain('  | Error: environment variable DATABASE_URL is not set');
    // The fake serves neither events nor logs: skipped with a note, not a failure.
    expect(result.out).toMatch(/Notes:\n- list events in shop skipped: HTTP 404/);
    expect(fake.writes()).toEqual([]);
    expect(fake.requests.every((request) => request.method === 'GET')).toBe(true);
    expect(fake.requests.map((request) => request.path)).toEqual(
      expect.arrayContaining(['/apis/apps/v1/namespaces/shop/deployments', '/api/v1/namespaces/shop/pods', '/api/v1/namespaces/shop/configmaps']),
    );
  });

  it('proposes the ConfigMap patch and the restart when given a trusted value, narrowed to one Deployment', async () => {
    const result = await run(
      'diagnose', '--kubeconfig', kubeconfig, '--context', 'fake', '--namespace', 'shop', '--deployment', 'web',
      '--default', 'app-config/DATABASE_URL=postgres://db.shop:5432/shop',
    );

    expect(result.code).toBe(0);
    expect(result.out).toContain(', deployment web:');
    expect(result.out).toContain('→ proposes: patchEksConfigMap namespace="shop" configMap="app-config" key="DATABASE_URL" value="postgres://db.shop:5432/shop"');
    expect(result.out).toContain('then: restartEksDeployment namespace="shop" deployment="web"');
    expect(result.out).not.toContain('Deployment shop/api');
    expect(fake.requests.find((request) => request.path === '/api/v1/namespaces/shop/pods')?.query.labelSelector).toBe('app=web');
    expect(fake.writes()).toEqual([]);
  });

  it('prints the findings array as JSON with --json, notes on stderr', async () => {
    const result = await run('diagnose', '--kubeconfig', kubeconfig, '--namespace', 'shop', '--json');

    expect(result.code).toBe(0);
    const findings = JSON.parse(result.out) as unknown[];
    expect(Array.isArray(findings)).toBe(true);
    expect(findings.map((finding) => FindingSchema.parse(finding).reason)).toEqual(expect.arrayContaining(['MissingEnvVar', 'CrashLoopBackOff']));
    expect(findings[0]).toMatchObject({ kind: 'Deployment', name: 'web', reason: 'MissingEnvVar', suggestion: { action: 'escalateOnly' } });
    expect(result.err).toContain('note: list events in shop skipped');
  });

  it('still reports the crash loop when every list beyond Deployments, Pods and ConfigMaps is refused, with one note per list', async () => {
    for (const pod of fake.list('pods', 'shop')) fake.update('pods', 'shop', pod.metadata.name as string, (object) => (object.spec.nodeName = 'ip-10-0-1-17.eu-west-1.compute.internal'));
    fake.forbid('replicasets', 'services', 'endpoints', 'statefulsets', 'ingresses', 'persistentvolumeclaims', 'nodes', 'horizontalpodautoscalers', 'jobs', 'cronjobs');

    const result = await run('diagnose', '--kubeconfig', kubeconfig, '--namespace', 'shop');

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^1\. Deployment shop\/web — MissingEnvVar \((critical|high)\)$/m);
    expect(result.out).toMatch(/Pod shop\/web-[a-z0-9-]+ — CrashLoopBackOff/);
    const notes = result.out.slice(result.out.indexOf('Notes:\n')).split('\n').slice(1);
    expect(notes).toEqual([
      '- list replicasets in shop skipped: HTTP 403: replicasets.apps is forbidden: User "fake-user" cannot list resource "replicasets" in API group "apps" in the namespace "shop"',
      expect.stringMatching(/^- list events in shop skipped: HTTP 404/),
      '- list services in shop skipped: HTTP 403: services is forbidden: User "fake-user" cannot list resource "services" in API group "" in the namespace "shop"',
      expect.stringMatching(/^- list endpoints in shop skipped: HTTP 403/),
      '- list ingresses in shop skipped: HTTP 403: ingresses.networking.k8s.io is forbidden: User "fake-user" cannot list resource "ingresses" in API group "networking.k8s.io" in the namespace "shop"',
      expect.stringMatching(/^- list persistentvolumeclaims in shop skipped: HTTP 403/),
      expect.stringMatching(/^- list horizontalpodautoscalers in shop skipped: HTTP 403: .* in API group "autoscaling"/),
      expect.stringMatching(/^- list statefulsets in shop skipped: HTTP 403: .* in API group "apps"/),
      expect.stringMatching(/^- list jobs in shop skipped: HTTP 403: .* in API group "batch"/),
      expect.stringMatching(/^- list cronjobs in shop skipped: HTTP 403: .* in API group "batch"/),
      '- list nodes skipped: HTTP 403: nodes is forbidden: User "fake-user" cannot list resource "nodes" in API group "" at the cluster scope',
      expect.stringMatching(/^- previous container logs skipped/),
    ]);
    expect(fake.writes()).toEqual([]);
  });

  it('is granted by lib/eks-rbac/self-heal-diagnose.yaml exactly what it requests, and nothing that writes', async () => {
    for (const pod of fake.list('pods', 'shop')) fake.update('pods', 'shop', pod.metadata.name as string, (object) => (object.spec.nodeName = 'ip-10-0-1-17.eu-west-1.compute.internal'));
    fake.update('deployments', 'shop', 'web', (object) => (object.spec.template.spec.volumes = [{ name: 'cache', persistentVolumeClaim: { claimName: 'web-cache' } }]));
    await run('diagnose', '--kubeconfig', kubeconfig, '--namespace', 'shop');
    await run('diagnose', '--kubeconfig', kubeconfig, '--namespace', 'shop', '--deployment', 'web');
    fake.forbid('configmaps');
    await run('diagnose', '--kubeconfig', kubeconfig, '--namespace', 'shop', '--deployment', 'web');

    // `group resource verb` of every request: a path to a collection is a list, to one object (or its log) a get.
    const requested = new Set(
      fake.requests.map((request) => {
        const match = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/[^/]+)?\/([^/]+)(\/[^/]+)?(\/log)?$/.exec(request.path);
        expect(match, request.path).not.toBeNull();
        const [, group = '', resource, name, log] = match!;
        return `${group} ${resource}${log ?? ''} ${name === undefined ? 'list' : 'get'}`;
      }),
    );
    const role = parse(readFileSync(new URL('../../lib/eks-rbac/self-heal-diagnose.yaml', import.meta.url), 'utf8')) as {
      kind: string;
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const granted = new Set(role.rules.flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group} ${resource} ${verb}`)))));

    expect(role.kind).toBe('ClusterRole');
    expect(role.rules.flatMap((rule) => rule.verbs).filter((verb) => !['get', 'list', 'watch'].includes(verb))).toEqual([]);
    expect([...requested].filter((grant) => !granted.has(grant))).toEqual([]);
    // Nothing granted that diagnose never reads (watch goes with list).
    const readKinds = new Set([...requested].map((grant) => grant.split(' ').slice(0, 2).join(' ')));
    expect([...granted].map((grant) => grant.split(' ').slice(0, 2).join(' ')).filter((kind) => !readKinds.has(kind))).toEqual([]);
    expect(readKinds.size).toBe(15);
    expect(fake.writes()).toEqual([]);
  });

  it('says so when there is nothing to report', async () => {
    const result = await run('diagnose', '--kubeconfig', kubeconfig, '--namespace', 'quiet');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^No problems found in context fake .*, namespace quiet\.$/m);
  });

  it('reaches the cluster through EKS with --cluster', async () => {
    const eks = mockClient(EKSClient);
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod', endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: { data: 'Q0E=' }, status: 'ACTIVE' },
    });
    const kubeApis = fake.apiFactory();
    try {
      const out: string[] = [];
      const code = await main(['diagnose', '--cluster', 'prod', '--namespace', 'shop', '--deployment', 'web'], { out: (line) => out.push(line), err: () => {} }, {}, {
        eks: new EKSClient({ region: 'eu-west-1' }),
        kubeApis,
        token: async () => 'k8s-aws-v1.token',
      });
      expect(code).toBe(0);
      expect(out[0]).toMatch(/in EKS cluster prod, namespace shop, deployment web:$/);
      expect(kubeApis.connections).toMatchObject([{ name: 'prod', token: 'k8s-aws-v1.token' }]);
      expect(fake.writes()).toEqual([]);
    } finally {
      eks.restore();
    }
  });

  it.each([
    [['diagnose', '--kubeconfig', 'KUBECONFIG'], 2, /missing --namespace NS/],
    [['diagnose', '--namespace', 'shop', '--cluster', 'prod', '--kubeconfig', 'KUBECONFIG'], 2, /does not go with --kubeconfig/],
    [['diagnose', '--namespace', 'Shop!', '--kubeconfig', 'KUBECONFIG'], 2, /not a namespace name/],
    [['diagnose', '--namespace', 'shop', '--kubeconfig', 'KUBECONFIG', '--colour'], 2, /Unknown option '--colour'/],
    [['diagnose', '--namespace', 'shop', '--kubeconfig', 'KUBECONFIG', '--default', 'DATABASE_URL=x'], 2, /expected CONFIGMAP\/KEY=VALUE/],
    [['diagnose', '--namespace', 'shop', '--kubeconfig', 'KUBECONFIG', '--context', 'nope'], 2, /no context nope in kubeconfig/],
    [['diagnose', '--namespace', 'shop', '--kubeconfig', 'KUBECONFIG', '--deployment', 'gone'], 1, /deployment shop\/gone not found/],
    [['diagnose', '--namespace', 'shop', '--kubeconfig', '/nonexistent/kubeconfig'], 1, /cannot read kubeconfig \/nonexistent\/kubeconfig/],
  ])('rejects %j with a clear error and exit code %i', async (args, exitCode, message) => {
    const result = await run(...args.map((arg) => (arg === 'KUBECONFIG' ? kubeconfig : arg)));
    expect(result.code).toBe(exitCode);
    expect(result.err).toMatch(message);
    expect(fake.writes()).toEqual([]);
  });

  it('prints its help with exit code 0, and the top-level help lists it', async () => {
    const own = await run('diagnose', '--help');
    const top = await run('--help');
    expect(own.code).toBe(0);
    expect(own.out).toContain('--kubeconfig FILE');
    expect(top.out).toContain('self-heal diagnose [--cluster NAME | --kubeconfig FILE [--context NAME]] --namespace NS');
  });
});

/** shop/web crash-loops: its ConfigMap (loaded with envFrom) lacks DATABASE_URL. shop/api is healthy. */
function seedCrashLoop(fake: FakeKubeApi): void {
  const template = podTemplate('web', 'shop/web:2.4.0');
  template.spec.containers[0].name = 'app';
  template.spec.containers[0].envFrom = [{ configMapRef: { name: 'app-config' } }];
  fake.seed('configmaps', { metadata: { name: 'app-config', namespace: 'shop' }, data: { LOG_LEVEL: 'info' } });
  fake.seed('deployments', {
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
    status: {
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 0,
      unavailableReplicas: 2,
      conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }],
    },
  });
  for (const suffix of ['7d9f8-abcde', '7d9f8-fghij']) {
    fake.seed('pods', {
      metadata: { name: `web-${suffix}`, namespace: 'shop', labels: { app: 'web' }, creationTimestamp: '2026-11-27T09:50:00Z' },
      spec: template.spec,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'app',
            image: 'shop/web:2.4.0',
            imageID: '',
            ready: false,
            restartCount: 7,
            state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=app pod=web-${suffix}` } },
            lastState: {
              terminated: {
                exitCode: 1,
                reason: 'Error',
                message: 'Error: environment variable DATABASE_URL is not set',
                startedAt: '2026-11-27T09:58:00Z',
                finishedAt: '2026-11-27T09:58:01Z',
              },
            },
          },
        ],
      },
    });
  }
  const api = podTemplate('api', 'shop/api:1.0.0');
  fake.seed('deployments', {
    metadata: { name: 'api', namespace: 'shop', labels: { app: 'api' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: api },
    status: { observedGeneration: 1, replicas: 1, readyReplicas: 1, availableReplicas: 1 },
  });
  fake.seed('pods', {
    metadata: { name: 'api-0', namespace: 'shop', labels: { app: 'api' } },
    spec: api.spec,
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'api', image: 'shop/api:1.0.0', imageID: '', ready: true, restartCount: 0, state: { running: {} } }] },
  });
}
