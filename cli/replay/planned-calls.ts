import { ACTIONS, type ActionParams } from '../../lambdas/shared/actions/catalog.js';
import { RESTARTED_AT_ANNOTATION } from '../../lambdas/shared/eks/deployment-executors.js';
import { createIndexSql } from '../../lambdas/shared/index-advisor/index-ddl.js';
import { indexNameFor } from '../../lambdas/shared/index-advisor/index-name.js';
import type { Incident } from '../../lambdas/shared/incident.js';
import type { Decision, IncidentContext, PolicyVerdict } from '../../lambdas/shared/workflow.js';

/**
 * What the workflow would do after CheckPolicy, and the exact calls its
 * action step would make — described from the plan, the verdict and the
 * gathered context, never made. The path follows the state machine's
 * choices: a denied plan or `escalateOnly` escalates; autonomy `observe`
 * records the plan; `recommend` sends it to a human; `approve` waits for a
 * human's approval, then acts; `auto` acts.
 */

export type PlannedPath = 'escalate' | 'record' | 'recommend' | 'approve-then-act' | 'act';

export interface PlannedOutcome {
  readonly path: PlannedPath;
  /** One sentence: `would escalate: …`, `would do: …`. */
  readonly headline: string;
  /** The calls the action step would make, in order (none for an escalation). */
  readonly calls: readonly string[];
  /** What follows the action: verification, and the undo if it fails. */
  readonly then: readonly string[];
}

/** The calls the action step makes for a plan (bookkeeping first), from its params and the context. */
export function actionCalls(decision: Decision, context: IncidentContext, incident: Incident, now = new Date()): string[] {
  const bookkeeping = `DynamoDB UpdateItem lease of ${incident.resource.id} (held ${context.limits.leaseSeconds} s) and PutItem attempt 1 with the before-state`;
  switch (decision.action) {
    case 'scaleOutAsg': {
      const params = decision.params as ActionParams<'scaleOutAsg'>;
      const from = context.autoScalingGroup?.desiredCapacity;
      return [
        bookkeeping,
        `AutoScaling SetDesiredCapacity ${params.autoScalingGroupName} ${from ?? '?'} → ${params.targetCapacity} (HonorCooldown false)`,
      ];
    }
    case 'blockIpInWaf': {
      const params = decision.params as ActionParams<'blockIpInWaf'>;
      const set = `${params.ipSetName} (${params.scope})`;
      return [
        bookkeeping,
        `WAFV2 GetIPSet ${set}: its addresses and lock token`,
        `DynamoDB PutItem block record of ${params.cidr} and UpdateItem a slot of the block caps`,
        `Scheduler CreateSchedule: remove ${params.cidr} from ${set} at ${new Date(now.getTime() + params.durationMinutes * 60_000).toISOString()} (${params.durationMinutes} min)`,
        `WAFV2 UpdateIPSet ${set}: add ${params.cidr}`,
      ];
    }
    case 'rollbackEksDeployment': {
      const params = decision.params as ActionParams<'rollbackEksDeployment'>;
      const workload = context.kubernetes;
      const from = workload?.revision === undefined ? 'the live revision' : `revision ${workload.revision} (${workload.images.join(', ') || '?'})`;
      const to =
        workload?.previousRevision === undefined
          ? 'the previous revision'
          : `revision ${workload.previousRevision} (${workload.previousImages.join(', ') || '?'})`;
      return [
        bookkeeping,
        `EKS DescribeCluster ${params.cluster}, then GET deployments/${params.deployment} and LIST replicasets in ${params.namespace}`,
        `PATCH deployments/${params.deployment} in ${params.cluster}/${params.namespace} (JSON patch): pod template from ${from} back to ${to}`,
      ];
    }
    case 'restartEksDeployment': {
      const params = decision.params as ActionParams<'restartEksDeployment'>;
      return [
        bookkeeping,
        `EKS DescribeCluster ${params.cluster}, then GET deployments/${params.deployment} in ${params.namespace}`,
        `PATCH deployments/${params.deployment} in ${params.cluster}/${params.namespace} (strategic merge): pod template annotation ${RESTARTED_AT_ANNOTATION} = now — a rolling restart`,
      ];
    }
    case 'patchEksConfigMap': {
      const params = decision.params as ActionParams<'patchEksConfigMap'>;
      return [
        bookkeeping,
        `EKS DescribeCluster ${params.cluster}, then GET configmaps/${params.configMap} in ${params.namespace}`,
        `PATCH configmaps/${params.configMap} in ${params.cluster}/${params.namespace} (merge patch): data.${params.key} = ${JSON.stringify(params.value)}`,
        ...(params.restartDeployment === undefined
          ? []
          : [`PATCH deployments/${params.restartDeployment} in ${params.cluster}/${params.namespace} (strategic merge): ${RESTARTED_AT_ANNOTATION} = now — a rolling restart`]),
      ];
    }
    case 'createIndexConcurrently': {
      const params = decision.params as ActionParams<'createIndexConcurrently'>;
      const relation = { schema: params.schema, table: params.table };
      return [
        bookkeeping,
        `Secrets Manager GetSecretValue of ${params.database}'s actor login, then read its indexes and the query's pg_stat_statements row (the before-state)`,
        `PostgreSQL on ${params.database}: SET lock_timeout, statement_timeout; ${createIndexSql(relation, params.columns, indexNameFor(relation, params.columns))}`,
      ];
    }
    case 'escalateOnly':
      return [];
  }
}

function followUp(decision: Decision, context: IncidentContext, incident: Incident): string[] {
  const alarm = context.alarm?.name ?? (incident.signal.source === 'cloudwatch-alarm' ? incident.signal.alarmName : 'the resource\'s alarm');
  return [
    `wait ${context.limits.verifyAfterSeconds} s, then VerifyRecovery reads ${alarm} and the dependent alarms (${ACTIONS[decision.action].verification})`,
    `if it has not recovered: ${ACTIONS[decision.action].undo}`,
  ];
}

export function plannedOutcome(incident: Incident, context: IncidentContext, decision: Decision, verdict: PolicyVerdict): PlannedOutcome {
  if (!verdict.allowed) {
    return { path: 'escalate', headline: `would escalate: the policy denies the plan — ${verdict.reasons.join('; ')}`, calls: [], then: [] };
  }
  if (decision.action === 'escalateOnly') {
    const reason = String((decision.params as { reason?: unknown }).reason ?? decision.rationale);
    return { path: 'escalate', headline: `would escalate: ${reason}`, calls: [], then: [] };
  }
  const calls = actionCalls(decision, context, incident);
  const then = followUp(decision, context, incident);
  switch (verdict.autonomy) {
    case 'observe':
      return {
        path: 'record',
        headline: `would record the plan and change nothing (autonomy observe${context.mode === 'dry-run' ? ', dry-run mode' : ''}); had it run, the action step would make:`,
        calls,
        then: [],
      };
    case 'recommend':
      return {
        path: 'recommend',
        headline: 'would send the plan to a human (SNS Publish) and change nothing (autonomy recommend); the plan, if a human carries it out:',
        calls,
        then: [],
      };
    case 'approve':
      return {
        path: 'approve-then-act',
        headline: `would ask a human to approve (a signed link by SNS; waits up to ${context.limits.approvalTimeoutSeconds} s, then escalates), and once approved would do:`,
        calls,
        then,
      };
    case 'auto':
      return { path: 'act', headline: 'would do:', calls, then };
  }
}
