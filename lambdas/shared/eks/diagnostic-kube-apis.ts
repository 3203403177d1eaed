import { AutoscalingV2Api, BatchV1Api, type KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { buildKubeConfig, type KubeApiFactory, type KubeApis, kubeApisFrom } from './kube-client.js';

/**
 * Every API group `self-heal diagnose` reads: the workload groups, plus
 * `networking` (Ingresses), `autoscaling` (HPAs) and `batch` (Jobs, CronJobs).
 * Kept apart from `kube-client.ts` so that only the CLI, never a Lambda
 * bundle, imports the generated clients of these groups.
 */
export function diagnosticKubeApisFrom(config: KubeConfig): Required<KubeApis> {
  return {
    ...kubeApisFrom(config),
    networking: config.makeApiClient(NetworkingV1Api),
    autoscaling: config.makeApiClient(AutoscalingV2Api),
    batch: config.makeApiClient(BatchV1Api),
  };
}

/** `eksKubeApis` with every group diagnose reads. */
export const diagnosticEksKubeApis: KubeApiFactory = (connection) =>
  diagnosticKubeApisFrom(
    buildKubeConfig({ name: connection.name, server: connection.endpoint, caData: connection.certificateAuthority, token: connection.token }),
  );
