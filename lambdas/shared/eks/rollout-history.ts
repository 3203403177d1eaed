import type { V1Deployment, V1LabelSelector, V1ObjectMeta, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { DeploymentPausedError, NoPreviousRevisionError } from './eks-errors.js';

/**
 * Rollout history of a Deployment, as `kubectl rollout undo` reads it: the
 * ReplicaSets the Deployment controls, numbered by their revision
 * annotation. Pure: no I/O, so every rule is unit-tested.
 */

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Added by the Deployment controller to each ReplicaSet's template; never part of the Deployment's own template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** A pod template as JSON on the wire: what the before-state stores and a JSON Patch sends. */
export type WireTemplate = Record<string, unknown>;

export interface ContainerImage {
  readonly container: string;
  readonly image: string;
}

/** The revision a rollback goes back to. */
export interface RollbackTarget {
  /** The live revision, rolled back from. */
  readonly fromRevision: number;
  readonly toRevision: number;
  /** The ReplicaSet that holds the target template. */
  readonly replicaSet: string;
  /** The target template, `pod-template-hash` removed. */
  readonly template: WireTemplate;
  readonly images: ContainerImage[];
}

/**
 * Plain JSON of a client-node model. Safe for the pod template, Deployment
 * and ConfigMap models because their property names equal the wire names
 * (a unit test guards this), and dates serialise to RFC 3339 as on the wire.
 */
export function toWire(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value ?? {})) as Record<string, unknown>;
}

export function revisionOf(metadata: V1ObjectMeta | undefined): number | undefined {
  const raw = metadata?.annotations?.[REVISION_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** The ReplicaSets whose controller is this Deployment (by uid, as the controller itself decides). */
export function ownedReplicaSets(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[]): V1ReplicaSet[] {
  const uid = deployment.metadata?.uid;
  if (uid === undefined) return [];
  return replicaSets.filter((replicaSet) =>
    (replicaSet.metadata?.ownerReferences ?? []).some((owner) => owner.uid === uid && owner.controller === true),
  );
}

/** The template as wire JSON without the `pod-template-hash` label. */
export function withoutTemplateHash(template: V1PodTemplateSpec | WireTemplate | undefined): WireTemplate {
  const wire = toWire(template);
  const metadata = wire.metadata as { labels?: Record<string, string> } | undefined;
  if (metadata?.labels !== undefined) {
    delete metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(metadata.labels).length === 0) delete metadata.labels;
  }
  return wire;
}

/** JSON with object keys sorted, so equal objects give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined && item !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether two templates are the same rollout, ignoring `pod-template-hash` (as the controller compares them). */
export function sameTemplate(a: V1PodTemplateSpec | WireTemplate | undefined, b: V1PodTemplateSpec | WireTemplate | undefined): boolean {
  return canonical(withoutTemplateHash(a)) === canonical(withoutTemplateHash(b));
}

export function imagesOf(template: V1PodTemplateSpec | WireTemplate | undefined): ContainerImage[] {
  const containers = (toWire(template).spec as { containers?: { name?: string; image?: string }[] } | undefined)?.containers ?? [];
  return containers.map((container) => ({ container: container.name ?? '', image: container.image ?? '' }));
}

export function describeImages(images: readonly ContainerImage[]): string {
  return images.map(({ container, image }) => `${container}=${image}`).join(', ');
}

/** A label selector as the `labelSelector` query parameter; `undefined` selects everything. */
export function selectorString(selector: V1LabelSelector | undefined): string | undefined {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const expression of selector?.matchExpressions ?? []) {
    const values = (expression.values ?? []).join(',');
    if (expression.operator === 'In') terms.push(`${expression.key} in (${values})`);
    else if (expression.operator === 'NotIn') terms.push(`${expression.key} notin (${values})`);
    else if (expression.operator === 'Exists') terms.push(expression.key);
    else if (expression.operator === 'DoesNotExist') terms.push(`!${expression.key}`);
  }
  return terms.length > 0 ? terms.join(',') : undefined;
}

/** The live revision: the Deployment's annotation, or the newest ReplicaSet if the controller has not stamped it yet. */
export function currentRevision(deployment: V1Deployment, owned: readonly V1ReplicaSet[]): number | undefined {
  const own = revisionOf(deployment.metadata);
  if (own !== undefined) return own;
  const revisions = owned.map((replicaSet) => revisionOf(replicaSet.metadata)).filter((revision) => revision !== undefined);
  return revisions.length > 0 ? Math.max(...revisions) : undefined;
}

/**
 * The template `kubectl rollout undo` would restore: the owned ReplicaSet
 * with the highest revision below the live one, its `pod-template-hash`
 * label removed. Refuses a paused Deployment, a Deployment with no older
 * revision, and a previous revision whose template is the live one.
 */
export function chooseRollbackTarget(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[]): RollbackTarget {
  const name = `${deployment.metadata?.namespace ?? ''}/${deployment.metadata?.name ?? ''}`;
  if (deployment.spec?.paused === true) {
    throw new DeploymentPausedError(`Deployment ${name} is paused; resume the rollout before rolling it back`);
  }
  const owned = ownedReplicaSets(deployment, replicaSets);
  const fromRevision = currentRevision(deployment, owned);
  if (fromRevision === undefined) throw new NoPreviousRevisionError(`Deployment ${name} has no rollout history`);

  let previous: { revision: number; replicaSet: V1ReplicaSet } | undefined;
  for (const replicaSet of owned) {
    const revision = revisionOf(replicaSet.metadata);
    if (revision === undefined || revision >= fromRevision) continue;
    if (previous === undefined || revision > previous.revision) previous = { revision, replicaSet };
  }
  if (previous === undefined) {
    throw new NoPreviousRevisionError(`Deployment ${name} has no revision before revision ${fromRevision} to roll back to`);
  }
  const template = withoutTemplateHash(previous.replicaSet.spec?.template);
  if (sameTemplate(template, deployment.spec?.template)) {
    throw new NoPreviousRevisionError(`Deployment ${name} already runs the template of revision ${previous.revision}; nothing to roll back`);
  }
  return {
    fromRevision,
    toRevision: previous.revision,
    replicaSet: previous.replicaSet.metadata?.name ?? '',
    template,
    images: imagesOf(template),
  };
}
