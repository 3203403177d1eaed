import type { V1Deployment } from '@kubernetes/client-node';
import type { ActionExecutor, ApplyContext, UndoContext } from '../actions/executor.js';
import type { ActionParams } from '../actions/catalog.js';
import { StalePlanError } from '../errors.js';
import { CHANGE_ANNOTATION, isMarkedBy, markerValue, pointerSegment, rfc3339 } from './change-marker.js';
import { DeploymentPausedError, GitOpsManagedError } from './eks-errors.js';
import { type GitOpsAdvice, detectGitOpsOwner, gitOpsRecommendation } from './gitops.js';
import { type KubeApis, KubeConnector, type KubeConnectorDeps, PatchStrategy, callKube, patchAs } from './kube-client.js';
import { writeOptimistically } from './optimistic-write.js';
import {
  type ContainerImage,
  type RollbackTarget,
  type WireTemplate,
  chooseRollbackTarget,
  describeImages,
  imagesOf,
  revisionOf,
  sameTemplate,
  selectorString,
  toWire,
} from './rollout-history.js';

/**
 * `rollbackEksDeployment` (kubectl rollout undo) and `restartEksDeployment`
 * (kubectl rollout restart). Both read the Deployment first, refuse one that
 * Argo CD or Flux manages, and write with the resourceVersion they judged as
 * precondition, stamping `CHANGE_ANNOTATION` so a retry finds its own write.
 */

export type RollbackParams = ActionParams<'rollbackEksDeployment'>;
export type RestartParams = ActionParams<'restartEksDeployment'>;
export type EksExecutorDeps = KubeConnectorDeps;

/** The Deployment as the action found it: what audit reads and undo needs. */
export interface DeploymentBefore {
  readonly cluster: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** Bumped by every spec change (including `replicas`); for audit. */
  readonly generation: number;
  readonly revision?: number;
  readonly paused: boolean;
  readonly replicas: number;
  /** The live pod template as sent on the wire; undo of a rollback restores it. */
  readonly template: WireTemplate;
  readonly images: ContainerImage[];
  /** Pods matching the Deployment's selector when it was read. */
  readonly pods: { readonly total: number; readonly ready: number };
}

export interface RollbackBefore extends DeploymentBefore {
  /** The revision the rollback goes back to, chosen from the history as read. */
  readonly rollbackTo: RollbackTarget;
}

export interface RollbackApplied {
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly replicaSet: string;
  readonly images: ContainerImage[];
  /** The Deployment's generation after the rollback. */
  readonly generation: number;
  readonly resourceVersion: string;
  /** A retry found the rollback already made by this incident and attempt. */
  readonly alreadyApplied: boolean;
}

export interface RestartApplied {
  readonly restartedAt: string;
  readonly generation: number;
  readonly resourceVersion: string;
  readonly alreadyApplied: boolean;
}

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

type DeploymentParams = RollbackParams | RestartParams;

function label(params: DeploymentParams): string {
  return `Deployment ${params.namespace}/${params.deployment} on EKS cluster ${params.cluster}`;
}

function refuseIfGitOps(params: DeploymentParams, deployment: V1Deployment, advice: GitOpsAdvice): void {
  const owner = detectGitOpsOwner(deployment.metadata);
  if (owner === undefined) return;
  const target = { kind: 'Deployment', cluster: params.cluster, namespace: params.namespace, name: params.deployment } as const;
  throw new GitOpsManagedError(owner, gitOpsRecommendation(target, owner, advice));
}

/**
 * Refuses when the Deployment is no longer the one the before-state
 * recorded: re-created, or its pod template changed. Other spec changes
 * (an autoscaler moving `replicas`) and status updates leave the plan valid.
 */
function refuseIfChanged(params: DeploymentParams, before: DeploymentBefore, current: V1Deployment): void {
  if (current.metadata?.uid !== before.uid) {
    throw new StalePlanError(`${label(params)} was deleted and re-created since the before-state; the plan no longer applies`);
  }
  if (!sameTemplate(current.spec?.template, before.template)) {
    throw new StalePlanError(
      `${label(params)}: its pod template changed since the before-state (${describeImages(before.images)} → ${describeImages(imagesOf(current.spec?.template))}); the plan no longer applies`,
    );
  }
}

/** JSON Patch ops that set the change marker, whether or not the object has annotations yet. */
function markerOps(deployment: V1Deployment, value: string): object[] {
  if (deployment.metadata?.annotations === undefined) {
    return [{ op: 'add', path: '/metadata/annotations', value: { [CHANGE_ANNOTATION]: value } }];
  }
  return [{ op: 'add', path: `/metadata/annotations/${pointerSegment(CHANGE_ANNOTATION)}`, value }];
}

/** Reads for both executors: the connection, the Deployment, the history and the pods. */
class DeploymentReader {
  protected readonly connector: KubeConnector;

  constructor(deps: EksExecutorDeps) {
    this.connector = new KubeConnector(deps);
  }

  protected async connect(params: DeploymentParams): Promise<KubeApis> {
    return this.connector.connect(params.cluster, params.namespace);
  }

  protected read(apis: KubeApis, params: DeploymentParams): Promise<V1Deployment> {
    return callKube(`read ${label(params)}`, () => apis.apps.readNamespacedDeployment({ name: params.deployment, namespace: params.namespace }));
  }

  protected async history(apis: KubeApis, params: DeploymentParams, deployment: V1Deployment) {
    const labelSelector = selectorString(deployment.spec?.selector);
    const list = await callKube(`list ReplicaSets of ${label(params)}`, () =>
      apis.apps.listNamespacedReplicaSet({ namespace: params.namespace, ...(labelSelector ? { labelSelector } : {}) }),
    );
    return list.items;
  }

  protected async before(apis: KubeApis, params: DeploymentParams, deployment: V1Deployment): Promise<DeploymentBefore> {
    const labelSelector = selectorString(deployment.spec?.selector);
    const pods = labelSelector
      ? (await callKube(`list pods of ${label(params)}`, () => apis.core.listNamespacedPod({ namespace: params.namespace, labelSelector }))).items
      : [];
    const ready = pods.filter((pod) => (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
    const revision = revisionOf(deployment.metadata);
    return {
      cluster: params.cluster,
      namespace: params.namespace,
      deployment: params.deployment,
      uid: deployment.metadata?.uid ?? '',
      resourceVersion: deployment.metadata?.resourceVersion ?? '',
      generation: deployment.metadata?.generation ?? 0,
      ...(revision !== undefined ? { revision } : {}),
      paused: deployment.spec?.paused === true,
      replicas: deployment.spec?.replicas ?? 1,
      template: toWire(deployment.spec?.template),
      images: imagesOf(deployment.spec?.template),
      pods: { total: pods.length, ready },
    };
  }
}

/**
 * kubectl rollout undo: puts the previous revision's template back. Undo
 * rolls forward to the template that was live before.
 */
export class RollbackEksDeploymentExecutor
  extends DeploymentReader
  implements ActionExecutor<RollbackParams, RollbackBefore, RollbackApplied>
{
  static readonly action = 'rollbackEksDeployment';

  /** Reads only. Refuses (named errors) a GitOps-managed or paused Deployment, or one with no previous revision. */
  async readBefore(params: RollbackParams): Promise<RollbackBefore> {
    const apis = await this.connect(params);
    const deployment = await this.read(apis, params);
    const replicaSets = await this.history(apis, params, deployment);
    let rollbackTo: RollbackTarget | undefined;
    let refusal: unknown;
    try {
      rollbackTo = chooseRollbackTarget(deployment, replicaSets);
    } catch (error) {
      refusal = error;
    }
    refuseIfGitOps(params, deployment, {
      action: 'rollbackEksDeployment',
      ...(rollbackTo ? { previous: { revision: rollbackTo.toRevision, images: rollbackTo.images } } : {}),
    });
    if (rollbackTo === undefined) throw refusal;
    return { ...(await this.before(apis, params, deployment)), rollbackTo };
  }

  async apply(params: RollbackParams, before: RollbackBefore, context: ApplyContext): Promise<RollbackApplied> {
    const apis = await this.connect(params);
    const mine = { incidentId: context.incidentId, attempt: context.attempt, action: RollbackEksDeploymentExecutor.action, step: 'apply' as const };
    const applied = (deployment: V1Deployment, alreadyApplied: boolean): RollbackApplied => ({
      fromRevision: before.rollbackTo.fromRevision,
      toRevision: before.rollbackTo.toRevision,
      replicaSet: before.rollbackTo.replicaSet,
      images: before.rollbackTo.images,
      generation: deployment.metadata?.generation ?? 0,
      resourceVersion: deployment.metadata?.resourceVersion ?? '',
      alreadyApplied,
    });
    return writeOptimistically<V1Deployment, RollbackApplied>({
      operation: `roll back ${label(params)}`,
      read: () => this.read(apis, params),
      decide: (current) => {
        if (isMarkedBy(current.metadata, mine) && sameTemplate(current.spec?.template, before.rollbackTo.template)) {
          return { done: applied(current, true) };
        }
        refuseIfGitOps(params, current, {
          action: 'rollbackEksDeployment',
          previous: { revision: before.rollbackTo.toRevision, images: before.rollbackTo.images },
        });
        if (current.spec?.paused === true) throw new DeploymentPausedError(`${label(params)} was paused since the before-state; not rolling it back`);
        refuseIfChanged(params, before, current);
        const marker = markerValue({ ...mine, at: context.now.toISOString() });
        return {
          write: async (resourceVersion) =>
            applied(await this.replaceTemplate(apis, params, { resourceVersion, template: before.rollbackTo.template, current, marker }), false),
        };
      },
    });
  }

  /** Rolls forward to the template recorded in the before-state, unless someone changed the pod template after the rollback. */
  async undo(params: RollbackParams, before: RollbackBefore, _applied: RollbackApplied, context: UndoContext): Promise<Record<string, unknown>> {
    const apis = await this.connect(params);
    const mine = { incidentId: context.incidentId, action: RollbackEksDeploymentExecutor.action, step: 'undo' as const };
    const rolledForward = (deployment: V1Deployment, alreadyUndone: boolean) => ({
      undone: true,
      alreadyUndone,
      revisionLiveBefore: before.revision,
      images: before.images,
      generation: deployment.metadata?.generation ?? 0,
      resourceVersion: deployment.metadata?.resourceVersion ?? '',
    });
    return writeOptimistically<V1Deployment, Record<string, unknown>>({
      operation: `roll forward ${label(params)}`,
      read: () => this.read(apis, params),
      decide: (current) => {
        if (isMarkedBy(current.metadata, mine) && sameTemplate(current.spec?.template, before.template)) {
          return { done: rolledForward(current, true) };
        }
        if (sameTemplate(current.spec?.template, before.template)) {
          return { done: { undone: false, reason: `${label(params)} already runs the template that was live before the rollback; nothing to undo` } };
        }
        refuseIfGitOps(params, current, { action: 'rollbackEksDeployment' });
        if (current.metadata?.uid !== before.uid || !sameTemplate(current.spec?.template, before.rollbackTo.template)) {
          throw new StalePlanError(
            `${label(params)}: its pod template changed after the rollback (now ${describeImages(imagesOf(current.spec?.template))}); not rolling forward over it`,
          );
        }
        const marker = markerValue({ ...mine, at: context.now.toISOString() });
        return {
          write: async (resourceVersion) =>
            rolledForward(await this.replaceTemplate(apis, params, { resourceVersion, template: before.template, current, marker }), false),
        };
      },
    });
  }

  /**
   * Puts a whole pod template in place with a JSON patch that also pins the
   * resourceVersion read (a 409 if anything changed since) and marks the change.
   */
  private replaceTemplate(
    apis: KubeApis,
    params: RollbackParams,
    write: { resourceVersion: string; template: RollbackBefore['template']; current: V1Deployment; marker: string },
  ): Promise<V1Deployment> {
    return apis.apps.patchNamespacedDeployment(
      {
        name: params.deployment,
        namespace: params.namespace,
        body: [
          { op: 'replace', path: '/metadata/resourceVersion', value: write.resourceVersion },
          { op: 'replace', path: '/spec/template', value: write.template },
          ...markerOps(write.current, write.marker),
        ],
      },
      patchAs(PatchStrategy.JsonPatch),
    );
  }
}

/** kubectl rollout restart: a new `restartedAt` on the pod template rolls every pod. Nothing to undo. */
export class RestartEksDeploymentExecutor
  extends DeploymentReader
  implements ActionExecutor<RestartParams, DeploymentBefore, RestartApplied>
{
  static readonly action = 'restartEksDeployment';

  /** Reads only. Refuses (named errors) a GitOps-managed or paused Deployment. */
  async readBefore(params: RestartParams): Promise<DeploymentBefore> {
    const apis = await this.connect(params);
    const deployment = await this.read(apis, params);
    refuseIfGitOps(params, deployment, { action: 'restartEksDeployment' });
    if (deployment.spec?.paused === true) throw new DeploymentPausedError(`${label(params)} is paused; resume the rollout before restarting it`);
    return this.before(apis, params, deployment);
  }

  async apply(params: RestartParams, before: DeploymentBefore, context: ApplyContext): Promise<RestartApplied> {
    const apis = await this.connect(params);
    const mine = { incidentId: context.incidentId, attempt: context.attempt, action: RestartEksDeploymentExecutor.action, step: 'apply' as const };
    const applied = (deployment: V1Deployment, alreadyApplied: boolean): RestartApplied => ({
      restartedAt: deployment.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] ?? '',
      generation: deployment.metadata?.generation ?? 0,
      resourceVersion: deployment.metadata?.resourceVersion ?? '',
      alreadyApplied,
    });
    return writeOptimistically<V1Deployment, RestartApplied>({
      operation: `restart ${label(params)}`,
      read: () => this.read(apis, params),
      decide: (current) => {
        if (isMarkedBy(current.metadata, mine)) return { done: applied(current, true) };
        refuseIfGitOps(params, current, { action: 'restartEksDeployment' });
        if (current.spec?.paused === true) throw new DeploymentPausedError(`${label(params)} was paused since the before-state; not restarting it`);
        refuseIfChanged(params, before, current);
        const marker = markerValue({ ...mine, at: context.now.toISOString() });
        return {
          write: async (resourceVersion) =>
            applied(
              await apis.apps.patchNamespacedDeployment(
                {
                  name: params.deployment,
                  namespace: params.namespace,
                  body: {
                    metadata: { resourceVersion, annotations: { [CHANGE_ANNOTATION]: marker } },
                    spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: rfc3339(context.now) } } } },
                  },
                },
                patchAs(PatchStrategy.StrategicMergePatch),
              ),
              false,
            ),
        };
      },
    });
  }

  /** A restart changes no configuration: nothing is called, and the result says so. */
  async undo(params: RestartParams, _before: DeploymentBefore, applied: RestartApplied): Promise<Record<string, unknown>> {
    return {
      undone: false,
      reason: `A restart changes no configuration of ${label(params)}; there is nothing to undo (restarted at ${applied.restartedAt}).`,
    };
  }
}
