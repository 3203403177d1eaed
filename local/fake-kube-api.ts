import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { diagnosticKubeApisFrom } from '../lambdas/shared/eks/diagnostic-kube-apis.js';
import { type ClusterConnection, type KubeApiFactory, buildKubeConfig } from '../lambdas/shared/eks/kube-client.js';

/**
 * A fake Kubernetes API server on loopback, for the real
 * `@kubernetes/client-node` over plain http. It serves the few routes the
 * EKS executors use — Deployments (GET, PUT, PATCH), ReplicaSets (LIST with
 * a label selector), ConfigMaps (GET, PUT, PATCH) and Pods (LIST) — with
 * the three patch types (JSON Patch, JSON Merge Patch and a simplified
 * strategic merge), resourceVersion preconditions that answer 409 Conflict,
 * and a small Deployment controller: a new pod template gets a ReplicaSet
 * and the next revision, an old one gets its ReplicaSet renumbered, as
 * `kubectl rollout undo` relies on. It records every request, so a test can
 * assert that nothing was written.
 *
 * For `self-heal diagnose` it also serves, read-only (GET of a list or of
 * one object), Services, Endpoints, PersistentVolumeClaims, StatefulSets,
 * Ingresses (networking.k8s.io/v1), HorizontalPodAutoscalers
 * (autoscaling/v2), Jobs, CronJobs and the cluster-scoped Nodes; `forbid`
 * makes a resource answer 403 Forbidden, as RBAC would. Events are not
 * served (404).
 *
 * By default it speaks plain http (tests point client-node at it with
 * `skipTLSVerify`). Given a certificate it speaks https instead, so the
 * production `eksKubeApis` — which verifies the server against the cluster
 * CA and refuses http — can reach it; the simulated world's clusters do that.
 */

/** The kinds the executors read and write. */
export type WorkloadResource = 'deployments' | 'replicasets' | 'configmaps' | 'pods';
/** The kinds only `self-heal diagnose` reads: GET only. `nodes` is cluster-scoped (seed and look it up with namespace ''). */
export type DiagnosticResource =
  | 'services'
  | 'endpoints'
  | 'persistentvolumeclaims'
  | 'nodes'
  | 'statefulsets'
  | 'ingresses'
  | 'horizontalpodautoscalers'
  | 'jobs'
  | 'cronjobs';
export type Resource = WorkloadResource | DiagnosticResource;
export type KubeObject = Record<string, any>;

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly contentType?: string;
  readonly authorization?: string;
  /** The parsed JSON body, if any. */
  readonly body?: unknown;
}

export interface FakeKubeApiOptions {
  /** Serve https with this certificate (PEM) and key; the URL is then `https://127.0.0.1:PORT`. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * Decides whether a request's `Authorization` header is let in; a refused
   * request gets 401 Unauthorized, as the API server answers a bad token.
   * @default everything is let in
   */
  readonly authenticate?: (authorization: string | undefined) => boolean;
}

/** A client's write that was stored: after the Deployment controller reacted to it. */
export interface StoredWrite {
  readonly resource: Resource;
  readonly namespace: string;
  readonly name: string;
  /** The object before the write. */
  readonly previous: KubeObject;
}

export interface FakeKubeApi {
  /** `http://127.0.0.1:PORT`, or `https://…` when started with a certificate. */
  readonly url: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** The requests that could change something (everything but GET). */
  writes(): RecordedRequest[];
  /** Stores an object as the cluster would: uid, resourceVersion and (for a Deployment) generation filled in. */
  seed(resource: Resource, object: KubeObject): KubeObject;
  /** A copy of a stored object. */
  get(resource: Resource, namespace: string, name: string): KubeObject | undefined;
  list(resource: Resource, namespace: string): KubeObject[];
  /** Another actor's write: the stored object is changed in place and gets a new resourceVersion. */
  update(resource: Resource, namespace: string, name: string, change: (object: KubeObject) => void): KubeObject;
  /** Runs once, when the next write arrives and before it is handled: a concurrent writer. */
  beforeNextWrite(hook: () => void): void;
  /**
   * Runs after every client write (PUT or PATCH) that was stored, once the
   * Deployment controller reacted, before the response is sent: another
   * controller watching the cluster. Changes it makes with `seed`, `update`
   * and `remove` do not call it again.
   */
  onWrite(listener: (write: StoredWrite) => void): void;
  /** Deletes a stored object, as another actor would; `false` when there was none. */
  remove(resource: Resource, namespace: string, name: string): boolean;
  /** Answers 403 Forbidden, as RBAC does, to every request for these resources until `reset`. */
  forbid(...resources: Resource[]): void;
  /** The factory the executors take, pointed at this server; records the connections it was given. */
  apiFactory(): KubeApiFactory & { connections: ClusterConnection[] };
  /** Forgets objects, requests, forbidden resources and `beforeNextWrite` hooks (not `onWrite` listeners). */
  reset(): void;
  stop(): Promise<void>;
}

const clone = <T>(value: T): T => structuredClone(value);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as KubeObject)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

// ---- patches ---------------------------------------------------------------------------------

class PatchError extends Error {}

function isObject(value: unknown): value is KubeObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** RFC 7386 JSON Merge Patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: KubeObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * A simplified strategic merge: maps merge, `null` deletes, lists of objects
 * with a `name` merge by name (containers, env, ports, volumes), other lists
 * are replaced, and `$patch: replace` replaces a map.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch) && Array.isArray(target) && patch.every((item) => isObject(item) && typeof item.name === 'string')) {
    const result = clone(target) as KubeObject[];
    for (const item of patch as KubeObject[]) {
      const index = result.findIndex((existing) => isObject(existing) && existing.name === item.name);
      if (index === -1) result.push(clone(item));
      else result[index] = strategicMergePatch(result[index], item) as KubeObject;
    }
    return result;
  }
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return clone(rest);
  }
  const result: KubeObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = strategicMergePatch(result[key], value);
  }
  return result;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 JSON Patch: add, remove, replace, test. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('a JSON Patch is an array of operations');
  let document = clone(target);
  for (const operation of operations as KubeObject[]) {
    const segments = pointer(String(operation.path));
    if (segments.length === 0) {
      if (operation.op === 'test') {
        if (canonical(document) !== canonical(operation.value)) throw new PatchError('test operation failed');
        continue;
      }
      document = operation.op === 'remove' ? undefined : clone(operation.value);
      continue;
    }
    const parentSegments = segments.slice(0, -1);
    const last = segments[segments.length - 1]!;
    let parent: any = document;
    for (const segment of parentSegments) {
      parent = parent?.[Array.isArray(parent) ? Number(segment) : segment];
      if (parent === undefined || parent === null) throw new PatchError(`path ${String(operation.path)} does not exist`);
    }
    const exists = Array.isArray(parent) ? Number(last) < parent.length : isObject(parent) && Object.hasOwn(parent, last);
    switch (operation.op) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, clone(operation.value));
        else if (isObject(parent)) parent[last] = clone(operation.value);
        else throw new PatchError(`cannot add at ${String(operation.path)}`);
        break;
      case 'replace':
        if (!exists) throw new PatchError(`replace: path ${String(operation.path)} does not exist`);
        if (Array.isArray(parent)) parent[Number(last)] = clone(operation.value);
        else parent[last] = clone(operation.value);
        break;
      case 'remove':
        if (!exists) throw new PatchError(`remove: path ${String(operation.path)} does not exist`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'test':
        if (!exists || canonical(Array.isArray(parent) ? parent[Number(last)] : parent[last]) !== canonical(operation.value)) {
          throw new PatchError(`test operation failed at ${String(operation.path)}`);
        }
        break;
      default:
        throw new PatchError(`unsupported JSON Patch operation ${String(operation.op)}`);
    }
  }
  return document;
}

// ---- label selectors ------------------------------------------------------------------------

/** Equality (`a=b`, `a==b`, `a!=b`) and set (`a in (x,y)`, `a notin (x)`, `a`, `!a`) requirements. */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  const requirements = selector.match(/(?:[^,(]|\([^)]*\))+/g) ?? [];
  return requirements.every((raw) => {
    const requirement = raw.trim();
    let match: RegExpMatchArray | null;
    if ((match = requirement.match(/^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = match[3]!.split(',').map((value) => value.trim());
      const value = have[match[1]!];
      return match[2] === 'in' ? value !== undefined && values.includes(value) : value === undefined || !values.includes(value);
    }
    if ((match = requirement.match(/^([^!=\s]+)\s*!=\s*(.*)$/))) return have[match[1]!] !== match[2];
    if ((match = requirement.match(/^([^!=\s]+)\s*==?\s*(.*)$/))) return have[match[1]!] === match[2];
    if (requirement.startsWith('!')) return !Object.hasOwn(have, requirement.slice(1));
    return Object.hasOwn(have, requirement);
  });
}

// ---- the server -----------------------------------------------------------------------------

const KINDS: Record<Resource, { kind: string; apiVersion: string; group: string; clusterScoped?: true }> = {
  deployments: { kind: 'Deployment', apiVersion: 'apps/v1', group: 'apps' },
  replicasets: { kind: 'ReplicaSet', apiVersion: 'apps/v1', group: 'apps' },
  configmaps: { kind: 'ConfigMap', apiVersion: 'v1', group: '' },
  pods: { kind: 'Pod', apiVersion: 'v1', group: '' },
  services: { kind: 'Service', apiVersion: 'v1', group: '' },
  endpoints: { kind: 'Endpoints', apiVersion: 'v1', group: '' },
  persistentvolumeclaims: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', group: '' },
  nodes: { kind: 'Node', apiVersion: 'v1', group: '', clusterScoped: true },
  statefulsets: { kind: 'StatefulSet', apiVersion: 'apps/v1', group: 'apps' },
  ingresses: { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', group: 'networking.k8s.io' },
  horizontalpodautoscalers: { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', group: 'autoscaling' },
  jobs: { kind: 'Job', apiVersion: 'batch/v1', group: 'batch' },
  cronjobs: { kind: 'CronJob', apiVersion: 'batch/v1', group: 'batch' },
};

const ROUTE = /^\/(?:apis\/apps\/v1|api\/v1)\/namespaces\/([^/]+)\/(deployments|replicasets|configmaps|pods)(?:\/([^/]+))?$/;
/** Any other resource path; it is served when the resource is a diagnostic kind under its own group and version. */
const OTHER_ROUTE = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/(?:namespaces\/([^/]+)\/)?([a-z]+)(?:\/([^/]+))?$/;

const isWorkloadResource = (resource: Resource): resource is WorkloadResource =>
  resource === 'deployments' || resource === 'replicasets' || resource === 'configmaps' || resource === 'pods';

/** The resource, namespace ('' for a cluster-scoped one) and name a path addresses, or undefined when it is not served. */
function routeOf(pathname: string): { namespace: string; resource: Resource; name: string | undefined } | undefined {
  const workload = pathname.match(ROUTE);
  if (workload !== null) {
    const [, namespace, resource, name] = workload as unknown as [string, string, WorkloadResource, string | undefined];
    return { namespace, resource, name };
  }
  const other = pathname.match(OTHER_ROUTE);
  if (other === null) return undefined;
  const [, prefix, namespace, resource, name] = other as unknown as [string, string, string | undefined, string, string | undefined];
  if (!Object.hasOwn(KINDS, resource) || isWorkloadResource(resource as Resource)) return undefined;
  const spec = KINDS[resource as DiagnosticResource];
  if (prefix !== (spec.group === '' ? 'api/v1' : `apis/${spec.apiVersion}`) || (namespace === undefined) !== (spec.clusterScoped === true)) return undefined;
  return { namespace: namespace ?? '', resource: resource as DiagnosticResource, name };
}

const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

function status(code: number, reason: string, message: string, details?: KubeObject): KubeObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function withoutHash(template: KubeObject | undefined): KubeObject {
  const copy = clone(template ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[HASH_LABEL];
  if (copy.metadata?.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  return copy;
}

/** The `pod-template-hash` the fake controller gives a pod template's ReplicaSet. */
export function templateHash(template: KubeObject | undefined): string {
  return createHash('sha256').update(canonical(withoutHash(template))).digest('hex').slice(0, 10);
}

/** Whether two pod templates are one rollout to the fake controller (`pod-template-hash` ignored). */
export function sameTemplate(a: KubeObject | undefined, b: KubeObject | undefined): boolean {
  return canonical(withoutHash(a)) === canonical(withoutHash(b));
}

export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const objects = new Map<string, KubeObject>();
  const requests: RecordedRequest[] = [];
  let writeHooks: (() => void)[] = [];
  const forbidden = new Set<Resource>();
  const writeListeners: ((write: StoredWrite) => void)[] = [];
  let resourceVersion = 1000;
  let uids = 0;

  const keyOf = (resource: Resource, namespace: string, name: string) => `${resource}/${namespace}/${name}`;
  const nextVersion = () => String(++resourceVersion);

  /** The Deployment controller's reaction to a pod template: the matching ReplicaSet gets the next revision. */
  function rollOut(deployment: KubeObject): void {
    const namespace = deployment.metadata.namespace as string;
    const uid = deployment.metadata.uid as string;
    const owned = [...objects.values()].filter(
      (object) =>
        object.kind === 'ReplicaSet' &&
        object.metadata.namespace === namespace &&
        (object.metadata.ownerReferences ?? []).some((owner: KubeObject) => owner.uid === uid && owner.controller === true),
    );
    const revisions = owned.map((replicaSet) => Number(replicaSet.metadata.annotations?.[REVISION] ?? 0));
    const newest = revisions.length > 0 ? Math.max(...revisions) : 0;
    const template = withoutHash(deployment.spec.template);
    let replicaSet = owned.find((candidate) => canonical(withoutHash(candidate.spec.template)) === canonical(template));
    if (replicaSet === undefined) {
      const hash = templateHash(template);
      const labels = { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash };
      replicaSet = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${deployment.metadata.name}-${hash}`,
          namespace,
          uid: `uid-${++uids}`,
          labels,
          annotations: { [REVISION]: String(newest + 1) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name, uid, controller: true }],
          resourceVersion: nextVersion(),
          creationTimestamp: new Date().toISOString(),
        },
        spec: {
          replicas: deployment.spec.replicas ?? 1,
          selector: { matchLabels: { ...(deployment.spec.selector?.matchLabels ?? {}), [HASH_LABEL]: hash } },
          template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
        },
      };
      objects.set(keyOf('replicasets', namespace, replicaSet.metadata.name), replicaSet);
    } else if (Number(replicaSet.metadata.annotations?.[REVISION] ?? 0) !== newest) {
      replicaSet.metadata.annotations = { ...(replicaSet.metadata.annotations ?? {}), [REVISION]: String(newest + 1) };
      replicaSet.metadata.resourceVersion = nextVersion();
    }
    const revision = replicaSet.metadata.annotations[REVISION] as string;
    if (deployment.metadata.annotations?.[REVISION] !== revision) {
      deployment.metadata.annotations = { ...(deployment.metadata.annotations ?? {}), [REVISION]: revision };
      deployment.metadata.resourceVersion = nextVersion();
    }
  }

  /** Stores a write from a client or another actor; returns the object as written (before the controller reacts). */
  function store(resource: Resource, previous: KubeObject | undefined, next: KubeObject): KubeObject {
    const written = clone(next);
    written.apiVersion ??= KINDS[resource].apiVersion;
    written.kind ??= KINDS[resource].kind;
    written.metadata.uid = previous?.metadata.uid ?? written.metadata.uid ?? `uid-${++uids}`;
    written.metadata.resourceVersion = nextVersion();
    if (resource === 'deployments') {
      const specChanged = previous === undefined || canonical(previous.spec) !== canonical(written.spec);
      written.metadata.generation = previous === undefined ? (written.metadata.generation ?? 1) : (previous.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    }
    const response = clone(written);
    objects.set(keyOf(resource, written.metadata.namespace ?? '', written.metadata.name), written);
    if (resource === 'deployments' && (previous === undefined || canonical(previous.spec?.template) !== canonical(written.spec?.template))) {
      rollOut(written);
    }
    return response;
  }

  function notify(write: StoredWrite): void {
    for (const listener of writeListeners) listener(write);
  }

  function handle(method: string, url: URL, body: unknown, contentType: string | undefined): { code: number; body: KubeObject } {
    const route = routeOf(url.pathname);
    if (route === undefined) return { code: 404, body: status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`) };
    const { namespace, resource: resourceName, name } = route;
    const { kind, apiVersion, group } = KINDS[resourceName];
    if (forbidden.has(resourceName)) {
      const verb = method === 'GET' ? (name === undefined ? 'list' : 'get') : method.toLowerCase();
      const where = namespace === '' ? 'at the cluster scope' : `in the namespace "${namespace}"`;
      return {
        code: 403,
        body: status(403, 'Forbidden', `${resourceName}${group ? `.${group}` : ''} is forbidden: User "fake-user" cannot ${verb} resource "${resourceName}" in API group "${group}" ${where}`, {
          kind: resourceName,
          ...(group ? { group } : {}),
        }),
      };
    }
    if (!isWorkloadResource(resourceName) && method !== 'GET') return { code: 405, body: status(405, 'MethodNotAllowed', `${method} is not supported by this fake on ${resourceName}`) };
    if (name === undefined) {
      if (method !== 'GET') return { code: 405, body: status(405, 'MethodNotAllowed', `${method} is not supported on a list`) };
      const selector = url.searchParams.get('labelSelector') ?? undefined;
      const items = [...objects.values()]
        .filter((object) => object.kind === kind && (object.metadata.namespace ?? '') === namespace && matchesSelector(object.metadata.labels, selector))
        .map(clone);
      return { code: 200, body: { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: String(resourceVersion) }, items } };
    }
    const current = objects.get(keyOf(resourceName, namespace, name));
    const notFound = { code: 404, body: status(404, 'NotFound', `${resourceName}${group ? `.${group}` : ''} "${name}" not found`, { name, group, kind: resourceName }) };
    const conflict = {
      code: 409,
      body: status(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resourceName}${group ? `.${group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group, kind: resourceName },
      ),
    };
    if (method === 'GET') return current ? { code: 200, body: clone(current) } : notFound;
    if (current === undefined) return notFound;

    if (method === 'PUT') {
      const next = body as KubeObject;
      if (!isObject(next) || !isObject(next.metadata) || next.metadata.name !== name) {
        return { code: 400, body: status(400, 'BadRequest', 'the name of the object does not match the name on the URL') };
      }
      if (next.metadata.resourceVersion !== undefined && next.metadata.resourceVersion !== current.metadata.resourceVersion) return conflict;
      const written = store(resourceName, current, { ...next, metadata: { ...next.metadata, namespace } });
      notify({ resource: resourceName, namespace, name, previous: clone(current) });
      return { code: 200, body: written };
    }
    if (method === 'PATCH') {
      let patched: unknown;
      try {
        if (contentType === 'application/json-patch+json') patched = jsonPatch(current, body);
        else if (contentType === 'application/merge-patch+json') patched = mergePatch(current, body);
        else if (contentType === 'application/strategic-merge-patch+json') patched = strategicMergePatch(current, body);
        else return { code: 415, body: status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${contentType ?? 'none'}`) };
      } catch (error) {
        if (error instanceof PatchError) return { code: 422, body: status(422, 'Invalid', error.message) };
        throw error;
      }
      const next = patched as KubeObject;
      if (next.metadata?.resourceVersion !== current.metadata.resourceVersion) return conflict;
      const written = store(resourceName, current, next);
      notify({ resource: resourceName, namespace, name, previous: clone(current) });
      return { code: 200, body: written };
    }
    return { code: 405, body: status(405, 'MethodNotAllowed', `${method} is not supported`) };
  }

  const serve = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const contentType = request.headers['content-type']?.split(';')[0]?.trim();
      const method = request.method ?? 'GET';
      requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        ...(contentType ? { contentType } : {}),
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
        ...(body !== undefined ? { body } : {}),
      });
      if (options.authenticate !== undefined && !options.authenticate(request.headers.authorization)) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify(status(401, 'Unauthorized', 'Unauthorized')));
        return;
      }
      if (method !== 'GET') {
        const hooks = writeHooks;
        writeHooks = [];
        for (const hook of hooks) hook();
      }
      const result = handle(method, url, body, contentType);
      response.writeHead(result.code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(result.body));
    });
  };
  const server = options.tls === undefined ? createServer(serve) : createTlsServer({ cert: options.tls.cert, key: options.tls.key }, serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeKubeApi = {
    url,
    requests,
    writes: () => requests.filter((request) => request.method !== 'GET'),
    seed(resource, object) {
      const { kind, apiVersion } = KINDS[resource];
      const seeded: KubeObject = clone({ apiVersion, kind, ...object });
      seeded.metadata = { ...seeded.metadata };
      const clusterScoped = KINDS[resource].clusterScoped === true;
      if (typeof seeded.metadata.name !== 'string' || (!clusterScoped && typeof seeded.metadata.namespace !== 'string')) throw new Error('seed needs metadata.name and metadata.namespace');
      if (clusterScoped) delete seeded.metadata.namespace;
      seeded.metadata.uid ??= `uid-${++uids}`;
      seeded.metadata.resourceVersion = nextVersion();
      if (resource === 'deployments') seeded.metadata.generation ??= 1;
      objects.set(keyOf(resource, seeded.metadata.namespace ?? '', seeded.metadata.name), seeded);
      return clone(seeded);
    },
    get: (resource, namespace, name) => {
      const object = objects.get(keyOf(resource, namespace, name));
      return object === undefined ? undefined : clone(object);
    },
    list: (resource, namespace) => [...objects.values()].filter((o) => o.kind === KINDS[resource].kind && (o.metadata.namespace ?? '') === namespace).map(clone),
    update(resource, namespace, name, change) {
      const current = objects.get(keyOf(resource, namespace, name));
      if (current === undefined) throw new Error(`no ${resource} ${namespace}/${name}`);
      const next = clone(current);
      change(next);
      store(resource, current, next);
      return clone(objects.get(keyOf(resource, namespace, name))!);
    },
    beforeNextWrite(hook) {
      writeHooks.push(hook);
    },
    onWrite(listener) {
      writeListeners.push(listener);
    },
    remove: (resource, namespace, name) => objects.delete(keyOf(resource, namespace, name)),
    forbid(...resources) {
      for (const resource of resources) forbidden.add(resource);
    },
    apiFactory() {
      const connections: ClusterConnection[] = [];
      const factory = (connection: ClusterConnection) => {
        connections.push(connection);
        return diagnosticKubeApisFrom(buildKubeConfig({ name: connection.name, server: url, token: connection.token, skipTLSVerify: true }));
      };
      return Object.assign(factory, { connections });
    },
    reset() {
      objects.clear();
      requests.length = 0;
      forbidden.clear();
      writeHooks = [];
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return fake;
}

// ---- seeding helpers ------------------------------------------------------------------------

export interface DeploymentHistory {
  readonly namespace: string;
  readonly name: string;
  /** One image per revision, oldest first; the last one is live. */
  readonly images: readonly string[];
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly paused?: boolean;
  /** Ready pods to list for the Deployment. @default 2 */
  readonly pods?: number;
}

/** The pod template of one revision, as the API server returns it for a Deployment. */
export function podTemplate(name: string, image: string): KubeObject {
  return {
    metadata: { labels: { app: name } },
    spec: {
      containers: [
        {
          name,
          image,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          env: [{ name: 'MODE', value: 'web' }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10 },
          resources: { limits: { cpu: '500m', memory: '256Mi' } },
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
  };
}

/** A Deployment with one ReplicaSet per revision and some ready pods, as a cluster would hold them. */
export function seedDeploymentHistory(fake: FakeKubeApi, history: DeploymentHistory): { deployment: KubeObject; replicaSets: KubeObject[] } {
  const uid = `deployment-${history.namespace}-${history.name}`;
  const live = history.images[history.images.length - 1];
  if (live === undefined) throw new Error('a Deployment needs at least one revision');
  const replicaSets = history.images.map((image, index) => {
    const hash = createHash('sha256').update(`${history.name}:${image}:${index}`).digest('hex').slice(0, 10);
    const template = podTemplate(history.name, image);
    template.metadata.labels[HASH_LABEL] = hash;
    return fake.seed('replicasets', {
      metadata: {
        name: `${history.name}-${hash}`,
        namespace: history.namespace,
        labels: { app: history.name, [HASH_LABEL]: hash },
        annotations: { [REVISION]: String(index + 1) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: history.name, uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: index === history.images.length - 1 ? 2 : 0, selector: { matchLabels: { app: history.name, [HASH_LABEL]: hash } }, template },
    });
  });
  // Someone else's ReplicaSet with the same labels: ownership, not labels, decides the history.
  fake.seed('replicasets', {
    metadata: {
      name: `${history.name}-impostor`,
      namespace: history.namespace,
      labels: { app: history.name },
      annotations: { [REVISION]: String(history.images.length + 5) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'other', uid: 'someone-else', controller: true }],
    },
    spec: { replicas: 0, selector: { matchLabels: { app: history.name } }, template: podTemplate(history.name, 'evil:latest') },
  });
  for (let index = 0; index < (history.pods ?? 2); index++) {
    fake.seed('pods', {
      metadata: { name: `${history.name}-pod-${index}`, namespace: history.namespace, labels: { app: history.name } },
      spec: podTemplate(history.name, live).spec,
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  const deployment = fake.seed('deployments', {
    metadata: {
      name: history.name,
      namespace: history.namespace,
      uid,
      generation: history.images.length,
      labels: { app: history.name, ...(history.labels ?? {}) },
      annotations: { [REVISION]: String(history.images.length), ...(history.annotations ?? {}) },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: history.name } },
      template: podTemplate(history.name, live),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      ...(history.paused ? { paused: true } : {}),
    },
    status: { observedGeneration: history.images.length, replicas: 2, readyReplicas: 2 },
  });
  return { deployment, replicaSets };
}
