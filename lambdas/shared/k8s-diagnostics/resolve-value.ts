import type { ConfigMapSource } from './config-map-source.js';

/**
 * A value for a missing ConfigMap key, from trusted sources only, in this
 * order:
 * 1. `defaults`: what an operator declared for this ConfigMap key (explicit intent wins);
 * 2. `previousRevision`: the value the ConfigMap held before (the last known working value);
 * 3. `parameterStore`: the value kept in SSM Parameter Store under the key.
 * Never from logs, never made up: with no usable candidate the answer is undefined.
 * A candidate is usable when it is a non-blank string within the ConfigMap
 * patch limit; own properties only (no `constructor` from a prototype).
 */

export interface ValueCandidates {
  /** Keyed by ConfigMap name (or `namespace/name`, which wins), then by key. */
  readonly defaults?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The ConfigMap's data in its previous revision. */
  readonly previousRevision?: Readonly<Record<string, string>>;
  /** Parameter Store values, keyed by the ConfigMap key. */
  readonly parameterStore?: Readonly<Record<string, string>>;
}

export type ValueOrigin = 'defaults' | 'previous-revision' | 'parameter-store';

export interface ResolvedValue {
  readonly value: string;
  readonly from: ValueOrigin;
}

/** The `patchEksConfigMap` catalog limit on a value. */
export const MAX_CONFIG_VALUE_CHARS = 4_096;

function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && record !== null && Object.hasOwn(record, key) ? record[key] : undefined;
}

function usable(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_CONFIG_VALUE_CHARS;
}

export function resolveValue(
  source: Pick<ConfigMapSource, 'configMap' | 'key'> & { readonly namespace?: string },
  candidates: ValueCandidates,
): ResolvedValue | undefined {
  const scoped = source.namespace === undefined ? undefined : own(candidates.defaults, `${source.namespace}/${source.configMap}`);
  const declared = own(scoped, source.key) ?? own(own(candidates.defaults, source.configMap), source.key);
  if (usable(declared)) return { value: declared, from: 'defaults' };
  const previous = own(candidates.previousRevision, source.key);
  if (usable(previous)) return { value: previous, from: 'previous-revision' };
  const stored = own(candidates.parameterStore, source.key);
  if (usable(stored)) return { value: stored, from: 'parameter-store' };
  return undefined;
}
