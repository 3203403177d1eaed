/**
 * The EKS actions: `rollbackEksDeployment`, `restartEksDeployment` and
 * `patchEksConfigMap` as `ActionExecutor`s, and the edge they stand on
 * (DescribeCluster, the IAM bearer token, an in-memory kubeconfig).
 */
import { PatchEksConfigMapExecutor } from './configmap-executor.js';
import { type EksExecutorDeps, RestartEksDeploymentExecutor, RollbackEksDeploymentExecutor } from './deployment-executors.js';

export * from './change-marker.js';
export * from './configmap-executor.js';
export * from './deployment-executors.js';
export * from './eks-errors.js';
export * from './eks-token.js';
export * from './gitops.js';
export * from './kube-client.js';
export * from './optimistic-write.js';
export * from './rollout-history.js';

/** The three executors over one set of dependencies, keyed by catalog action name. */
export function createEksExecutors(deps: EksExecutorDeps) {
  return {
    rollbackEksDeployment: new RollbackEksDeploymentExecutor(deps),
    restartEksDeployment: new RestartEksDeploymentExecutor(deps),
    patchEksConfigMap: new PatchEksConfigMapExecutor(deps),
  } as const;
}
