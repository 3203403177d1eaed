import type { ActionExecutor, ApplyContext, UndoContext } from '../shared/actions/executor.js';
import type {
  ConfigMapApplied,
  ConfigMapBefore,
  DeploymentBefore,
  PatchConfigMapParams,
  PatchEksConfigMapExecutor,
  RestartApplied,
  RestartEksDeploymentExecutor,
} from '../shared/eks/index.js';

export interface PatchAndRestartBefore {
  configMap: ConfigMapBefore;
  /** The Deployment restarted after the patch, when the plan names one. */
  deployment?: DeploymentBefore;
}

export interface PatchAndRestartApplied {
  configMap: ConfigMapApplied;
  restart?: RestartApplied;
}

/**
 * The attempt number the undo's restart is marked with: the apply's restart
 * already carries the attempt's own mark, and a second restart must be told
 * apart from a retry of the first.
 */
export const UNDO_RESTART_ATTEMPT_OFFSET = 1_000;

/**
 * `patchEksConfigMap` with its optional restart: pods read environment
 * variables when they start, so a fixed ConfigMap only helps once the
 * Deployment rolls. Undo restores the key (or removes it) and restarts
 * again, so running pods go back to what they read before.
 */
export class PatchAndRestartExecutor implements ActionExecutor<PatchConfigMapParams, PatchAndRestartBefore, PatchAndRestartApplied> {
  constructor(
    private readonly patch: PatchEksConfigMapExecutor,
    private readonly restart: RestartEksDeploymentExecutor,
  ) {}

  private restartParams(params: PatchConfigMapParams) {
    return params.restartDeployment === undefined
      ? undefined
      : { cluster: params.cluster, namespace: params.namespace, deployment: params.restartDeployment };
  }

  async readBefore(params: PatchConfigMapParams): Promise<PatchAndRestartBefore> {
    const restart = this.restartParams(params);
    const configMap = await this.patch.readBefore(params);
    return restart === undefined ? { configMap } : { configMap, deployment: await this.restart.readBefore(restart) };
  }

  async apply(params: PatchConfigMapParams, before: PatchAndRestartBefore, context: ApplyContext): Promise<PatchAndRestartApplied> {
    const configMap = await this.patch.apply(params, before.configMap, context);
    const restart = this.restartParams(params);
    if (restart === undefined || before.deployment === undefined) return { configMap };
    return { configMap, restart: await this.restart.apply(restart, before.deployment, context) };
  }

  async undo(params: PatchConfigMapParams, before: PatchAndRestartBefore, applied: PatchAndRestartApplied, context: UndoContext): Promise<Record<string, unknown>> {
    const configMap = await this.patch.undo(params, before.configMap, applied.configMap, context);
    const restart = this.restartParams(params);
    if (restart === undefined || applied.restart === undefined) return { configMap };
    // The Deployment as it is now (after our restart) is the before-state of the undo's restart.
    const current = await this.restart.readBefore(restart);
    const again = await this.restart.apply(restart, current, {
      incidentId: context.incidentId,
      attempt: UNDO_RESTART_ATTEMPT_OFFSET + (applied.restart.generation % UNDO_RESTART_ATTEMPT_OFFSET),
      reason: 'undo: restart so pods read the restored ConfigMap',
      now: context.now,
    });
    return { configMap, restart: again };
  }
}
