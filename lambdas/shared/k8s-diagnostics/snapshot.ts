import type {
  CoreV1Event,
  V1ConfigMap,
  V1CronJob,
  V1Deployment,
  V1Endpoints,
  V1Ingress,
  V1Job,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';

/**
 * What was read from the cluster around an incident. Every list is optional:
 * an analyzer that needs a list it was not given does not guess (for example
 * an Ingress is only checked against Services when `services` is present).
 * Each analyzer takes its own objects plus this snapshot as `related`.
 */
export interface WorkloadSnapshot {
  readonly deployments?: readonly V1Deployment[];
  readonly replicaSets?: readonly V1ReplicaSet[];
  readonly statefulSets?: readonly V1StatefulSet[];
  readonly pods?: readonly V1Pod[];
  readonly events?: readonly CoreV1Event[];
  readonly services?: readonly V1Service[];
  readonly endpoints?: readonly V1Endpoints[];
  readonly ingresses?: readonly V1Ingress[];
  readonly pvcs?: readonly V1PersistentVolumeClaim[];
  readonly nodes?: readonly V1Node[];
  readonly hpas?: readonly V2HorizontalPodAutoscaler[];
  readonly jobs?: readonly V1Job[];
  readonly cronJobs?: readonly V1CronJob[];
  readonly configMaps?: readonly V1ConfigMap[];
  /**
   * Log tails of the previous container instance, keyed `podName/container`
   * (as `kubectl logs --previous` returns them). UNTRUSTED text.
   */
  readonly logs?: Readonly<Record<string, readonly string[]>>;
}
