import type { V1ConfigMap } from '@kubernetes/client-node';
import type { ActionExecutor, ApplyContext, UndoContext } from '../actions/executor.js';
import type { ActionParams } from '../actions/catalog.js';
import { OutOfScopeError, StalePlanError } from '../errors.js';
import { CHANGE_ANNOTATION, isMarkedBy, markerValue } from './change-marker.js';
import { GitOpsManagedError } from './eks-errors.js';
import { detectGitOpsOwner, gitOpsRecommendation } from './gitops.js';
import { type KubeApis, KubeConnector, type KubeConnectorDeps, PatchStrategy, callKube, patchAs } from './kube-client.js';
import { writeOptimistically } from './optimistic-write.js';

/**
 * `patchEksConfigMap`: sets one key, keeping the value it had (or its
 * absence) for undo. Writes are JSON Merge Patches carrying the judged
 * resourceVersion; undo sets the old value back or removes the key.
 */

export type PatchConfigMapParams = ActionParams<'patchEksConfigMap'>;

/** The key's value before the change, or its absence. */
export type PreviousValue = { readonly present: true; readonly value: string } | { readonly present: false };

export interface ConfigMapBefore {
  readonly cluster: string;
  readonly namespace: string;
  readonly configMap: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly key: string;
  readonly previous: PreviousValue;
}

export interface ConfigMapApplied {
  readonly key: string;
  readonly value: string;
  readonly resourceVersion: string;
  /** A retry found the value already set by this incident and attempt. */
  readonly alreadyApplied: boolean;
}

/**
 * Largest previous value kept for undo. The before-state travels through
 * Step Functions (256 KiB payloads) and DynamoDB (400 KB items); a bigger
 * value is refused rather than lost.
 */
export const MAX_PREVIOUS_VALUE_BYTES = 32 * 1024;

function label(params: PatchConfigMapParams): string {
  return `ConfigMap ${params.namespace}/${params.configMap} on EKS cluster ${params.cluster}`;
}

export function configMapValue(configMap: V1ConfigMap, key: string): PreviousValue {
  const data = configMap.data ?? {};
  return Object.hasOwn(data, key) ? { present: true, value: data[key] ?? '' } : { present: false };
}

function sameValue(a: PreviousValue, b: PreviousValue): boolean {
  return a.present === b.present && (!a.present || (b.present && a.value === b.value));
}

function describeValue(value: PreviousValue): string {
  return value.present ? JSON.stringify(value.value) : 'absent';
}

export class PatchEksConfigMapExecutor implements ActionExecutor<PatchConfigMapParams, ConfigMapBefore, ConfigMapApplied> {
  static readonly action = 'patchEksConfigMap';
  private readonly connector: KubeConnector;

  constructor(deps: KubeConnectorDeps) {
    this.connector = new KubeConnector(deps);
  }

  /** Reads only. Refuses a GitOps-managed or immutable ConfigMap, a binary key, and a previous value too big to keep. */
  async readBefore(params: PatchConfigMapParams): Promise<ConfigMapBefore> {
    const apis = await this.connector.connect(params.cluster, params.namespace);
    const configMap = await this.read(apis, params);
    this.refuseUnchangeable(params, configMap);
    const previous = configMapValue(configMap, params.key);
    if (previous.present && Buffer.byteLength(previous.value, 'utf8') > MAX_PREVIOUS_VALUE_BYTES) {
      throw new OutOfScopeError(
        `${label(params)}: the current value of key ${params.key} is larger than ${MAX_PREVIOUS_VALUE_BYTES} bytes and could not be kept for undo`,
      );
    }
    return {
      cluster: params.cluster,
      namespace: params.namespace,
      configMap: params.configMap,
      uid: configMap.metadata?.uid ?? '',
      resourceVersion: configMap.metadata?.resourceVersion ?? '',
      key: params.key,
      previous,
    };
  }

  async apply(params: PatchConfigMapParams, before: ConfigMapBefore, context: ApplyContext): Promise<ConfigMapApplied> {
    const apis = await this.connector.connect(params.cluster, params.namespace);
    const mine = { incidentId: context.incidentId, attempt: context.attempt, action: PatchEksConfigMapExecutor.action, step: 'apply' as const };
    const target: PreviousValue = { present: true, value: params.value };
    const applied = (configMap: V1ConfigMap, alreadyApplied: boolean): ConfigMapApplied => ({
      key: params.key,
      value: params.value,
      resourceVersion: configMap.metadata?.resourceVersion ?? '',
      alreadyApplied,
    });
    return writeOptimistically<V1ConfigMap, ConfigMapApplied>({
      operation: `set key ${params.key} of ${label(params)}`,
      read: () => this.read(apis, params),
      decide: (current) => {
        if (isMarkedBy(current.metadata, mine) && sameValue(configMapValue(current, params.key), target)) return { done: applied(current, true) };
        this.refuseUnchangeable(params, current);
        const now = configMapValue(current, params.key);
        if (current.metadata?.uid !== before.uid || !sameValue(now, before.previous)) {
          throw new StalePlanError(
            `${label(params)}: key ${params.key} changed since the before-state (${describeValue(before.previous)} → ${describeValue(now)}); the plan no longer applies`,
          );
        }
        const marker = markerValue({ ...mine, at: context.now.toISOString() });
        return {
          write: async (resourceVersion) =>
            applied(await this.setKey(apis, params, { resourceVersion, marker, value: params.value }), false),
        };
      },
    });
  }

  /** Puts the previous value back, or removes the key if it was absent; refuses if someone changed the key after us. */
  async undo(params: PatchConfigMapParams, before: ConfigMapBefore, applied: ConfigMapApplied, context: UndoContext): Promise<Record<string, unknown>> {
    const apis = await this.connector.connect(params.cluster, params.namespace);
    const mine = { incidentId: context.incidentId, action: PatchEksConfigMapExecutor.action, step: 'undo' as const };
    const restored = (configMap: V1ConfigMap, alreadyUndone: boolean) => ({
      undone: true,
      alreadyUndone,
      key: params.key,
      restored: before.previous.present ? 'previous value' : 'key removed',
      ...(before.previous.present ? { value: before.previous.value } : {}),
      resourceVersion: configMap.metadata?.resourceVersion ?? '',
    });
    return writeOptimistically<V1ConfigMap, Record<string, unknown>>({
      operation: `restore key ${params.key} of ${label(params)}`,
      read: () => this.read(apis, params),
      decide: (current) => {
        const now = configMapValue(current, params.key);
        if (sameValue(now, before.previous)) {
          return isMarkedBy(current.metadata, mine)
            ? { done: restored(current, true) }
            : { done: { undone: false, reason: `${label(params)}: key ${params.key} already has its previous value (${describeValue(now)}); nothing to undo` } };
        }
        this.refuseUnchangeable(params, current);
        if (current.metadata?.uid !== before.uid || !sameValue(now, { present: true, value: applied.value })) {
          throw new StalePlanError(
            `${label(params)}: key ${params.key} changed after the patch (now ${describeValue(now)}); not restoring over it`,
          );
        }
        const marker = markerValue({ ...mine, at: context.now.toISOString() });
        return {
          write: async (resourceVersion) =>
            restored(await this.setKey(apis, params, { resourceVersion, marker, value: before.previous.present ? before.previous.value : null }), false),
        };
      },
    });
  }

  /**
   * Sets (or, with `null`, removes: JSON Merge Patch semantics) the one key,
   * pinned to the resourceVersion read and marked as this system's change.
   */
  private setKey(apis: KubeApis, params: PatchConfigMapParams, write: { resourceVersion: string; marker: string; value: string | null }): Promise<V1ConfigMap> {
    return apis.core.patchNamespacedConfigMap(
      {
        name: params.configMap,
        namespace: params.namespace,
        body: { metadata: { resourceVersion: write.resourceVersion, annotations: { [CHANGE_ANNOTATION]: write.marker } }, data: { [params.key]: write.value } },
      },
      patchAs(PatchStrategy.MergePatch),
    );
  }

  private read(apis: KubeApis, params: PatchConfigMapParams): Promise<V1ConfigMap> {
    return callKube(`read ${label(params)}`, () => apis.core.readNamespacedConfigMap({ name: params.configMap, namespace: params.namespace }));
  }

  private refuseUnchangeable(params: PatchConfigMapParams, configMap: V1ConfigMap): void {
    const owner = detectGitOpsOwner(configMap.metadata);
    if (owner !== undefined) {
      const target = { kind: 'ConfigMap', cluster: params.cluster, namespace: params.namespace, name: params.configMap } as const;
      throw new GitOpsManagedError(owner, gitOpsRecommendation(target, owner, { action: 'patchEksConfigMap', key: params.key, value: params.value }));
    }
    if (configMap.immutable === true) throw new OutOfScopeError(`${label(params)} is immutable; it cannot be patched`);
    if (Object.hasOwn(configMap.binaryData ?? {}, params.key)) {
      throw new OutOfScopeError(`${label(params)}: key ${params.key} holds binary data; only text keys are patched`);
    }
  }
}
