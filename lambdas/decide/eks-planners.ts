import * as z from 'zod';
import type { Incident } from '../shared/incident.js';
import type { IncidentContext, WorkloadContext } from '../shared/workflow.js';
import type { Planner, PlanResult } from './planners.js';

function workloadOf(incident: Incident, context: IncidentContext): WorkloadContext | PlanResult {
  const workload = context.kubernetes;
  if (incident.resource.kind !== 'eks-deployment' || workload === undefined) {
    return { kind: 'decline', reason: `no Kubernetes view of ${incident.resource.id} in the context` };
  }
  return workload;
}

const isPlan = (value: WorkloadContext | PlanResult): value is PlanResult => 'kind' in value;

/** A GitOps-managed workload is never changed in the cluster: the controller would undo it. */
function gitOpsDecline(workload: WorkloadContext): PlanResult | undefined {
  return workload.gitOps === undefined ? undefined : { kind: 'decline', reason: workload.gitOps };
}

/**
 * Sets the missing environment variable the diagnosis found, in the
 * ConfigMap the Deployment reads it from, with a value from a declared
 * source, then restarts the Deployment so its pods read it. Never invents a
 * value: without a known one it declines (and the incident escalates with
 * the diagnosis).
 */
export const patchMissingVariable: Planner<z.ZodObject<Record<string, never>>> = {
  plans: 'patchEksConfigMap',
  with: z.object({}).strict(),
  plan(incident, context): PlanResult {
    const workload = workloadOf(incident, context);
    if (isPlan(workload)) return workload;
    const finding = workload.findings.find((candidate) => candidate.reason === 'MissingEnvVar');
    if (finding === undefined) return { kind: 'decline', reason: 'the diagnosis found no missing environment variable' };
    const managed = gitOpsDecline(workload);
    if (managed !== undefined) return managed;
    const params = finding.suggestion.params ?? {};
    if (finding.suggestion.action !== 'patchEksConfigMap' || params.configMap === undefined || params.key === undefined || params.value === undefined) {
      return { kind: 'decline', reason: `missing variable found, but no safe patch: ${finding.suggestion.why}` };
    }
    return {
      kind: 'plan',
      params: {
        cluster: workload.cluster,
        namespace: workload.namespace,
        configMap: params.configMap,
        key: params.key,
        value: params.value,
        restartDeployment: workload.deployment,
      },
      rationale: `${finding.message} Set ${params.key} in ConfigMap ${params.configMap} (${finding.suggestion.why}) and restart ${workload.deployment} so its pods read it.`.slice(0, 2_000),
      evidence: [finding.message, ...(finding.evidence.events ?? []).slice(0, 3)].map((line) => line.slice(0, 500)),
    };
  },
};

const RollbackOptions = z
  .object({
    /** How long before the onset a rollout counts as the suspect. */
    rolloutWithinMinutes: z.number().int().min(1).max(1_440).default(60),
  })
  .strict();

/**
 * Rolls back a Deployment whose live revision was rolled out shortly before
 * the onset and whose pods are failing, to the previous revision (kubectl
 * rollout undo). Declines without a previous revision, or when the rollout
 * is too old to be the suspect.
 */
export const rollbackRecentRollout: Planner<typeof RollbackOptions> = {
  plans: 'rollbackEksDeployment',
  with: RollbackOptions,
  plan(incident, context, { rolloutWithinMinutes }): PlanResult {
    const workload = workloadOf(incident, context);
    if (isPlan(workload)) return workload;
    const managed = gitOpsDecline(workload);
    if (managed !== undefined) return managed;
    if (workload.previousRevision === undefined) return { kind: 'decline', reason: `${workload.deployment} has no previous revision to go back to` };
    const onset = Date.parse(incident.onsetAt);
    const rolledOut = workload.rolledOutAt === undefined ? undefined : Date.parse(workload.rolledOutAt);
    if (rolledOut === undefined || onset - rolledOut > rolloutWithinMinutes * 60_000) {
      return { kind: 'decline', reason: `no rollout of ${workload.deployment} within ${rolloutWithinMinutes} minutes before the onset` };
    }
    const failing = workload.findings.filter((finding) => finding.severity === 'critical' || finding.severity === 'high');
    const minutes = Math.max(0, Math.round((onset - rolledOut) / 60_000));
    return {
      kind: 'plan',
      params: { cluster: workload.cluster, namespace: workload.namespace, deployment: workload.deployment },
      rationale: `Revision ${workload.revision ?? '?'} of ${workload.deployment} (${workload.images.join(', ')}) was rolled out ${minutes} min before the onset; roll back to revision ${workload.previousRevision} (${workload.previousImages.join(', ')}).`,
      evidence: [
        `rolled out at ${workload.rolledOutAt}, onset ${incident.onsetAt}`,
        `${workload.readyReplicas}/${workload.replicas} replicas ready`,
        ...failing.slice(0, 3).map((finding) => finding.message.slice(0, 500)),
      ],
    };
  },
};
