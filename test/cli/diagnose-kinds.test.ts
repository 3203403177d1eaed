import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/self-heal.js';
import { type Finding, FindingSchema } from '../../lambdas/shared/k8s-diagnostics/index.js';
import { type FakeKubeApi, type KubeObject, podTemplate, startFakeKubeApi } from '../../local/fake-kube-api.js';

/**
 * `self-heal diagnose` over the kinds beyond Deployments and Pods:
 * StatefulSets, Ingresses, PVCs, Nodes, HPAs, Jobs and CronJobs, served by
 * the fake API server and read through the real client, as a human runs it.
 */

const NODE_DOWN = 'ip-10-0-1-17.eu-west-1.compute.internal';
const NODE_UP = 'ip-10-0-2-40.eu-west-1.compute.internal';
/** NotReady too, but it runs no pod of the namespace: not reported. */
const NODE_ELSEWHERE = 'ip-10-0-3-99.eu-west-1.compute.internal';

/** The new list paths, one per kind. */
const KIND_PATHS = {
  statefulsets: '/apis/apps/v1/namespaces/data/statefulsets',
  ingresses: '/apis/networking.k8s.io/v1/namespaces/data/ingresses',
  persistentvolumeclaims: '/api/v1/namespaces/data/persistentvolumeclaims',
  nodes: '/api/v1/nodes',
  horizontalpodautoscalers: '/apis/autoscaling/v2/namespaces/data/horizontalpodautoscalers',
  jobs: '/apis/batch/v1/namespaces/data/jobs',
  cronjobs: '/apis/batch/v1/namespaces/data/cronjobs',
} as const;

describe('self-heal diagnose: StatefulSets, Ingresses, PVCs, Nodes, HPAs, Jobs and CronJobs', () => {
  let fake: FakeKubeApi;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    fake = await startFakeKubeApi();
    dir = mkdtempSync(join(tmpdir(), 'self-heal-diagnose-kinds-'));
    kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: fake.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'dev', user: { token: 'dev-token' } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'dev' } }],
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
  });

  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['diagnose', '--kubeconfig', kubeconfig, ...args], { out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  async function findingsOf(...args: string[]): Promise<{ findings: Finding[]; notes: string[] }> {
    const result = await run(...args, '--json', '--max-findings', '50');
    expect(result.code).toBe(0);
    const findings = (JSON.parse(result.out) as unknown[]).map((finding) => FindingSchema.parse(finding));
    const notes = result.err === '' ? [] : result.err.split('\n').map((line) => line.replace(/^note: /, ''));
    return { findings, notes };
  }

  const titles = (findings: readonly Finding[]) => findings.map((finding) => `${finding.kind} ${finding.namespace ?? '-'}/${finding.name} ${finding.reason}`).sort();

  it('reports each broken object once, by kind, name and reason, and writes nothing', async () => {
    // Prepare
    seedBroken(fake);

    // Act
    const { findings, notes } = await findingsOf('--namespace', 'data');

    // Assess
    expect(titles(findings)).toEqual([
      'CronJob data/nightly-report CronJobFailing',
      'HorizontalPodAutoscaler data/web HpaAtMax',
      'Ingress data/storefront MissingBackend',
      'Job data/migrate-orders-v42 JobFailed',
      `Node -/${NODE_DOWN} NodeNotReady`,
      'PersistentVolumeClaim data/data-postgres-2 PvcPending',
      'Pod data/postgres-2 FailedScheduling',
      'StatefulSet data/postgres UnavailableReplicas',
    ]);
    const byKind = (kind: string) => findings.filter((finding) => finding.kind === kind);
    expect(byKind('StatefulSet')[0]).toMatchObject({ severity: 'medium', evidence: { details: { desiredReplicas: '3', readyReplicas: '2' } } });
    expect(byKind('Ingress')[0]!.message).toBe('Ingress data/storefront routes to Service storefront, which does not exist.');
    expect(byKind('PersistentVolumeClaim')[0]).toMatchObject({ evidence: { details: { storageClass: 'gp3', requested: '100Gi' } } });
    expect(byKind('Node')[0]).toMatchObject({ severity: 'critical', evidence: { details: { conditionReason: 'NodeStatusUnknown', zone: 'eu-west-1a' } } });
    expect(byKind('HorizontalPodAutoscaler')[0]).toMatchObject({ evidence: { details: { target: 'Deployment/web', currentReplicas: '10', maxReplicas: '10' } } });
    expect(byKind('Job')[0]).toMatchObject({ evidence: { details: { failureReason: 'BackoffLimitExceeded', failedPods: '6' } } });
    expect(byKind('CronJob')[0]).toMatchObject({ evidence: { details: { lastJob: 'nightly-report-29401200', consecutiveFailures: '1' } } });
    // Node conditions come from a cluster-wide list, kept to the nodes the namespace's pods run on.
    expect(notes).toContain("only the nodes hosting the pods of namespace data were checked: 2 of the cluster's 3");
    expect(notes.filter((note) => note.includes('skipped'))).toEqual(['list events in data skipped: HTTP 404: the server could not find the requested resource (/api/v1/namespaces/data/events)']);
    expect(fake.writes()).toEqual([]);
    expect(fake.requests.map((request) => request.path)).toEqual(expect.arrayContaining(Object.values(KIND_PATHS)));
  });

  it('prints the new kinds like the others, Nodes without a namespace', async () => {
    seedBroken(fake);

    const result = await run('--namespace', 'data', '--max-findings', '50');

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^8 findings in context fake .*, namespace data:$/m);
    expect(result.out).toMatch(new RegExp(`^\\d\\. Node ${NODE_DOWN.replace(/\./g, '\\.')} — NodeNotReady \\(critical\\)$`, 'm'));
    expect(result.out).toMatch(/^\d\. Ingress data\/storefront — MissingBackend \(high\)$/m);
    expect(result.out).not.toContain(NODE_ELSEWHERE);
    expect(result.out).toContain("- only the nodes hosting the pods of namespace data were checked: 2 of the cluster's 3");
  });

  it('reports nothing for a healthy namespace with every kind in it', async () => {
    seedHealthy(fake);

    const { findings, notes } = await findingsOf('--namespace', 'calm');

    expect(findings).toEqual([]);
    expect(notes.filter((note) => !note.startsWith('list events'))).toEqual([]);
    expect(fake.requests.map((request) => request.path)).toEqual(expect.arrayContaining(Object.values(KIND_PATHS).map((path) => path.replace('/data/', '/calm/'))));
    const quiet = await run('--namespace', 'calm');
    expect(quiet.out).toMatch(/^No problems found in context fake .*, namespace calm\.$/m);
  });

  it('with --deployment, keeps its HPA and PVCs, still checks Ingresses, and does not read other workloads', async () => {
    seedBroken(fake);

    const { findings, notes } = await findingsOf('--namespace', 'data', '--deployment', 'web');

    expect(titles(findings)).toEqual(['HorizontalPodAutoscaler data/web HpaAtMax', 'Ingress data/storefront MissingBackend']);
    const paths = fake.requests.map((request) => request.path);
    for (const path of [KIND_PATHS.statefulsets, KIND_PATHS.jobs, KIND_PATHS.cronjobs]) expect(paths).not.toContain(path);
    expect(paths).toEqual(expect.arrayContaining([KIND_PATHS.ingresses, KIND_PATHS.persistentvolumeclaims, KIND_PATHS.horizontalpodautoscalers, KIND_PATHS.nodes]));
    expect(notes).toContain("only the nodes hosting the pods of deployment data/web were checked: 1 of the cluster's 3");
    expect(fake.writes()).toEqual([]);
  });

  it('does not list Nodes when no pod read is scheduled on one', async () => {
    seedBroken(fake);
    for (const pod of fake.list('pods', 'data')) fake.remove('pods', 'data', pod.metadata.name as string);

    const { findings } = await findingsOf('--namespace', 'data');

    expect(findings.filter((finding) => finding.kind === 'Node')).toEqual([]);
    expect(fake.requests.map((request) => request.path)).not.toContain(KIND_PATHS.nodes);
  });
});

// ---- seeds -------------------------------------------------------------------------------------

function readyPod(namespace: string, name: string, labels: Record<string, string>, nodeName: string, extra: KubeObject = {}): KubeObject {
  return {
    metadata: { name, namespace, labels, ...(extra.metadata ?? {}) },
    spec: { ...podTemplate(labels.app ?? name, 'busybox:1.36').spec, nodeName, ...(extra.spec ?? {}) },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: labels.app ?? name, image: 'busybox:1.36', imageID: '', ready: true, restartCount: 0, state: { running: {} } }],
    },
  };
}

function node(name: string, zone: string, ready: KubeObject): KubeObject {
  return {
    metadata: {
      name,
      labels: { 'topology.kubernetes.io/zone': zone, 'node.kubernetes.io/instance-type': 'm6i.large', 'eks.amazonaws.com/nodegroup': 'general' },
    },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID' },
        { type: 'Ready', lastHeartbeatTime: '2026-11-27T09:40:00Z', lastTransitionTime: '2026-11-27T09:41:00Z', ...ready },
      ],
    },
  };
}

const NODE_READY = { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
const NODE_LOST = { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };

/** A Deployment `web` (its pods on NODE_UP) with the Service and Endpoints an Ingress routes to. */
function seedWeb(fake: FakeKubeApi, namespace: string, replicas: number): void {
  const template = podTemplate('web', 'shop/web:3.1.0');
  template.spec.volumes = [{ name: 'cache', persistentVolumeClaim: { claimName: 'web-cache' } }];
  fake.seed('deployments', {
    metadata: { name: 'web', namespace, labels: { app: 'web' } },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template },
    status: { observedGeneration: 1, replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas },
  });
  fake.seed('pods', readyPod(namespace, 'web-6b7c9-x2x4k', { app: 'web' }, NODE_UP, { spec: { volumes: template.spec.volumes } }));
  fake.seed('persistentvolumeclaims', {
    metadata: { name: 'web-cache', namespace },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } }, volumeName: 'pvc-0a1b' },
    status: { phase: 'Bound', capacity: { storage: '10Gi' } },
  });
  fake.seed('services', {
    metadata: { name: 'web', namespace },
    spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  });
  fake.seed('endpoints', {
    metadata: { name: 'web', namespace },
    subsets: [{ addresses: [{ ip: '10.0.2.17', nodeName: NODE_UP }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  });
}

/** A StatefulSet `postgres` with its pods (the last one on NODE_DOWN, or Pending). */
function seedPostgres(fake: FakeKubeApi, namespace: string, ready: 2 | 3): void {
  fake.seed('statefulsets', {
    metadata: { name: 'postgres', namespace, labels: { app: 'postgres' } },
    spec: {
      replicas: 3,
      serviceName: 'postgres',
      selector: { matchLabels: { app: 'postgres' } },
      template: podTemplate('postgres', 'postgres:16.4'),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } } }],
    },
    status: { observedGeneration: 1, replicas: 3, readyReplicas: ready, currentReplicas: 3, updatedReplicas: 3, currentRevision: 'postgres-5d8f9c', updateRevision: 'postgres-5d8f9c' },
  });
  for (const ordinal of [0, 1, 2]) {
    const claim = { metadata: { name: `data-postgres-${ordinal}`, namespace, labels: { app: 'postgres' } }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '100Gi' } } } };
    const volumes = [{ name: 'data', persistentVolumeClaim: { claimName: `data-postgres-${ordinal}` } }];
    if (ordinal === 2 && ready === 2) {
      fake.seed('persistentvolumeclaims', { ...claim, status: { phase: 'Pending' } });
      fake.seed('pods', {
        metadata: { name: 'postgres-2', namespace, labels: { app: 'postgres' }, creationTimestamp: '2026-11-27T09:30:00Z' },
        spec: { ...podTemplate('postgres', 'postgres:16.4').spec, volumes },
        status: {
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.', lastTransitionTime: '2026-11-27T09:30:01Z' },
          ],
        },
      });
      continue;
    }
    fake.seed('persistentvolumeclaims', { ...claim, spec: { ...claim.spec, volumeName: `pvc-9f0${ordinal}` }, status: { phase: 'Bound', capacity: { storage: '100Gi' } } });
    fake.seed('pods', readyPod(namespace, `postgres-${ordinal}`, { app: 'postgres' }, ordinal === 0 && ready === 2 ? NODE_DOWN : NODE_UP, { spec: { volumes } }));
  }
}

function job(namespace: string, name: string, outcome: 'failed' | 'complete', startTime: string, owner?: KubeObject): KubeObject {
  const failed = outcome === 'failed';
  return {
    metadata: {
      name,
      namespace,
      ...(owner === undefined ? {} : { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: owner.metadata.name, uid: owner.metadata.uid, controller: true }] }),
    },
    spec: { backoffLimit: 6, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'task', image: 'shop/tasks:1.9.0' }] } } },
    status: {
      startTime,
      ...(failed ? { failed: 6 } : { succeeded: 1, completionTime: startTime }),
      conditions: [
        failed
          ? { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: startTime }
          : { type: 'Complete', status: 'True', lastTransitionTime: startTime },
      ],
    },
  };
}

/** A CronJob with two finished runs, the newest one `latest`. */
function seedCronJob(fake: FakeKubeApi, namespace: string, latest: 'failed' | 'complete'): void {
  const cronJob = fake.seed('cronjobs', {
    metadata: { name: 'nightly-report', namespace, uid: `cronjob-${namespace}-nightly-report` },
    spec: { schedule: '0 2 * * *', jobTemplate: { spec: { backoffLimit: 6 } } },
    status: { lastScheduleTime: '2026-11-27T02:00:00Z', lastSuccessfulTime: '2026-11-26T02:04:00Z' },
  });
  fake.seed('jobs', job(namespace, 'nightly-report-29399760', latest === 'failed' ? 'complete' : 'failed', '2026-11-26T02:00:00Z', cronJob));
  fake.seed('jobs', job(namespace, 'nightly-report-29401200', latest, '2026-11-27T02:00:00Z', cronJob));
}

function hpa(namespace: string, current: number, limited: boolean): KubeObject {
  return {
    metadata: { name: 'web', namespace },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
    status: {
      currentReplicas: current,
      desiredReplicas: limited ? 14 : current,
      lastScaleTime: '2026-11-27T09:20:00Z',
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
        limited
          ? { type: 'ScalingLimited', status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count', lastTransitionTime: '2026-11-27T09:21:00Z' }
          : { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
      ],
    },
  };
}

/** Namespace `data`: one broken object of each kind, next to healthy ones. */
function seedBroken(fake: FakeKubeApi): void {
  const namespace = 'data';
  fake.seed('nodes', node(NODE_DOWN, 'eu-west-1a', NODE_LOST));
  fake.seed('nodes', node(NODE_UP, 'eu-west-1b', NODE_READY));
  fake.seed('nodes', node(NODE_ELSEWHERE, 'eu-west-1c', NODE_LOST));
  seedWeb(fake, namespace, 10);
  seedPostgres(fake, namespace, 2);
  fake.seed('horizontalpodautoscalers', hpa(namespace, 10, true));
  fake.seed('ingresses', {
    metadata: { name: 'storefront', namespace },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'storefront', port: { number: 80 } } } },
              { path: '/api', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } },
            ],
          },
        },
      ],
    },
  });
  fake.seed('jobs', job(namespace, 'migrate-orders-v42', 'failed', '2026-11-27T08:00:00Z'));
  seedCronJob(fake, namespace, 'failed');
}

/** Namespace `calm`: the same kinds, all healthy (an old failed run of the CronJob included). */
function seedHealthy(fake: FakeKubeApi): void {
  const namespace = 'calm';
  fake.seed('nodes', node(NODE_UP, 'eu-west-1b', NODE_READY));
  seedWeb(fake, namespace, 4);
  seedPostgres(fake, namespace, 3);
  fake.seed('horizontalpodautoscalers', hpa(namespace, 4, false));
  fake.seed('ingresses', {
    metadata: { name: 'storefront', namespace },
    spec: { ingressClassName: 'alb', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  });
  fake.seed('jobs', job(namespace, 'migrate-orders-v42', 'complete', '2026-11-27T08:00:00Z'));
  seedCronJob(fake, namespace, 'complete');
}
