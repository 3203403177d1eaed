import type { V1LabelSelector, V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';

/** Owner references, label selectors and rollout revisions, without I/O. */

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

interface Named {
  readonly metadata?: V1ObjectMeta;
}

/** The owner reference of the given kind (the controller first). */
export function ownerRef(object: Named, kind: string): V1OwnerReference | undefined {
  const owners = (object.metadata?.ownerReferences ?? []).filter((owner) => owner.kind === kind);
  return owners.find((owner) => owner.controller === true) ?? owners[0];
}

/** Whether `child` names `parent` as its owner: by uid when both have one, else by kind and name in one namespace. */
export function isOwnedBy(child: Named, parent: Named, kind: string): boolean {
  const ref = ownerRef(child, kind);
  if (ref === undefined) return false;
  const parentUid = parent.metadata?.uid;
  if (parentUid !== undefined && ref.uid !== undefined && ref.uid !== '') return ref.uid === parentUid;
  return ref.name === parent.metadata?.name && sameNamespace(child, parent);
}

export function sameNamespace(a: Named, b: Named): boolean {
  return (a.metadata?.namespace ?? 'default') === (b.metadata?.namespace ?? 'default');
}

/** The Deployment revision a ReplicaSet (or Deployment) carries, if any. */
export function revisionOf(object: Named): number | undefined {
  const raw = object.metadata?.annotations?.[REVISION_ANNOTATION];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Whether labels satisfy a label selector (matchLabels and matchExpressions).
 * An empty selector matches everything, as in the API; an undefined one matches nothing.
 */
export function selectorMatches(selector: V1LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined) return false;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(have, key) || have[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, expression.key);
    const value = present ? have[expression.key] : undefined;
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether labels include every key/value of a plain map selector (a Service's `spec.selector`). */
export function mapSelectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  return selectorMatches({ matchLabels: { ...selector } }, labels);
}
