/**
 * One line about what each state of the remediation workflow did, read from
 * its output. The console timeline (`local/timeline.ts`) and the incident
 * report's step list both print these, so the two never disagree.
 */

// Outputs are read defensively, by the ASL's field names: a caught state exits without its result.
type Json = Record<string, any>;

/** One line about what a state did, from its output; the state names are the ASL's. */
export function summariseStep(stateName: string, output: Json | undefined): string {
  try {
    return describeState(stateName, output);
  } catch {
    // A state that was caught exits without its result; the caught line says what happened.
    return '';
  }
}

function describeState(stateName: string, output: Json | undefined): string {
  if (output === undefined) return '';
  switch (stateName) {
    case 'BuildContext': {
      const context = output.context as Json;
      const group = context.autoScalingGroup as Json | undefined;
      const kube = context.kubernetes as Json | undefined;
      const alarm = context.alarm as Json | undefined;
      const alarmText = alarm
        ? `alarm ${alarm.name} ${alarm.state}${alarm.latestValue === undefined ? '' : ` at ${alarm.latestValue}`} (threshold ${alarm.threshold})`
        : 'alarm unavailable';
      const gaps = (context.gaps as string[]).length > 0 ? `; gaps: ${(context.gaps as string[]).join('; ')}` : '';
      const logLines = (context.logs as Json[]).reduce((sum: number, excerpt: Json) => sum + (excerpt.lines as Json[]).length, 0);
      const subject =
        group !== undefined
          ? `${group.name}: desired ${group.desiredCapacity} (min ${group.minSize}, max ${group.maxSize}), ${group.inServiceInstances} in service`
          : kube !== undefined
            ? `${kube.namespace}/${kube.deployment}: revision ${kube.revision ?? '?'} (${(kube.images as string[]).join(', ')}), ${kube.readyReplicas}/${kube.replicas} ready; findings: ${(kube.findings as Json[]).map((finding) => finding.reason).join(', ') || 'none'}${kube.gitOps ? '; GitOps-managed' : ''}`
            : `${context.resource.id}: ${logLines} log line(s) read`;
      return `${subject}; ${alarmText}; mode ${context.mode}${gaps}`;
    }
    case 'Decide': {
      const decision = output.decision as Json;
      const source = decision.source === 'bedrock' ? `bedrock:${decision.model?.modelId}` : `runbook:${decision.runbookId}`;
      const model = decision.model ? ` · ${decision.model.inputTokens}+${decision.model.outputTokens} tokens` : '';
      const fallback = decision.fallbackReason ? ` · model not used: ${decision.fallbackReason}` : '';
      return `[${source}] ${decision.action} on ${decision.target} (confidence ${decision.confidence}${model}${fallback}) — ${decision.rationale}`;
    }
    case 'CheckPolicy':
      return `${output.policy.summary}`;
    case 'RequestApproval':
      // A rejection or a timeout is caught: the state exits without an approval, and the caught line says why.
      return output.approval === undefined ? '' : `approved by ${output.approval.decidedBy} at ${output.approval.decidedAt}`;
    case 'AcquireLease':
      return `lease on ${output.lease.resourceId} held by ${output.lease.holder} until ${output.lease.expiresAt}; ${(output.lease.guards as Json[] | undefined)?.map((check: Json) => check.detail).join('; ') ?? ''}`;
    case 'CountAttempt':
      return `attempt ${output.attempt.number} of ${output.context.limits.maxAttempts}`;
    case 'ScaleOutAsg':
    case 'BlockIpInWaf':
    case 'ActOnEks': {
      const action = output.action as Json;
      return `${action.summary}${action.changed ? ' (before-state recorded)' : ''}`;
    }
    case 'UndoScaleOutAsg':
    case 'UndoBlockIpInWaf':
    case 'UndoEksAction':
      return `${output.undo.undone ? 'UNDONE' : 'nothing undone'}: ${output.undo.summary}`;
    case 'WaitForEffect':
      return `waits ${output.context.limits.verifyAfterSeconds}s in AWS (no time locally)`;
    case 'VerifyRecovery':
      return `${output.verification.healthy ? 'healthy' : 'not healthy'}: ${output.verification.summary}`;
    case 'RecordAttemptResult': {
      const result = output.attemptResult as Json;
      const circuit = result.circuitOpened ? `CIRCUIT OPENED: ${result.reason}` : `circuit ${result.circuit}`;
      return `${result.result}; ${result.failuresInWindow} failed remediation(s) in the window; ${circuit}`;
    }
    case 'RecordOutcome':
    case 'RecordSkip':
    case 'RecordObservation':
      return `${output.outcome.summary}${output.outcome.leaseReleased ? ` (lease released, cooldown ${output.outcome.cooldownSeconds ?? '?'}s started)` : ''}`;
    case 'InspectDatabase': {
      const database = output.context.database as Json;
      const top = (database.topQueries as Json[])[0];
      const busiest = top === undefined ? '' : `; busiest ${top.queryId ?? '?'}${top.meanExecTimeMs === undefined ? '' : ` (mean ${Number(top.meanExecTimeMs).toFixed(1)} ms, ${top.calls} calls)`}`;
      return `${database.summary}${busiest}`;
    }
    case 'CreateIndexConcurrently': {
      const action = output.action as Json;
      // `edge`: which PostgreSQL edge ran it (the real driver, or the local simulated database).
      return `${action.summary}${action.changed ? ' (before-state and pg_stat_statements recorded)' : ''}${action.edge === undefined ? '' : ` [${action.edge} database]`}`;
    }
    case 'WaitForIndexEffect':
      return `waits ${output.context.limits.verifyAfterSeconds}s in AWS (no time locally) while the application runs`;
    case 'MeasureIndexEffect':
      return `${output.indexEffect.verdict}: ${output.indexEffect.summary}`;
    case 'VerifyIndexRecovery':
      return `${output.verification.healthy ? 'healthy' : 'not healthy'}: ${output.verification.summary}`;
    case 'UndoCreateIndex':
      return `${output.undo.undone ? 'UNDONE' : 'nothing undone'}: ${output.undo.summary}`;
    case 'DescribeFailedEscalation':
      return output.escalation.reason;
    case 'EscalateIncident':
    case 'RecommendPlan':
      return output.escalation
        ? `${output.escalation.notified ? 'notified' : 'NOT DELIVERED (logged)'}: ${output.escalation.reason}${output.escalation.circuit === 'open' ? ' [circuit open]' : ''}`
        : `escalation failed: ${output.escalationError?.Error ?? 'unknown'}`;
    default:
      return '';
  }
}
