import type { V1ObjectMeta } from '@kubernetes/client-node';

/** Small builders for optional Finding fields (absent rather than undefined, so findings compare and serialise cleanly). */

export function optionalAt(at: string | undefined): { at?: string } {
  return at === undefined ? {} : { at };
}

export function optionalEvents(events: string[] | undefined): { events?: string[] } {
  return events === undefined ? {} : { events };
}

/** `{ name, namespace? }` of an object; undefined when it has no name. */
export function identity(metadata: V1ObjectMeta | undefined): { name: string; namespace?: string } | undefined {
  const name = metadata?.name;
  if (name === undefined || name === '') return undefined;
  return metadata?.namespace ? { name, namespace: metadata.namespace } : { name };
}
