import type { V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import { eventEvidence, warningsAbout } from './events.js';
import { escalate, type Evidence, type Finding } from './finding.js';
import { identity, optionalAt, optionalEvents } from './finding-parts.js';
import { logTail } from './log-tail.js';
import { isOwnedBy } from './ownership.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { clip, plural, qualified } from './text.js';
import { firstIso, timeMs, toIso } from './time.js';

/**
 * Jobs that failed (the `Failed` condition, or as many failed pods as the
 * backoff limit allows) and CronJobs whose most recent finished Job failed.
 * A Job owned by a CronJob in the snapshot is reported through its CronJob.
 */

/** The API default for `spec.backoffLimit`. */
export const DEFAULT_BACKOFF_LIMIT = 6;

interface JobFailure {
  readonly reason: string;
  readonly message?: string;
  readonly at?: string;
}

/** Why a Job counts as failed, or undefined when it has not failed. */
export function jobFailure(job: V1Job): JobFailure | undefined {
  const conditions = job.status?.conditions ?? [];
  const failed = conditions.find((condition) => condition.type === 'Failed' && condition.status === 'True');
  if (failed !== undefined) {
    return {
      reason: failed.reason ?? 'Failed',
      ...(failed.message ? { message: failed.message } : {}),
      ...optionalAt(firstIso(failed.lastTransitionTime, job.status?.startTime)),
    };
  }
  if (conditions.some((condition) => condition.type === 'Complete' && condition.status === 'True')) return undefined;
  const failures = job.status?.failed ?? 0;
  const limit = job.spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT;
  if (failures > 0 && failures >= limit) {
    return { reason: 'BackoffLimitReached', message: `${plural(failures, 'pod')} failed, backoff limit ${limit}`, ...optionalAt(toIso(job.status?.startTime)) };
  }
  return undefined;
}

function isFinished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some(
    (condition) => (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True',
  );
}

function startedMs(object: V1Job | V1Pod): number {
  return timeMs(object.status?.startTime) ?? timeMs(object.metadata?.creationTimestamp) ?? 0;
}

/** Exit code, termination reason and log tail of the Job's most recent pod. */
function podEvidence(job: V1Job, related: WorkloadSnapshot): Pick<Evidence, 'containerState' | 'exitCode' | 'lastTerminationReason' | 'logTail'> {
  const pod = (related.pods ?? []).filter((candidate) => isOwnedBy(candidate, job, 'Job')).sort((a, b) => startedMs(b) - startedMs(a))[0];
  const podName = pod?.metadata?.name;
  if (pod === undefined || podName === undefined) return {};
  const status = (pod.status?.containerStatuses ?? []).find((item) => item.state?.terminated !== undefined && item.state.terminated.exitCode !== 0)
    ?? pod.status?.containerStatuses?.[0];
  if (status === undefined) return {};
  const terminated = status.state?.terminated ?? status.lastState?.terminated;
  const tail = logTail(related.logs, podName, status.name);
  return {
    ...(terminated === undefined
      ? {}
      : {
          containerState: clip(`pod ${podName} container ${status.name} terminated: ${terminated.reason ?? 'Error'} (exit code ${terminated.exitCode})`),
          exitCode: terminated.exitCode,
          ...(terminated.reason ? { lastTerminationReason: terminated.reason } : {}),
        }),
    ...(tail === undefined ? {} : { logTail: tail }),
  };
}

export function analyzeJobs(jobs: readonly V1Job[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const job of jobs) {
    const id = identity(job.metadata);
    if (id === undefined) continue;
    if ((related.cronJobs ?? []).some((cronJob) => isOwnedBy(job, cronJob, 'CronJob'))) continue;
    const failure = jobFailure(job);
    if (failure === undefined) continue;
    const warnings = warningsAbout(related.events, { kind: 'Job', ...id });
    findings.push({
      kind: 'Job',
      ...id,
      reason: 'JobFailed',
      severity: 'medium',
      message: clip(`Job ${qualified(id.namespace, id.name)} failed (${failure.reason})${failure.message ? `: ${failure.message}` : ''}.`),
      ...optionalAt(failure.at),
      evidence: {
        ...optionalEvents(eventEvidence(warnings)),
        ...podEvidence(job, related),
        details: {
          failedPods: String(job.status?.failed ?? 0),
          backoffLimit: String(job.spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT),
          failureReason: failure.reason,
        },
      },
      suggestion: escalate('The Job ran out of retries; its exit code and log tail show why, and re-running it is a decision for a person.'),
    });
  }
  return findings;
}

/** CronJobs whose most recent finished Job failed; needs `related.jobs`. */
export function analyzeCronJobs(cronJobs: readonly V1CronJob[], related: WorkloadSnapshot = {}): Finding[] {
  if (related.jobs === undefined) return [];
  const findings: Finding[] = [];
  for (const cronJob of cronJobs) {
    const id = identity(cronJob.metadata);
    if (id === undefined) continue;
    const finished = related.jobs
      .filter((job) => isOwnedBy(job, cronJob, 'CronJob') && isFinished(job))
      .sort((a, b) => startedMs(b) - startedMs(a));
    const last = finished[0];
    const failure = last === undefined ? undefined : jobFailure(last);
    if (last === undefined || failure === undefined) continue;
    let consecutive = 0;
    while (consecutive < finished.length && jobFailure(finished[consecutive] as V1Job) !== undefined) consecutive += 1;
    const lastName = last.metadata?.name ?? '';
    const warnings = [
      ...warningsAbout(related.events, { kind: 'CronJob', ...id }),
      ...warningsAbout(related.events, { kind: 'Job', name: lastName, ...(id.namespace ? { namespace: id.namespace } : {}) }),
    ];
    const lastSuccess = toIso(cronJob.status?.lastSuccessfulTime);
    findings.push({
      kind: 'CronJob',
      ...id,
      reason: 'CronJobFailing',
      severity: 'medium',
      message: clip(
        `CronJob ${qualified(id.namespace, id.name)}'s last run, Job ${lastName}, failed (${failure.reason}); ${plural(consecutive, 'run')} in a row failed.`,
      ),
      ...optionalAt(failure.at),
      evidence: {
        ...optionalEvents(eventEvidence(warnings)),
        ...podEvidence(last, related),
        details: {
          lastJob: lastName,
          consecutiveFailures: String(consecutive),
          schedule: cronJob.spec?.schedule ?? '',
          ...(lastSuccess === undefined ? {} : { lastSuccessfulTime: lastSuccess }),
          ...(cronJob.spec?.suspend ? { suspended: 'true' } : {}),
        },
      },
      suggestion: escalate('Scheduled runs keep failing; the exit code and log tail show why, and the fix is in the job itself.'),
    });
  }
  return findings;
}
