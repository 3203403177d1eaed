import type { V1ConfigMap, V1PodTemplateSpec } from '@kubernetes/client-node';
import * as z from 'zod';
import { traceVariable } from './config-map-source.js';
import { qualified } from './text.js';

/**
 * The value a missing ConfigMap key held in the workload's previous
 * revision. Kubernetes keeps no history of a ConfigMap, so "previous
 * revision" is read from the two places a cluster does keep it:
 *
 * 1. **The ConfigMap as last applied.** `kubectl apply` stores the applied
 *    manifest in the `kubectl.kubernetes.io/last-applied-configuration`
 *    annotation. A key removed afterwards by `kubectl edit` or a patch is
 *    still there. (A key removed by a later apply is gone from it too: that
 *    removal was intended, and nothing is found.)
 * 2. **The ConfigMap the previous ReplicaSet read.** With generated,
 *    versioned ConfigMaps (kustomize's `configMapGenerator`, Helm's
 *    checksum-named ones) each rollout points the pods at a new ConfigMap and
 *    the old one stays. Tracing the same variable through the previous
 *    revision's pod template finds the old ConfigMap and key.
 *
 * Pure: the caller reads the objects. Only string values within the patch
 * limit count; anything malformed counts as no value, never as a guess.
 */

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface PreviousValueInput {
  /** The variable the container is missing, and the container. */
  readonly variable: string;
  readonly container: string;
  /** The ConfigMap and key the live template reads it from. */
  readonly configMap: string;
  readonly key: string;
  readonly namespace: string;
  /** The ConfigMaps read from the namespace. */
  readonly configMaps: readonly V1ConfigMap[];
  /** The previous revision's pod template and its number, when the Deployment has one. */
  readonly previous?: { readonly revision: number; readonly template: V1PodTemplateSpec | undefined };
  /** The longest value accepted (the `patchEksConfigMap` limit). */
  readonly maxChars: number;
}

export interface PreviousValue {
  readonly value: string;
  /** Where it was found, for the evidence and the policy's record. */
  readonly detail: string;
}

const LastAppliedSchema = z.object({ data: z.record(z.string(), z.unknown()).optional() });

function find(configMaps: readonly V1ConfigMap[], namespace: string, name: string): V1ConfigMap | undefined {
  return configMaps.find((item) => item.metadata?.name === name && (item.metadata?.namespace ?? namespace) === namespace);
}

function usable(value: unknown, maxChars: number): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= maxChars;
}

/** The key's value in the ConfigMap's last-applied manifest. */
function lastApplied(configMap: V1ConfigMap | undefined, key: string, maxChars: number): string | undefined {
  const text = configMap?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = LastAppliedSchema.safeParse(json);
  if (!parsed.success || parsed.data.data === undefined || !Object.hasOwn(parsed.data.data, key)) return undefined;
  const value = parsed.data.data[key];
  return usable(value, maxChars) ? value : undefined;
}

/** The value the previous revision's template read for the variable, from a different ConfigMap than the live one. */
function fromPreviousReplicaSet(input: PreviousValueInput): PreviousValue | undefined {
  const { previous, namespace } = input;
  if (previous?.template === undefined) return undefined;
  const trace = traceVariable({ metadata: { namespace }, spec: { selector: {}, template: previous.template } }, input.variable, { container: input.container });
  if (!trace.found || trace.source.configMap === input.configMap) return undefined;
  const data = find(input.configMaps, namespace, trace.source.configMap)?.data ?? {};
  if (!Object.hasOwn(data, trace.source.key)) return undefined;
  const value = data[trace.source.key];
  if (!usable(value, input.maxChars)) return undefined;
  return {
    value,
    detail: `key ${trace.source.key} of ConfigMap ${qualified(namespace, trace.source.configMap)}, which revision ${previous.revision} read`,
  };
}

export function previousValue(input: PreviousValueInput): PreviousValue | undefined {
  const applied = lastApplied(find(input.configMaps, input.namespace, input.configMap), input.key, input.maxChars);
  if (applied !== undefined) {
    return { value: applied, detail: `key ${input.key} of ConfigMap ${qualified(input.namespace, input.configMap)} as last applied (${LAST_APPLIED_ANNOTATION})` };
  }
  return fromPreviousReplicaSet(input);
}

/** The ConfigMaps a pod template reads (envFrom, env valueFrom, volumes, projected volumes), each once. */
export function configMapsReadBy(template: V1PodTemplateSpec | undefined): string[] {
  const spec = template?.spec;
  const names = new Set<string>();
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const source of container.envFrom ?? []) if (source.configMapRef?.name) names.add(source.configMapRef.name);
    for (const entry of container.env ?? []) if (entry.valueFrom?.configMapKeyRef?.name) names.add(entry.valueFrom.configMapKeyRef.name);
  }
  for (const volume of spec?.volumes ?? []) {
    if (volume.configMap?.name) names.add(volume.configMap.name);
    for (const projection of volume.projected?.sources ?? []) if (projection.configMap?.name) names.add(projection.configMap.name);
  }
  return [...names];
}
