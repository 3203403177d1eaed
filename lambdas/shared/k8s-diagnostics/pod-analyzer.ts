import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { parseConfigError } from './config-error.js';
import { earliestEventIso, eventEvidence, warningsAbout } from './events.js';
import { escalate, type Finding, type FindingReason, type Severity, type Suggestion } from './finding.js';
import { optionalAt, optionalEvents } from './finding-parts.js';
import { logTail } from './log-tail.js';
import { podPosition, type RolloutPosition, rollbackSuggestion } from './rollout.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { clip, plural, qualified } from './text.js';
import { firstIso, toIso } from './time.js';

/**
 * Pods: containers in CrashLoopBackOff (with the last exit code and reason),
 * OOMKilled, unable to pull their image, unable to be created from their
 * configuration, and pods Pending because they cannot be scheduled. Each
 * finding carries the pod's Warning events and, when given, the previous
 * container's log tail.
 */

const IMAGE_PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable']);
const CONTAINER_ERROR_REASONS = new Set([
  'CreateContainerError',
  'RunContainerError',
  'ContainerCannotRun',
  'StartError',
  'PreStartHookError',
  'PostStartHookError',
]);

interface ContainerIssue {
  readonly reason: FindingReason;
  readonly severity: Severity;
  readonly message: string;
  readonly containerState: string;
  readonly exitCode?: number;
  readonly lastTerminationReason?: string;
  /** When the state began, if the status says. */
  readonly since?: string;
  /** Whether the pod's Warning events date the problem better than the state does. */
  readonly datedByEvents: boolean;
  readonly details: Record<string, string>;
}

function describeWaiting(reason: string, message: string | undefined): string {
  return clip(message ? `waiting: ${reason} (${message})` : `waiting: ${reason}`);
}

function containerIssue(status: V1ContainerStatus, podLabel: string): ContainerIssue | undefined {
  const waiting = status.state?.waiting;
  const terminated = status.state?.terminated;
  const last = status.lastState?.terminated;
  const container = `Container ${status.name} of pod ${podLabel}`;
  const restarts = status.restartCount ?? 0;
  const lastExit = last === undefined ? {} : { exitCode: last.exitCode, ...(last.reason ? { lastTerminationReason: last.reason } : {}) };

  if (waiting?.reason === 'CrashLoopBackOff') {
    const oom = last?.reason === 'OOMKilled';
    const exit = last === undefined ? '' : `; it last exited with code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}`;
    return {
      reason: oom ? 'OOMKilled' : 'CrashLoopBackOff',
      severity: 'high',
      message: oom
        ? `${container} is killed for exceeding its memory limit (OOMKilled) and is in CrashLoopBackOff after ${plural(restarts, 'restart')}.`
        : `${container} is in CrashLoopBackOff after ${plural(restarts, 'restart')}${exit}.`,
      containerState: describeWaiting(waiting.reason, waiting.message),
      ...lastExit,
      since: firstIso(last?.finishedAt, last?.startedAt),
      datedByEvents: true,
      details: {},
    };
  }
  if (waiting?.reason !== undefined && IMAGE_PULL_REASONS.has(waiting.reason)) {
    return {
      reason: 'ImagePullBackOff',
      severity: 'high',
      message: `${container} cannot pull its image ${status.image} (${waiting.reason}).`,
      containerState: describeWaiting(waiting.reason, waiting.message),
      datedByEvents: true,
      details: { waitingReason: waiting.reason },
    };
  }
  if (waiting?.reason === 'CreateContainerConfigError') {
    const reference = parseConfigError(waiting.message);
    const details: Record<string, string> = {};
    if (reference !== undefined) {
      details[reference.source === 'Secret' ? 'secret' : 'configMap'] = reference.name;
      if (reference.key !== undefined) details.key = reference.key;
      if (reference.namespace !== undefined) details.configNamespace = reference.namespace;
    }
    return {
      reason: 'CreateContainerConfigError',
      severity: 'high',
      message: clip(`${container} cannot be created from its configuration: ${waiting.message ?? 'CreateContainerConfigError'}.`.replace(/\.\.$/, '.')),
      containerState: describeWaiting(waiting.reason, waiting.message),
      datedByEvents: true,
      details,
    };
  }
  const errorReason = [waiting?.reason, terminated?.reason].find((reason) => reason !== undefined && CONTAINER_ERROR_REASONS.has(reason));
  if (errorReason !== undefined) {
    const detail = waiting?.message ?? terminated?.message;
    return {
      reason: 'ContainerError',
      severity: 'high',
      message: clip(`${container} fails to start (${errorReason})${detail ? `: ${detail}` : ''}.`),
      containerState: waiting ? describeWaiting(waiting.reason ?? errorReason, waiting.message) : clip(`terminated: ${errorReason}`),
      ...(terminated === undefined ? lastExit : { exitCode: terminated.exitCode, lastTerminationReason: terminated.reason ?? errorReason }),
      since: firstIso(terminated?.startedAt),
      datedByEvents: true,
      details: { errorReason },
    };
  }
  if (terminated?.reason === 'OOMKilled') {
    return {
      reason: 'OOMKilled',
      severity: 'high',
      message: `${container} was killed for exceeding its memory limit (OOMKilled) and has not restarted.`,
      containerState: clip(`terminated: OOMKilled (exit code ${terminated.exitCode})`),
      exitCode: terminated.exitCode,
      lastTerminationReason: 'OOMKilled',
      since: firstIso(terminated.finishedAt, terminated.startedAt),
      datedByEvents: false,
      details: {},
    };
  }
  if (last?.reason === 'OOMKilled' && status.state?.running !== undefined) {
    return {
      reason: 'OOMKilled',
      severity: status.ready ? 'low' : 'medium',
      message: `${container} was last killed for exceeding its memory limit (OOMKilled) and is running again after ${plural(restarts, 'restart')}.`,
      containerState: clip(`running since ${toIso(status.state.running.startedAt) ?? 'an unknown time'}${status.ready ? '' : ', not ready'}`),
      ...lastExit,
      since: firstIso(last.finishedAt, last.startedAt),
      datedByEvents: false,
      details: {},
    };
  }
  return undefined;
}

function suggestionFor(issue: ContainerIssue, position: RolloutPosition): Suggestion {
  switch (issue.reason) {
    case 'CrashLoopBackOff':
      return (
        rollbackSuggestion(position, 'The container crashes') ??
        escalate('The container keeps crashing and there is no newer revision to roll back from; its cause (see the exit code and log tail) needs a fix.')
      );
    case 'ImagePullBackOff':
      return (
        rollbackSuggestion(position, 'The image cannot be pulled') ??
        escalate('The image cannot be pulled (wrong tag, registry access or credentials); a person has to fix the reference or the access.')
      );
    case 'ContainerError':
      return (
        rollbackSuggestion(position, 'The container cannot start') ??
        escalate('The container runtime cannot start the container; its command, mounts or security settings need a fix.')
      );
    case 'OOMKilled':
      if (issue.severity === 'high') {
        const rollback = rollbackSuggestion(position, 'The container runs out of memory');
        if (rollback !== undefined) return rollback;
      }
      return escalate('The container exceeds its memory limit; raise the limit or fix the leak (a restart only postpones the next kill).');
    case 'CreateContainerConfigError':
      return escalate(
        issue.details.key !== undefined
          ? `The container reads key ${issue.details.key} of ${issue.details.secret !== undefined ? `Secret ${issue.details.secret}` : `ConfigMap ${issue.details.configMap}`}, which does not exist; see the MissingEnvVar diagnosis for a known value to restore.`
          : 'The container reads configuration that does not exist; a person has to create it or fix the reference.',
      );
    default:
      return escalate('No catalog action addresses this; a person has to look.');
  }
}

function positionDetails(pod: V1Pod, position: RolloutPosition): Record<string, string> {
  const details: Record<string, string> = {};
  if (position.replicaSet !== undefined) details.replicaSet = position.replicaSet;
  if (position.deployment !== undefined) details.deployment = position.deployment;
  if (position.revision !== undefined) details.revision = String(position.revision);
  if (pod.spec?.nodeName) details.node = pod.spec.nodeName;
  return details;
}

function schedulingFinding(pod: V1Pod, podLabel: string, warnings: readonly CoreV1Event[], base: Record<string, string>): Finding | undefined {
  if (pod.status?.phase !== 'Pending') return undefined;
  const condition = (pod.status.conditions ?? []).find((item) => item.type === 'PodScheduled' && item.status === 'False');
  const events = warnings.filter((event) => event.reason === 'FailedScheduling');
  if (condition === undefined && (events.length === 0 || pod.spec?.nodeName)) return undefined;
  const why = events[0]?.message ?? condition?.message ?? condition?.reason ?? 'no node fits it';
  return {
    kind: 'Pod',
    name: pod.metadata?.name ?? '',
    ...(pod.metadata?.namespace ? { namespace: pod.metadata.namespace } : {}),
    reason: 'FailedScheduling',
    severity: 'high',
    message: clip(`Pod ${podLabel} is Pending because it cannot be scheduled: ${why}`),
    ...optionalAt(earliestEventIso(events) ?? firstIso(condition?.lastTransitionTime, pod.metadata?.creationTimestamp)),
    evidence: { ...optionalEvents(eventEvidence(warnings)), details: { ...base, phase: 'Pending' } },
    suggestion: escalate('The scheduler finds no node for the pod (capacity, taints, affinity or volume zone); no catalog action adds capacity to a cluster.'),
  };
}

/** Findings for each pod that is failing. Healthy, completed and merely starting pods give none. */
export function analyzePods(pods: readonly V1Pod[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const pod of pods) {
    const name = pod.metadata?.name;
    if (name === undefined || pod.status?.phase === 'Succeeded') continue;
    const namespace = pod.metadata?.namespace;
    const podLabel = qualified(namespace, name);
    const warnings = warningsAbout(related.events, { kind: 'Pod', name, ...(namespace ? { namespace } : {}) });
    const position = podPosition(pod, related);
    const base = positionDetails(pod, position);
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    let containerFindings = 0;
    for (const status of statuses) {
      const issue = containerIssue(status, podLabel);
      if (issue === undefined) continue;
      containerFindings += 1;
      const tail = logTail(related.logs, name, status.name);
      const at = issue.datedByEvents ? (earliestEventIso(warnings) ?? issue.since) : issue.since;
      findings.push({
        kind: 'Pod',
        name,
        ...(namespace ? { namespace } : {}),
        reason: issue.reason,
        severity: issue.severity,
        message: issue.message,
        ...optionalAt(at ?? toIso(pod.status?.startTime)),
        evidence: {
          ...optionalEvents(eventEvidence(warnings)),
          containerState: issue.containerState,
          ...(issue.exitCode === undefined ? {} : { exitCode: issue.exitCode }),
          ...(issue.lastTerminationReason === undefined ? {} : { lastTerminationReason: issue.lastTerminationReason }),
          ...(tail === undefined ? {} : { logTail: tail }),
          details: {
            ...base,
            container: status.name,
            image: status.image,
            restarts: String(status.restartCount ?? 0),
            ...issue.details,
          },
        },
        suggestion: suggestionFor(issue, position),
      });
    }
    if (containerFindings === 0) {
      const scheduling = schedulingFinding(pod, podLabel, warnings, base);
      if (scheduling !== undefined) findings.push(scheduling);
    }
  }
  return findings;
}
