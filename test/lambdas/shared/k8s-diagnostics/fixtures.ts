import type {
  CoreV1Event,
  V1ConfigMap,
  V1Container,
  V1ContainerStatus,
  V1CronJob,
  V1Deployment,
  V1Endpoints,
  V1Ingress,
  V1Job,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

/**
 * A small shop on EKS, as `kubectl get -o json` would show it around an
 * incident at 10:00 UTC: Deployment `web` (namespace `shop`) rolled out
 * revision 5 at 09:52, and its new pods cannot find DATABASE_URL.
 * Builders take overrides so each test states only what it changes.
 */

export const NS = 'shop';
export const ONSET = '2026-03-14T10:00:00.000Z';
export const at = (hhmm: string) => new Date(`2026-03-14T${hhmm}:00Z`);

export const WEB_UID = 'a6c1f0de-5b1e-4c36-9d0e-3e8f1c2b7a10';
export const NEW_RS = 'web-7d9f8c6b5';
export const OLD_RS = 'web-5c8d7f9a1';
const NEW_RS_UID = 'b1f2e3d4-0000-4000-8000-000000000005';
const OLD_RS_UID = 'b1f2e3d4-0000-4000-8000-000000000004';

export function appContainer(overrides: Partial<V1Container> = {}): V1Container {
  return {
    name: 'app',
    image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:2.4.0',
    ports: [{ containerPort: 8080, name: 'http' }],
    env: [
      { name: 'DATABASE_URL', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'DATABASE_URL' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'LOG_LEVEL', value: 'info' },
    ],
    envFrom: [{ configMapRef: { name: 'app-config' } }, { prefix: 'FEATURE_', configMapRef: { name: 'feature-flags' } }],
    resources: { limits: { memory: '512Mi', cpu: '500m' }, requests: { memory: '256Mi', cpu: '250m' } },
    ...overrides,
  };
}

export function deployment(overrides: { containers?: V1Container[]; status?: V1Deployment['status']; replicas?: number; revision?: string; name?: string } = {}): V1Deployment {
  const name = overrides.name ?? 'web';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: NS,
      uid: name === 'web' ? WEB_UID : `${name}-uid`,
      generation: 5,
      annotations: { 'deployment.kubernetes.io/revision': overrides.revision ?? '5' },
      labels: { app: name },
    },
    spec: {
      replicas: overrides.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: overrides.containers ?? [appContainer(), { name: 'proxy', image: 'envoyproxy/envoy:v1.31.0' }] },
      },
    },
    status: overrides.status ?? {
      observedGeneration: 5,
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      updatedReplicas: 3,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastTransitionTime: at('08:00') },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${NEW_RS}" has successfully progressed.`, lastTransitionTime: at('09:53') },
      ],
    },
  };
}

export const stuckStatus: V1Deployment['status'] = {
  observedGeneration: 5,
  replicas: 4,
  readyReplicas: 2,
  availableReplicas: 2,
  updatedReplicas: 2,
  unavailableReplicas: 2,
  conditions: [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastTransitionTime: at('08:00') },
    {
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "${NEW_RS}" has timed out progressing.`,
      lastUpdateTime: at('10:02'),
      lastTransitionTime: at('10:02'),
    },
  ],
};

export function replicaSet(name: string, revision: number, overrides: Partial<V1ReplicaSet> = {}): V1ReplicaSet {
  const hash = name.slice(name.lastIndexOf('-') + 1);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: NS,
      uid: revision === 5 ? NEW_RS_UID : revision === 4 ? OLD_RS_UID : `rs-${revision}`,
      annotations: { 'deployment.kubernetes.io/revision': String(revision), 'deployment.kubernetes.io/desired-replicas': '3' },
      labels: { app: 'web', 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: WEB_UID, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } } },
    status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, fullyLabeledReplicas: 3 },
    ...overrides,
  };
}

export const replicaSets = (): V1ReplicaSet[] => [replicaSet(NEW_RS, 5), replicaSet(OLD_RS, 4, { spec: { replicas: 0, selector: { matchLabels: { app: 'web' } } } })];

function running(name: string, startedAt: Date): V1ContainerStatus {
  return {
    name,
    image: name === 'app' ? '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:2.4.0' : 'envoyproxy/envoy:v1.31.0',
    imageID: `sha256:${name}`,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt } },
  };
}

/** A pod of `web`; `app` is the status of the app container (the proxy runs). */
export function pod(name: string, app: Partial<V1ContainerStatus> = {}, overrides: { phase?: string; ready?: boolean; replicaSet?: string; labels?: Record<string, string> } = {}): V1Pod {
  const replicaSetName = overrides.replicaSet ?? NEW_RS;
  const ready = overrides.ready ?? (app.ready ?? true);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      uid: `pod-${name}`,
      creationTimestamp: at('09:52'),
      labels: overrides.labels ?? { app: 'web', 'pod-template-hash': replicaSetName.slice(replicaSetName.lastIndexOf('-') + 1) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: replicaSetName, uid: replicaSetName === NEW_RS ? NEW_RS_UID : OLD_RS_UID, controller: true }],
    },
    spec: { nodeName: 'ip-10-0-1-23.eu-west-1.compute.internal', containers: [appContainer(), { name: 'proxy', image: 'envoyproxy/envoy:v1.31.0' }] },
    status: {
      phase: overrides.phase ?? 'Running',
      startTime: at('09:52'),
      podIP: '10.0.1.57',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: at('09:52') },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at('09:53'), ...(ready ? {} : { reason: 'ContainersNotReady' }) },
      ],
      containerStatuses: [{ ...running('app', at('09:52')), ...app }, running('proxy', at('09:52'))],
    },
  };
}

export const healthyPod = (name = `${NEW_RS}-h7x2q`) => pod(name);

export const crashLoopPod = (name = `${NEW_RS}-x2k4p`) =>
  pod(name, {
    ready: false,
    started: false,
    restartCount: 6,
    state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 2m40s restarting failed container=app pod=${name}_shop(pod-${name})` } },
    lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: at('09:58'), finishedAt: at('09:58'), containerID: 'containerd://1a2b' } },
  });

export const oomPod = (name = `${NEW_RS}-m9v3z`) =>
  pod(name, {
    ready: false,
    restartCount: 4,
    state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=app' } },
    lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: at('09:57'), finishedAt: at('09:59') } },
  });

export const recoveredOomPod = (name = `${NEW_RS}-r2d2a`) =>
  pod(name, {
    ready: true,
    restartCount: 1,
    state: { running: { startedAt: at('09:40') } },
    lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: at('08:10'), finishedAt: at('09:39') } },
  });

export const imagePullPod = (name = `${NEW_RS}-p8q1w`) =>
  pod(name, {
    ready: false,
    image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:2.4.1-typo',
    state: {
      waiting: {
        reason: 'ImagePullBackOff',
        message: 'Back-off pulling image "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:2.4.1-typo"',
      },
    },
  });

export const configErrorPod = (name = `${NEW_RS}-c4f7t`) =>
  pod(name, {
    ready: false,
    started: false,
    state: { waiting: { reason: 'CreateContainerConfigError', message: "couldn't find key DATABASE_URL in ConfigMap shop/app-config" } },
  });

export const pendingPod = (name = `${NEW_RS}-s5n6b`): V1Pod => {
  const base = pod(name);
  return {
    ...base,
    spec: { containers: base.spec?.containers ?? [] },
    status: {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
          lastTransitionTime: at('09:55'),
        },
      ],
    },
  };
};

export const completedPod = (): V1Pod => ({
  ...pod('migrate-29551234-7kq2f', {}, { labels: { 'job-name': 'migrate-29551234' } }),
  status: { phase: 'Succeeded', containerStatuses: [{ ...running('app', at('09:00')), ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
});

export function event(
  kind: string,
  name: string,
  reason: string,
  message: string,
  overrides: { type?: string; count?: number; first?: string; last?: string; namespace?: string } = {},
): CoreV1Event {
  const namespace = overrides.namespace ?? (kind === 'Node' ? 'default' : NS);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${reason.toLowerCase()}`, namespace },
    involvedObject: { kind, name, namespace: kind === 'Node' ? undefined : namespace, apiVersion: 'v1' },
    reason,
    message,
    type: overrides.type ?? 'Warning',
    count: overrides.count ?? 1,
    firstTimestamp: at(overrides.first ?? '09:55'),
    lastTimestamp: at(overrides.last ?? overrides.first ?? '09:59'),
    source: { component: kind === 'Pod' ? 'kubelet' : `${kind.toLowerCase()}-controller` },
  };
}

export function configMap(name: string, data: Record<string, string>): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, resourceVersion: '81234' }, data };
}

export function service(name: string, selector: Record<string, string> | undefined, ports = [{ name: 'http', port: 80, targetPort: 8080 }]): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { type: 'ClusterIP', clusterIP: '172.20.14.9', ...(selector === undefined ? {} : { selector }), ports: ports.map((port) => ({ protocol: 'TCP', ...port })) },
  };
}

export function endpoints(name: string, ready: string[], notReady: string[] = []): V1Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: NS, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-03-14T09:56:10Z' } },
    subsets:
      ready.length === 0 && notReady.length === 0
        ? []
        : [
            {
              ...(ready.length === 0 ? {} : { addresses: ready.map((ip) => ({ ip })) }),
              ...(notReady.length === 0 ? {} : { notReadyAddresses: notReady.map((ip) => ({ ip })) }),
              ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
            },
          ],
  };
}

export function ingress(backends: Array<{ service: string; port: number | string }>): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: NS, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' } },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: backends.map((backend, index) => ({
              path: index === 0 ? '/' : `/api${index}`,
              pathType: 'Prefix',
              backend: { service: { name: backend.service, port: typeof backend.port === 'number' ? { number: backend.port } : { name: backend.port } } },
            })),
          },
        },
      ],
    },
  };
}

export function pvc(name: string, phase: string): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS, creationTimestamp: at('09:50') },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '20Gi' } } },
    status: { phase, ...(phase === 'Bound' ? { capacity: { storage: '20Gi' } } : {}) },
  };
}

export function node(name: string, conditions: Partial<Record<'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure', string>> = {}): V1Node {
  const status = (type: string, fallback: string) => (conditions as Record<string, string>)[type] ?? fallback;
  const condition = (type: string, value: string, reason: string, message: string) => ({
    type,
    status: value,
    reason,
    message,
    lastHeartbeatTime: at('09:59'),
    lastTransitionTime: at('09:57'),
  });
  const ready = status('Ready', 'True');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'topology.kubernetes.io/zone': 'eu-west-1a', 'node.kubernetes.io/instance-type': 'm6i.large', 'eks.amazonaws.com/nodegroup': 'general' },
    },
    spec: { providerID: `aws:///eu-west-1a/i-0abc${name.length}` },
    status: {
      conditions: [
        condition('MemoryPressure', status('MemoryPressure', 'False'), status('MemoryPressure', 'False') === 'True' ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory', status('MemoryPressure', 'False') === 'True' ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available'),
        condition('DiskPressure', status('DiskPressure', 'False'), status('DiskPressure', 'False') === 'True' ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure', status('DiskPressure', 'False') === 'True' ? 'kubelet has disk pressure' : 'kubelet has no disk pressure'),
        condition('PIDPressure', status('PIDPressure', 'False'), 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready === 'True'
          ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : condition('Ready', ready, 'NodeStatusUnknown', 'Kubelet stopped posting node status.'),
      ],
    },
  };
}

export function hpa(current: number, limited: boolean, max = 10): V2HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 3,
      maxReplicas: max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
    status: {
      currentReplicas: current,
      desiredReplicas: limited ? max : current,
      lastScaleTime: at('09:45'),
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
        limited
          ? { type: 'ScalingLimited', status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count', lastTransitionTime: at('09:47') }
          : { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range', lastTransitionTime: at('08:00') },
      ],
    },
  };
}

export function job(name: string, outcome: 'failed' | 'complete' | 'running' | 'retrying', overrides: { cronJob?: string; started?: string; backoffLimit?: number; failed?: number } = {}): V1Job {
  const conditions =
    outcome === 'failed'
      ? [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: at(overrides.started ?? '09:30') }]
      : outcome === 'complete'
        ? [{ type: 'Complete', status: 'True', lastTransitionTime: at(overrides.started ?? '09:30') }]
        : [];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: NS,
      uid: `job-${name}`,
      creationTimestamp: at(overrides.started ?? '09:00'),
      ...(overrides.cronJob === undefined
        ? {}
        : { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: overrides.cronJob, uid: `cron-${overrides.cronJob}`, controller: true }] }),
    },
    spec: { backoffLimit: overrides.backoffLimit ?? 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'shop/migrate:1.9' }] } } },
    status: {
      startTime: at(overrides.started ?? '09:00'),
      failed: overrides.failed ?? (outcome === 'failed' ? 3 : 0),
      ...(outcome === 'complete' ? { succeeded: 1, completionTime: at(overrides.started ?? '09:30') } : {}),
      ...(outcome === 'running' || outcome === 'retrying' ? { active: 1 } : {}),
      conditions,
    },
  };
}

export function jobPod(jobName: string, exitCode: number): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${jobName}-q7w2e`,
      namespace: NS,
      creationTimestamp: at('09:20'),
      labels: { 'job-name': jobName },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: `job-${jobName}`, controller: true }],
    },
    spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'shop/migrate:1.9' }] },
    status: {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      startTime: at('09:20'),
      containerStatuses: [
        {
          name: 'migrate',
          image: 'shop/migrate:1.9',
          imageID: 'sha256:migrate',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: at('09:20'), finishedAt: at('09:21') } },
        },
      ],
    },
  };
}

export function cronJob(name: string): V1CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NS, uid: `cron-${name}` },
    spec: { schedule: '*/30 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'shop/migrate:1.9' }] } } } } },
    status: { lastScheduleTime: at('09:30'), lastSuccessfulTime: at('08:00') },
  };
}

export function statefulSet(ready: number, replicas = 3): V1StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'redis', namespace: NS },
    spec: {
      replicas,
      serviceName: 'redis',
      selector: { matchLabels: { app: 'redis' } },
      template: { metadata: { labels: { app: 'redis' } }, spec: { containers: [{ name: 'redis', image: 'redis:7.2' }] } },
    },
    status: { replicas, readyReplicas: ready, currentReplicas: replicas, currentRevision: 'redis-6f8b9c', updateRevision: 'redis-6f8b9c' },
  };
}

/** The previous container log of a pod that cannot find DATABASE_URL (Python). */
export const pythonKeyErrorLog = [
  '2026-03-14 09:58:02,114 INFO Starting shop-web 2.4.0',
  'Traceback (most recent call last):',
  '  File "/app/web/settings.py", line 12, in <module>',
  "    DATABASE_URL = os.environ['DATABASE_URL']",
  '  File "<frozen os>", line 714, in __getitem__',
  "KeyError: 'DATABASE_URL'",
];
