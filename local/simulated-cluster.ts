import { createHash } from 'node:crypto';
import { type Cluster, ResourceNotFoundException } from '@aws-sdk/client-eks';
import * as z from 'zod';
import { type FakeKubeApi, type KubeObject, type Resource, sameTemplate, startFakeKubeApi, templateHash } from './fake-kube-api.js';
import { loopbackTls } from './loopback-tls.js';

/**
 * An EKS cluster in the simulated world: fixtures written compactly in the
 * scenario, served by a fake Kubernetes API server on loopback (https, with
 * the cluster's own CA, behind an EKS-style bearer token check) once the
 * world starts, and a small model of what the pods do.
 *
 * Pod health physics: when a Deployment rolls out a pod template, its pods
 * start and read their environment; the template is unhealthy if an image
 * is in `brokenImages` (the process panics), if the environment lacks a
 * variable the image needs (`valueFrom.configMapKeyRef` to a key the
 * ConfigMap does not hold, or a `requiredKeys` entry no env or envFrom
 * source provides; the process exits), or if an `envFrom` ConfigMap is
 * missing altogether (the kubelet cannot create the container). Running
 * pods keep the environment they started with: patching a ConfigMap heals
 * nothing until the next rollout (a rollback or a restart annotation),
 * which reads the ConfigMap as it is then.
 */

// ---- fixtures -------------------------------------------------------------------------------

const ConfigMapKeyRefSchema = z.object({ name: z.string(), key: z.string(), optional: z.boolean().optional() });

const EnvVarSchema = z
  .object({
    name: z.string(),
    value: z.string().optional(),
    valueFrom: z.object({ configMapKeyRef: ConfigMapKeyRefSchema }).optional(),
  })
  .refine((env) => (env.value === undefined) !== (env.valueFrom === undefined), 'an env entry has either value or valueFrom');

const EnvFromSchema = z.object({
  configMapRef: z.object({ name: z.string(), optional: z.boolean().optional() }),
  prefix: z.string().optional(),
});

/** One revision of a Deployment's single container. */
const RevisionSchema = z.object({
  image: z.string(),
  env: z.array(EnvVarSchema).default([]),
  envFrom: z.array(EnvFromSchema).default([]),
  /**
   * Environment variables this image needs at start (for `envFrom`, the
   * ConfigMap key with its prefix); a missing one makes the process exit.
   * They belong to the image: every revision running it needs them.
   */
  requiredKeys: z.array(z.string()).default([]),
});

export const WorldDeploymentSchema = RevisionSchema.extend({
  namespace: z.string().default('default'),
  name: z.string(),
  /** @default the Deployment's name */
  containerName: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  replicas: z.number().int().min(0).default(2),
  paused: z.boolean().default(false),
  /** Earlier revisions, oldest first: each gets a ReplicaSet, the live template is the last revision. */
  history: z.array(RevisionSchema).default([]),
  /** When the live revision rolled out; crash-looping pods have restarted since. */
  rolledOutMinutesAgo: z.number().min(0).default(10),
});
export type WorldDeployment = z.infer<typeof WorldDeploymentSchema>;

export const WorldConfigMapSchema = z.object({
  namespace: z.string().default('default'),
  name: z.string(),
  data: z.record(z.string(), z.string()).default({}),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  immutable: z.boolean().optional(),
});
export type WorldConfigMap = z.infer<typeof WorldConfigMapSchema>;

export const WorldClusterSchema = z.object({
  name: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/),
  version: z.string().default('1.31'),
  /** The log group the pods' stdout and stderr go to (Container Insights: `/aws/containerinsights/NAME/application`). */
  logGroupName: z.string().optional(),
  deployments: z.array(WorldDeploymentSchema).default([]),
  configMaps: z.array(WorldConfigMapSchema).default([]),
  /** Images whose process panics at start. */
  brokenImages: z.array(z.string()).default([]),
});
export type WorldCluster = z.infer<typeof WorldClusterSchema>;

// ---- health ---------------------------------------------------------------------------------

/** What the pods of a rollout do. */
export type PodHealth =
  | { readonly healthy: true }
  | {
      readonly healthy: false;
      /** The container's waiting reason. */
      readonly reason: 'CrashLoopBackOff' | 'CreateContainerConfigError';
      readonly container: string;
      readonly image: string;
      /** The kubelet's message (CreateContainerConfigError), or why the process exits. */
      readonly message: string;
      /** What the failing process prints before it exits (none when it never starts). */
      readonly output: readonly string[];
    };

interface Rollout {
  /** The pod template the running pods were made from. */
  readonly template: KubeObject;
  readonly hash: string;
  readonly replicaSet: string;
  readonly replicas: number;
  readonly health: PodHealth;
  /** Epoch ms the pods started. */
  readonly since: number;
}

type ConfigMapLookup = (namespace: string, name: string) => KubeObject | undefined;

const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';
/** Backoff between crash-loop restarts: 10 s, doubling, at most 5 minutes. */
const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
/** Progress deadline of a Deployment (`progressDeadlineSeconds` default). */
const PROGRESS_DEADLINE_MS = 600_000;

/** The moments (ms after start) a crash-looping container exits, up to `elapsed`. */
function crashTimes(elapsed: number): number[] {
  const times = [0];
  for (let at = 0, backoff = BACKOFF_START_MS; at + backoff <= elapsed; backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)) {
    at += backoff;
    times.push(at);
  }
  return times;
}

/** Restarts of a crash-looping container `elapsed` ms after its pod started (at least one: the loop has begun). */
export function restartsAfter(elapsed: number): number {
  return Math.max(1, crashTimes(elapsed).length - 1);
}

/** The health of pods started from this template with the ConfigMaps as `configMap` finds them now. */
export function evaluateTemplate(template: KubeObject, namespace: string, configMap: ConfigMapLookup, brokenImages: readonly string[], requiredKeys: (image: string) => readonly string[]): PodHealth {
  for (const container of (template.spec?.containers ?? []) as KubeObject[]) {
    const name = String(container.name ?? '');
    const image = String(container.image ?? '');
    const failing = (reason: 'CrashLoopBackOff' | 'CreateContainerConfigError', message: string, output: string[] = []): PodHealth => ({
      healthy: false,
      reason,
      container: name,
      image,
      message,
      output,
    });
    // The kubelet builds the environment before the container starts.
    const environment = new Map<string, string>();
    for (const source of (container.envFrom ?? []) as KubeObject[]) {
      const ref = source.configMapRef as { name: string; optional?: boolean } | undefined;
      if (ref === undefined) continue;
      const found = configMap(namespace, ref.name);
      if (found === undefined) {
        if (ref.optional === true) continue;
        return failing('CreateContainerConfigError', `configmap "${ref.name}" not found`);
      }
      for (const [key, value] of Object.entries((found.data ?? {}) as Record<string, string>)) environment.set(`${source.prefix ?? ''}${key}`, value);
    }
    const unset: string[] = [];
    for (const variable of (container.env ?? []) as KubeObject[]) {
      if (variable.value !== undefined) {
        environment.set(variable.name, String(variable.value));
        continue;
      }
      const ref = variable.valueFrom?.configMapKeyRef as { name: string; key: string; optional?: boolean } | undefined;
      if (ref === undefined) continue;
      const found = configMap(namespace, ref.name);
      if (found === undefined && ref.optional !== true) return failing('CreateContainerConfigError', `configmap "${ref.name}" not found`);
      const data = (found?.data ?? {}) as Record<string, string>;
      if (Object.hasOwn(data, ref.key)) environment.set(variable.name, data[ref.key]!);
      else if (ref.optional !== true) unset.push(variable.name);
      else environment.delete(variable.name);
    }
    if (brokenImages.includes(image)) {
      return failing('CrashLoopBackOff', `${image} panics at start`, [
        'panic: dial tcp 10.0.3.17:5432: connect: connection refused',
        'goroutine 1 [running]:',
      ]);
    }
    const missing = [...unset, ...requiredKeys(image).filter((key) => !environment.has(key) && !unset.includes(key))];
    if (missing.length > 0) {
      const variable = missing[0]!;
      return failing('CrashLoopBackOff', `environment variable ${variable} is not set`, [
        `starting ${name} (${image})`,
        `Error: environment variable ${variable} is not set`,
      ]);
    }
  }
  return { healthy: true };
}

// ---- objects --------------------------------------------------------------------------------

function podTemplateOf(deployment: WorldDeployment, revision: z.infer<typeof RevisionSchema>): KubeObject {
  const container: KubeObject = {
    name: deployment.containerName ?? deployment.name,
    image: revision.image,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
  };
  // Only fields client-node knows, so a template read and written back by the executors is the same template.
  if (revision.envFrom.length > 0) container.envFrom = structuredClone(revision.envFrom);
  if (revision.env.length > 0) container.env = structuredClone(revision.env);
  return {
    metadata: { labels: { app: deployment.name } },
    spec: { containers: [container], restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
  };
}

function suffix(seed: string, length = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(seed).digest();
  return Array.from({ length }, (_, index) => alphabet[digest[index]! % alphabet.length]).join('');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The pods a rollout runs, as the API server lists them. */
function podsOf(namespace: string, deploymentName: string, rollout: Rollout, replicaSetUid: string, now: number): KubeObject[] {
  const labels = { ...(rollout.template.metadata?.labels ?? {}), [HASH_LABEL]: rollout.hash };
  const started = iso(rollout.since);
  return Array.from({ length: rollout.replicas }, (_, index) => {
    const name = `${deploymentName}-${rollout.hash}-${suffix(`${rollout.hash}/${rollout.since}/${index}`)}`;
    const containers = (rollout.template.spec?.containers ?? []) as KubeObject[];
    const health = rollout.health;
    const containerStatuses = containers.map((container) => {
      const base = { name: container.name, image: container.image, imageID: `${container.image}@sha256:${createHash('sha256').update(String(container.image)).digest('hex')}`, containerID: `containerd://${suffix(`${name}/${container.name}`, 32)}` };
      if (health.healthy || health.container !== container.name) {
        return { ...base, ready: true, started: true, restartCount: 0, state: { running: { startedAt: started } } };
      }
      if (health.reason === 'CreateContainerConfigError') {
        return { name: container.name, image: container.image, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: health.reason, message: health.message } } };
      }
      const crashes = crashTimes(Math.max(0, now - rollout.since));
      const lastCrash = rollout.since + crashes.at(-1)!;
      return {
        ...base,
        ready: false,
        started: false,
        restartCount: restartsAfter(now - rollout.since),
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${container.name} pod=${name}_${namespace}(uid-${name})` } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: iso(Math.max(rollout.since, lastCrash - 1_000)), finishedAt: iso(lastCrash), containerID: base.containerID } },
      };
    });
    const ready = health.healthy;
    return {
      metadata: {
        name,
        namespace,
        labels,
        uid: `uid-${name}`,
        creationTimestamp: started,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rollout.replicaSet, uid: replicaSetUid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...structuredClone(rollout.template.spec), nodeName: `ip-10-0-${1 + (index % 3)}-${20 + index}.ec2.internal` },
      status: {
        phase: !health.healthy && health.reason === 'CreateContainerConfigError' ? 'Pending' : 'Running',
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: started },
          { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: started, ...(ready ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${health.healthy ? '' : health.container}]` }) },
          { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: started, ...(ready ? {} : { reason: 'ContainersNotReady' }) },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: started },
        ],
        hostIP: `10.0.${1 + (index % 3)}.${20 + index}`,
        podIP: `10.0.${100 + (index % 3)}.${10 + index}`,
        startTime: started,
        containerStatuses,
      },
    };
  });
}

/** The Deployment's status as its controller would report it for this rollout. */
function deploymentStatus(generation: number, rollout: Rollout, now: number): KubeObject {
  const healthy = rollout.health.healthy;
  const replicas = rollout.replicas;
  const overdue = now - rollout.since >= PROGRESS_DEADLINE_MS;
  const at = iso(rollout.since);
  return {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    ...(healthy ? { readyReplicas: replicas, availableReplicas: replicas } : { unavailableReplicas: replicas }),
    conditions: [
      {
        type: 'Available',
        status: healthy || replicas === 0 ? 'True' : 'False',
        reason: healthy || replicas === 0 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: healthy || replicas === 0 ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
        lastUpdateTime: at,
        lastTransitionTime: at,
      },
      healthy
        ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rollout.replicaSet}" has successfully progressed.`, lastUpdateTime: at, lastTransitionTime: at }
        : overdue
          ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rollout.replicaSet}" has timed out progressing.`, lastUpdateTime: at, lastTransitionTime: at }
          : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rollout.replicaSet}" is progressing.`, lastUpdateTime: at, lastTransitionTime: at },
    ],
  };
}

// ---- the cluster ----------------------------------------------------------------------------

/** A log line of the cluster's container log group. */
export interface ContainerLogEvent {
  readonly timestamp: number;
  readonly logStreamName: string;
  readonly message: string;
}

/**
 * Is this an EKS bearer token for the world's region, as the API server's
 * authenticator would accept it: `k8s-aws-v1.` + base64url of a presigned
 * STS GetCallerIdentity URL that signs the `x-k8s-aws-id` header, dated
 * within the last 15 minutes. (The signature itself is not checked.)
 */
export function isEksToken(authorization: string | undefined, region: string, now = Date.now()): boolean {
  const prefix = 'Bearer k8s-aws-v1.';
  if (authorization === undefined || !authorization.startsWith(prefix)) return false;
  let url: URL;
  try {
    url = new URL(Buffer.from(authorization.slice(prefix.length), 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  const query = url.searchParams;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get('X-Amz-Date') ?? '');
  if (date === null) return false;
  const signedAt = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), Number(date[4]), Number(date[5]), Number(date[6]));
  return (
    url.protocol === 'https:' &&
    url.hostname === `sts.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}` &&
    query.get('Action') === 'GetCallerIdentity' &&
    (query.get('X-Amz-SignedHeaders') ?? '').split(';').includes('x-k8s-aws-id') &&
    query.get('X-Amz-Signature') !== null &&
    Math.abs(now - signedAt) <= 15 * 60_000
  );
}

export class SimulatedCluster {
  readonly name: string;
  readonly logGroupName?: string;
  private readonly version: string;
  private readonly brokenImages: readonly string[];
  private readonly requirements = new Map<string, Set<string>>();
  /** The objects the cluster starts with, until the API server holds them. */
  private readonly seeds = new Map<string, { resource: Resource; object: KubeObject }>();
  private readonly rollouts = new Map<string, Rollout>();
  private readonly createdAt: Date;
  private server?: { api: FakeKubeApi; caPem: string };
  private listeners: (() => void)[] = [];

  constructor(
    config: WorldCluster,
    private readonly region: string,
    private readonly account: string,
    now = Date.now(),
  ) {
    this.name = config.name;
    if (config.logGroupName !== undefined) this.logGroupName = config.logGroupName;
    this.version = config.version;
    this.brokenImages = [...config.brokenImages];
    this.createdAt = new Date(now - 86_400_000);
    for (const deployment of config.deployments) {
      for (const revision of [...deployment.history, deployment]) {
        const keys = this.requirements.get(revision.image) ?? new Set<string>();
        for (const key of revision.requiredKeys) keys.add(key);
        this.requirements.set(revision.image, keys);
      }
    }
    for (const configMap of config.configMaps) {
      this.seed('configmaps', {
        metadata: { name: configMap.name, namespace: configMap.namespace, labels: { ...configMap.labels }, annotations: { ...configMap.annotations } },
        data: { ...configMap.data },
        ...(configMap.immutable === undefined ? {} : { immutable: configMap.immutable }),
      });
    }
    for (const deployment of config.deployments) this.seedDeployment(deployment, now);
  }

  private static key(resource: Resource, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  private seed(resource: Resource, object: KubeObject): void {
    const key = SimulatedCluster.key(resource, object.metadata.namespace, object.metadata.name);
    if (this.seeds.has(key)) throw new Error(`cluster ${this.name} declares ${key} twice`);
    this.seeds.set(key, { resource, object });
  }

  private seedDeployment(deployment: WorldDeployment, now: number): void {
    const { namespace, name } = deployment;
    const uid = `uid-deployment-${this.name}-${namespace}-${name}`;
    const revisions = [...deployment.history, deployment];
    const live = revisions.length;
    const replicaSets = new Map<string, { revision: number; template: KubeObject }>();
    revisions.forEach((revision, index) => {
      const template = podTemplateOf(deployment, revision);
      // The same template twice is one ReplicaSet, at its latest revision.
      replicaSets.set(templateHash(template), { revision: index + 1, template });
    });
    const liveTemplate = podTemplateOf(deployment, deployment);
    const liveHash = templateHash(liveTemplate);
    for (const [hash, { revision, template }] of replicaSets) {
      const labels = { ...template.metadata.labels, [HASH_LABEL]: hash };
      this.seed('replicasets', {
        metadata: {
          name: `${name}-${hash}`,
          namespace,
          uid: `${uid}-rs-${hash}`,
          labels,
          annotations: { [REVISION]: String(revision) },
          // The live revision rolled out `rolledOutMinutesAgo`; each earlier one a day before the next.
          creationTimestamp: iso(now - deployment.rolledOutMinutesAgo * 60_000 - (live - revision) * 86_400_000),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          replicas: hash === liveHash ? deployment.replicas : 0,
          selector: { matchLabels: { app: name, [HASH_LABEL]: hash } },
          template: { ...structuredClone(template), metadata: { ...template.metadata, labels } },
        },
        status: hash === liveHash ? { replicas: deployment.replicas, observedGeneration: 1 } : { replicas: 0, observedGeneration: 1 },
      });
    }
    const since = now - deployment.rolledOutMinutesAgo * 60_000;
    const rollout: Rollout = {
      template: liveTemplate,
      hash: liveHash,
      replicaSet: `${name}-${liveHash}`,
      replicas: deployment.replicas,
      health: this.evaluate(liveTemplate, namespace),
      since,
    };
    this.rollouts.set(`${namespace}/${name}`, rollout);
    for (const pod of podsOf(namespace, name, rollout, `${uid}-rs-${liveHash}`, now)) this.seed('pods', pod);
    this.seed('deployments', {
      metadata: {
        name,
        namespace,
        uid,
        generation: live,
        labels: { app: name, ...deployment.labels },
        annotations: { ...deployment.annotations, [REVISION]: String(replicaSets.get(liveHash)!.revision) },
        creationTimestamp: iso(this.createdAt.getTime()),
      },
      spec: {
        replicas: deployment.replicas,
        selector: { matchLabels: { app: name } },
        template: liveTemplate,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: PROGRESS_DEADLINE_MS / 1000,
        ...(deployment.paused ? { paused: true } : {}),
      },
      status: deploymentStatus(live, rollout, now),
    });
  }

  private evaluate(template: KubeObject, namespace: string): PodHealth {
    return evaluateTemplate(
      template,
      namespace,
      (ns, name) => this.object('configmaps', ns, name),
      this.brokenImages,
      (image) => [...(this.requirements.get(image) ?? [])],
    );
  }

  /** A copy of an object as the cluster holds it now. */
  object(resource: Resource, namespace: string, name: string): KubeObject | undefined {
    if (this.server !== undefined) return this.server.api.get(resource, namespace, name);
    const seeded = this.seeds.get(SimulatedCluster.key(resource, namespace, name));
    return seeded === undefined ? undefined : structuredClone(seeded.object);
  }

  /** Pods of a namespace as the cluster holds them now. */
  pods(namespace: string): KubeObject[] {
    if (this.server !== undefined) return this.server.api.list('pods', namespace);
    return [...this.seeds.values()].filter((seed) => seed.resource === 'pods' && seed.object.metadata.namespace === namespace).map((seed) => structuredClone(seed.object));
  }

  /** Called after every change to the cluster's objects. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The fake API server, once started. */
  get api(): FakeKubeApi {
    if (this.server === undefined) throw new Error(`cluster ${this.name} is not started: call world.start() first`);
    return this.server.api;
  }

  get started(): boolean {
    return this.server !== undefined;
  }

  /** Starts the cluster's API server (https, its own CA, EKS tokens only) and loads the objects into it. */
  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const tls = loopbackTls();
    const api = await startFakeKubeApi({ tls: { cert: tls.certPem, key: tls.keyPem }, authenticate: (authorization) => isEksToken(authorization, this.region) });
    for (const { resource, object } of this.seeds.values()) api.seed(resource, object);
    api.onWrite((write) => {
      if (write.resource === 'deployments') this.reconcile(write.namespace, write.name);
      for (const listener of this.listeners) listener();
    });
    this.server = { api, caPem: tls.caPem };
  }

  /** Stops the API server; the objects as they ended stay readable through the helpers. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    // Objects are only ever seeded into the namespaces the fixtures use.
    const namespaces = new Set([...this.seeds.values()].map((seed) => String(seed.object.metadata.namespace)));
    this.seeds.clear();
    for (const resource of ['configmaps', 'deployments', 'replicasets', 'pods'] as const) {
      for (const namespace of namespaces) {
        for (const object of server.api.list(resource, namespace)) this.seeds.set(SimulatedCluster.key(resource, namespace, object.metadata.name), { resource, object });
      }
    }
    this.server = undefined;
    await server.api.stop();
  }

  /** DescribeCluster's view: ACTIVE with an https endpoint and its CA once started, CREATING before. */
  describe(): Cluster {
    const arn = `arn:aws:eks:${this.region}:${this.account}:cluster/${this.name}`;
    return {
      name: this.name,
      arn,
      createdAt: this.createdAt,
      version: this.version,
      roleArn: `arn:aws:iam::${this.account}:role/${this.name}-cluster-role`,
      platformVersion: 'eks.1',
      status: this.server === undefined ? 'CREATING' : 'ACTIVE',
      ...(this.server === undefined
        ? {}
        : { endpoint: this.server.api.url, certificateAuthority: { data: Buffer.from(this.server.caPem, 'utf8').toString('base64') } }),
      accessConfig: { authenticationMode: 'API' },
      kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
      tags: {},
    };
  }

  /** The Deployment controller (the fake's) rolled out a new template: start new pods, which read the ConfigMaps now. */
  private reconcile(namespace: string, name: string, now = Date.now()): void {
    const api = this.api;
    const deployment = api.get('deployments', namespace, name);
    const key = `${namespace}/${name}`;
    const previous = this.rollouts.get(key);
    if (deployment === undefined || previous === undefined) return;
    const replicas = Number(deployment.spec?.replicas ?? 1);
    const templateChanged = !sameTemplate(deployment.spec?.template, previous.template);
    // A paused Deployment rolls nothing out until it is resumed.
    if (deployment.spec?.paused === true || (!templateChanged && replicas === previous.replicas)) return;
    const owned = api
      .list('replicasets', namespace)
      .filter((replicaSet) => (replicaSet.metadata.ownerReferences ?? []).some((owner: KubeObject) => owner.uid === deployment.metadata.uid && owner.controller === true));
    const current = owned.find((replicaSet) => sameTemplate(replicaSet.spec?.template, deployment.spec?.template));
    if (current === undefined) return;
    const rollout: Rollout = templateChanged
      ? {
          template: structuredClone(deployment.spec.template),
          hash: current.metadata.labels?.[HASH_LABEL] ?? templateHash(deployment.spec.template),
          replicaSet: current.metadata.name,
          replicas,
          health: this.evaluate(deployment.spec.template, namespace),
          since: now,
        }
      : { ...previous, replicas };
    this.rollouts.set(key, rollout);
    for (const replicaSet of owned) {
      const mine = replicaSet.metadata.name === current.metadata.name;
      api.update('replicasets', namespace, replicaSet.metadata.name, (object) => {
        object.spec.replicas = mine ? replicas : 0;
        object.status = { replicas: mine ? replicas : 0, ...(mine && rollout.health.healthy ? { readyReplicas: replicas, availableReplicas: replicas } : {}) };
      });
    }
    for (const pod of api.list('pods', namespace)) {
      if (owned.some((replicaSet) => replicaSet.metadata.uid === pod.metadata.ownerReferences?.[0]?.uid)) api.remove('pods', namespace, pod.metadata.name);
    }
    for (const pod of podsOf(namespace, name, rollout, current.metadata.uid, now)) api.seed('pods', pod);
    api.update('deployments', namespace, name, (object) => {
      object.status = deploymentStatus(object.metadata.generation ?? 1, rollout, now);
    });
  }

  // ---- what the world reads -----------------------------------------------------------------

  private requireRollout(namespace: string, name: string): Rollout {
    const rollout = this.rollouts.get(`${namespace}/${name}`);
    if (rollout === undefined) throw new Error(`cluster ${this.name} has no Deployment ${namespace}/${name}`);
    return rollout;
  }

  hasDeployment(namespace: string, name: string): boolean {
    return this.rollouts.has(`${namespace}/${name}`);
  }

  /** What the Deployment's running pods do. */
  health(namespace: string, name: string): PodHealth & { readonly replicas: number; readonly since: Date } {
    const rollout = this.requireRollout(namespace, name);
    return { ...rollout.health, replicas: rollout.replicas, since: new Date(rollout.since) };
  }

  /** Container restarts per minute across the Deployment's pods at `at` (0 before the rollout and while healthy). */
  restartsPerMinute(namespace: string, name: string, at = Date.now()): number {
    const rollout = this.requireRollout(namespace, name);
    if (rollout.health.healthy || at < rollout.since) return 0;
    // A container that never starts is not restarted; it still counts as one failing container per pod.
    if (rollout.health.reason === 'CreateContainerConfigError') return rollout.replicas;
    const elapsed = at - rollout.since;
    const inLastMinute = crashTimes(elapsed).filter((crash) => crash > elapsed - 60_000).length;
    return rollout.replicas * Math.max(1, inLastMinute);
  }

  /** The image of the Deployment's first container, as the Deployment specifies it now. */
  deploymentImage(namespace: string, name: string): string {
    const deployment = this.object('deployments', namespace, name);
    if (deployment === undefined) throw new Error(`cluster ${this.name} has no Deployment ${namespace}/${name}`);
    return String(deployment.spec?.template?.spec?.containers?.[0]?.image ?? '');
  }

  configMapData(namespace: string, name: string): Record<string, string> {
    const configMap = this.object('configmaps', namespace, name);
    if (configMap === undefined) throw new Error(`cluster ${this.name} has no ConfigMap ${namespace}/${name}`);
    return { ...(configMap.data ?? {}) };
  }

  /**
   * What the pods print, as the cluster's log group holds it: for each
   * crash-looping pod the failing process's output at every crash since
   * the rollout, for each healthy pod its start-up line. Only the running
   * rollout's pods log (the physics are instant, like the rest of the world).
   */
  logEvents(now = Date.now()): ContainerLogEvent[] {
    const events: ContainerLogEvent[] = [];
    for (const [key, rollout] of this.rollouts) {
      const [namespace, name] = key.split('/') as [string, string];
      if (rollout.replicas === 0) continue;
      const pods = Array.from({ length: rollout.replicas }, (_, index) => `${name}-${rollout.hash}-${suffix(`${rollout.hash}/${rollout.since}/${index}`)}`);
      const health = rollout.health;
      for (const pod of pods) {
        if (health.healthy) {
          const container = String(rollout.template.spec?.containers?.[0]?.name ?? name);
          events.push({ timestamp: Math.min(now, rollout.since + 1_000), logStreamName: `${pod}_${namespace}_${container}`, message: `${container} listening on :8080` });
          continue;
        }
        if (health.output.length === 0) continue;
        // The last 100 crashes at most.
        for (const crash of crashTimes(Math.max(0, now - rollout.since)).slice(-100)) {
          health.output.forEach((message, index) => {
            events.push({ timestamp: Math.min(now, rollout.since + crash + index), logStreamName: `${pod}_${namespace}_${health.container}`, message });
          });
        }
      }
    }
    return events.filter((event) => event.timestamp <= now).sort((a, b) => a.timestamp - b.timestamp);
  }
}

/** The answer DescribeCluster gives for a cluster the world does not have. */
export function clusterNotFound(name: string | undefined): ResourceNotFoundException {
  return new ResourceNotFoundException({ message: `No cluster found for name: ${name}.`, clusterName: name, $metadata: { httpStatusCode: 404 } });
}
