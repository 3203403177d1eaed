/**
 * Named errors of the EKS actions. As in `../errors.ts`, each class name is
 * exactly the string a Step Functions `Catch` matches in `ErrorEquals`. The
 * message carries everything a human needs, because the message is all of
 * the error that reaches the state machine.
 *
 * The shared errors are reused where they mean the same thing:
 * `OutOfScopeError` (cluster not declared, namespace not allowlisted),
 * `StalePlanError` (the object changed since the before-state),
 * `TargetNotFoundError` (no such cluster or object) and `TransientAwsError`
 * (throttling, 5xx, network trouble talking to the Kubernetes API).
 */

/** Which GitOps controller owns an object, and through what. */
export interface GitOpsOwner {
  readonly controller: 'Argo CD' | 'Flux';
  /** `Application` for Argo CD; `Kustomization` or `HelmRelease` for Flux. */
  readonly kind: 'Application' | 'Kustomization' | 'HelmRelease';
  /** The owning application or release, as `name` or `namespace/name`. */
  readonly name: string;
}

/**
 * The object is reconciled from git by Argo CD or Flux: a change made in the
 * cluster would be reverted or flagged as drift at the next sync, so nothing
 * is changed. The message is the recommendation for the human.
 */
export class GitOpsManagedError extends Error {
  override readonly name = 'GitOpsManagedError';

  constructor(
    readonly owner: GitOpsOwner,
    readonly recommendation: string,
  ) {
    super(recommendation);
  }
}

/** The Deployment has no revision older than the live one to roll back to. */
export class NoPreviousRevisionError extends Error {
  override readonly name = 'NoPreviousRevisionError';
}

/** The Deployment's rollout is paused; `kubectl rollout undo` refuses it too. */
export class DeploymentPausedError extends Error {
  override readonly name = 'DeploymentPausedError';
}

/**
 * The Kubernetes API refused the caller (401 or 403): the Lambda role has no
 * EKS access entry on the cluster, or its RBAC lacks a verb. Not retryable.
 */
export class KubeAccessDeniedError extends Error {
  override readonly name = 'KubeAccessDeniedError';
}
