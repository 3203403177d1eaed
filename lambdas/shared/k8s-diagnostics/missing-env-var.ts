import type { CoreV1Event, V1ConfigMap, V1ContainerStatus, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { parseConfigError } from './config-error.js';
import { type ConfigMapSource, traceVariable, type VariableTrace } from './config-map-source.js';
import { earliestEventIso, eventEvidence, warningsAbout } from './events.js';
import { ENV_VAR_NAME, extractMissingVariable } from './extract-missing-variable.js';
import { escalate, type Finding, type Suggestion } from './finding.js';
import { optionalAt, optionalEvents } from './finding-parts.js';
import { logTail } from './log-tail.js';
import { selectorMatches } from './ownership.js';
import { type ResolvedValue, resolveValue, type ValueCandidates } from './resolve-value.js';
import { clip, MAX_LOG_TAIL_LINES, qualified } from './text.js';
import { firstIso, toIso } from './time.js';

export { type ConfigMapSource, findConfigMapSource, type TraceOptions, traceVariable, type VariableTrace } from './config-map-source.js';
export { ENV_VAR_NAME, extractMissingVariable, type MissingVariable } from './extract-missing-variable.js';
export { MAX_CONFIG_VALUE_CHARS, type ResolvedValue, resolveValue, type ValueCandidates, type ValueOrigin } from './resolve-value.js';

/**
 * End to end: a Deployment's pods cannot start because an environment
 * variable is missing → which variable (kubelet's CreateContainerConfigError
 * first, then the previous container's log tail) → which ConfigMap key
 * supplies it (the pod spec) → a value from trusted sources only → a
 * `patchEksConfigMap` suggestion with a `restartEksDeployment` follow-up, or
 * `escalateOnly` saying what is known and why no value is.
 *
 * The log lines are untrusted, so they only ever pick a *name*: the name
 * must be wired to a ConfigMap key in the pod spec, and the value never
 * comes from the logs.
 */

export interface MissingVariableInput {
  readonly deployment: V1Deployment;
  readonly pods?: readonly V1Pod[];
  /** Previous container log tails, keyed `podName/container`. UNTRUSTED. */
  readonly logs?: Readonly<Record<string, readonly string[]>>;
  /** Current ConfigMaps; when given, the key's presence is checked. */
  readonly configMaps?: readonly V1ConfigMap[];
  readonly candidates?: ValueCandidates;
  readonly events?: readonly CoreV1Event[];
}

interface Sighting {
  readonly variable: string;
  readonly pod?: V1Pod;
  readonly podName: string;
  readonly container: string;
  readonly status?: V1ContainerStatus;
  readonly evidenceSource: 'CreateContainerConfigError' | 'logs';
  /** The untrusted log line, for `logs` sightings. */
  readonly line?: string;
  /** Set for a kubelet sighting: the key the kubelet could not find. */
  readonly trace?: VariableTrace;
}

function podsOf(deployment: V1Deployment, pods: readonly V1Pod[]): V1Pod[] {
  const namespace = deployment.metadata?.namespace ?? 'default';
  return pods.filter(
    (pod) => (pod.metadata?.namespace ?? 'default') === namespace && selectorMatches(deployment.spec?.selector, pod.metadata?.labels),
  );
}

/** The kubelet's own word: a container waiting on a ConfigMap key it cannot find. */
function kubeletSighting(deployment: V1Deployment, pods: readonly V1Pod[]): Sighting | undefined {
  for (const pod of pods) {
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = status.state?.waiting;
      if (waiting?.reason !== 'CreateContainerConfigError') continue;
      const reference = parseConfigError(waiting.message);
      if (reference?.source !== 'ConfigMap' || reference.key === undefined) continue;
      const container = deployment.spec?.template.spec?.containers.find((item) => item.name === status.name)
        ?? deployment.spec?.template.spec?.initContainers?.find((item) => item.name === status.name);
      const entry = container?.env?.findLast(
        (item) => item.valueFrom?.configMapKeyRef?.name === reference.name && item.valueFrom.configMapKeyRef.key === reference.key,
      );
      const variable = entry?.name ?? reference.key;
      if (!ENV_VAR_NAME.test(variable)) continue;
      const namespace = deployment.metadata?.namespace;
      const source: ConfigMapSource = {
        configMap: reference.name,
        key: reference.key,
        via: 'valueFrom',
        container: status.name,
        ...(namespace === undefined ? {} : { namespace }),
      };
      return {
        variable,
        pod,
        podName: pod.metadata?.name ?? '',
        container: status.name,
        status,
        evidenceSource: 'CreateContainerConfigError',
        trace: { found: true, source },
      };
    }
  }
  return undefined;
}

function containerNames(deployment: V1Deployment): string[] {
  const spec = deployment.spec?.template.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((container) => container.name);
}

/** A log line naming a missing variable, in a container of one of the Deployment's pods. */
function logSighting(deployment: V1Deployment, pods: readonly V1Pod[], podsGiven: boolean, logs: MissingVariableInput['logs']): Sighting | undefined {
  if (logs === undefined) return undefined;
  const containers = containerNames(deployment);
  const podNames = podsGiven
    ? pods.map((pod) => pod.metadata?.name ?? '')
    : [...new Set(Object.keys(logs).map((key) => key.slice(0, key.lastIndexOf('/'))))].filter((name) =>
        name.startsWith(`${deployment.metadata?.name ?? '\u0000'}-`),
      );
  for (const podName of podNames) {
    const pod = pods.find((candidate) => candidate.metadata?.name === podName);
    for (const container of containers) {
      const key = `${podName}/${container}`;
      const lines = Object.hasOwn(logs, key) ? logs[key] : undefined;
      const found = lines === undefined ? undefined : extractMissingVariable(lines);
      if (found === undefined) continue;
      const status = [...(pod?.status?.containerStatuses ?? []), ...(pod?.status?.initContainerStatuses ?? [])].find((item) => item.name === container);
      return {
        variable: found.variable,
        ...(pod === undefined ? {} : { pod }),
        podName,
        container,
        ...(status === undefined ? {} : { status }),
        evidenceSource: 'logs',
        line: found.line,
      };
    }
  }
  return undefined;
}

function describeState(status: V1ContainerStatus | undefined): string | undefined {
  const state = status?.state;
  if (state?.waiting !== undefined) return clip(`waiting: ${state.waiting.reason ?? 'Waiting'}${state.waiting.message ? ` (${state.waiting.message})` : ''}`);
  if (state?.terminated !== undefined) return clip(`terminated: ${state.terminated.reason ?? 'Terminated'} (exit code ${state.terminated.exitCode})`);
  if (state?.running !== undefined) return clip(`running since ${toIso(state.running.startedAt) ?? 'an unknown time'}`);
  return undefined;
}

type KeyState = 'absent' | 'blank' | 'present' | 'no-configmap' | 'unknown';

function keyState(configMaps: readonly V1ConfigMap[] | undefined, source: ConfigMapSource): KeyState {
  if (configMaps === undefined) return 'unknown';
  const namespace = source.namespace ?? 'default';
  const configMap = configMaps.find((item) => item.metadata?.name === source.configMap && (item.metadata?.namespace ?? 'default') === namespace);
  if (configMap === undefined) return 'no-configmap';
  const data = configMap.data ?? {};
  if (!Object.hasOwn(data, source.key)) return Object.hasOwn(configMap.binaryData ?? {}, source.key) ? 'present' : 'absent';
  return (data[source.key] ?? '').trim() === '' ? 'blank' : 'present';
}

function noValueReason(candidates: ValueCandidates | undefined, source: ConfigMapSource): string {
  const parts = [
    candidates?.defaults === undefined ? 'no defaults are configured' : 'the configured defaults have no value for it',
    candidates?.previousRevision === undefined ? "the ConfigMap's previous revision was not read" : "the ConfigMap's previous revision has no value for it",
    candidates?.parameterStore === undefined ? 'Parameter Store was not read' : 'Parameter Store has no value for it',
  ];
  return `No trusted source has a value for key ${source.key}: ${parts.join(', ')}; a person has to supply it.`;
}

function suggestionFor(
  deployment: { namespace: string; name: string },
  source: ConfigMapSource,
  state: KeyState,
  resolved: ResolvedValue | undefined,
  candidates: ValueCandidates | undefined,
): Suggestion {
  const configMapLabel = `ConfigMap ${qualified(deployment.namespace, source.configMap)}`;
  const restartParams = { namespace: deployment.namespace, deployment: deployment.name };
  if (state === 'no-configmap') return escalate(`${configMapLabel} does not exist; creating it is for a person.`);
  if (state === 'present') {
    return {
      action: 'restartEksDeployment',
      why: `${configMapLabel} already has key ${source.key}; the pods started before it was set, and a restart makes them read it.`,
      params: restartParams,
    };
  }
  if (resolved === undefined) return escalate(noValueReason(candidates, source));
  const secrets = source.alsoFromSecrets ?? [];
  if (resolved.from === 'parameter-store' && secrets.length > 0) {
    return escalate(
      `The variable could equally come from Secret ${secrets.join(', ')} loaded by envFrom, and only Parameter Store has a value, so writing it into ${configMapLabel} could expose a secret; a person has to choose.`,
    );
  }
  const origin = { defaults: 'the configured default', 'previous-revision': "the ConfigMap's previous revision", 'parameter-store': 'Parameter Store' }[resolved.from];
  return {
    action: 'patchEksConfigMap',
    why: `Set key ${source.key} of ${configMapLabel} to the value from ${origin}, restoring the variable the pods need.`,
    params: { namespace: deployment.namespace, configMap: source.configMap, key: source.key, value: resolved.value },
    followUp: {
      action: 'restartEksDeployment',
      why: 'Environment variables are read when a container starts; a restart makes running pods pick the value up now rather than at their next crash.',
      params: restartParams,
    },
  };
}

/**
 * The missing-variable diagnosis for one Deployment, or undefined when
 * neither the kubelet nor the logs name a missing variable.
 */
export function diagnoseMissingVariable(input: MissingVariableInput): Finding | undefined {
  const { deployment } = input;
  const name = deployment.metadata?.name;
  if (name === undefined) return undefined;
  const namespace = deployment.metadata?.namespace ?? 'default';
  const pods = podsOf(deployment, input.pods ?? []);
  const sighting = kubeletSighting(deployment, pods) ?? logSighting(deployment, pods, input.pods !== undefined, input.logs);
  if (sighting === undefined) return undefined;

  const trace = sighting.trace ?? traceVariable(deployment, sighting.variable, { container: sighting.container });
  const label = `Deployment ${qualified(namespace, name)}`;
  const details: Record<string, string> = {
    variable: sighting.variable,
    container: sighting.container,
    pod: sighting.podName,
    evidenceSource: sighting.evidenceSource,
  };
  let message: string;
  let suggestion: Suggestion;
  if (trace.found) {
    const { source } = trace;
    const state = keyState(input.configMaps, source);
    const resolved = state === 'absent' || state === 'blank' || state === 'unknown' ? resolveValue(source, input.candidates ?? {}) : undefined;
    Object.assign(details, {
      configMap: source.configMap,
      key: source.key,
      via: source.via,
      keyInConfigMap: state,
      ...(source.prefix === undefined ? {} : { prefix: source.prefix }),
      ...(source.alsoFromSecrets === undefined ? {} : { alsoFromSecrets: source.alsoFromSecrets.join(',') }),
      ...(resolved === undefined ? {} : { valueFrom: resolved.from }),
    });
    message = `${label} fails because environment variable ${sighting.variable} is missing; container ${source.container} reads it from key ${source.key} of ConfigMap ${qualified(namespace, source.configMap)} (${source.via}).`;
    suggestion = suggestionFor({ namespace, name }, source, state, resolved, input.candidates);
  } else {
    message = `${label} fails because environment variable ${sighting.variable} is missing, and no ConfigMap key supplies it.`;
    suggestion = escalate(`${trace.reason} No ConfigMap patch can supply it.`);
  }

  const warnings = sighting.pod === undefined ? [] : warningsAbout(input.events, { kind: 'Pod', name: sighting.podName, namespace });
  const last = sighting.status?.lastState?.terminated;
  const tail = logTail(input.logs, sighting.podName, sighting.container);
  const logLines = sighting.line === undefined || tail === undefined || tail.includes(sighting.line) ? tail : [sighting.line, ...tail.slice(-(MAX_LOG_TAIL_LINES - 1))];
  const state = describeState(sighting.status);
  return {
    kind: 'Deployment',
    name,
    namespace,
    reason: 'MissingEnvVar',
    severity: 'critical',
    message,
    ...optionalAt(earliestEventIso(warnings) ?? firstIso(last?.finishedAt, sighting.pod?.status?.startTime)),
    evidence: {
      ...optionalEvents(eventEvidence(warnings)),
      ...(state === undefined ? {} : { containerState: state }),
      ...(last === undefined ? {} : { exitCode: last.exitCode, ...(last.reason ? { lastTerminationReason: last.reason } : {}) }),
      ...(logLines === undefined ? {} : { logTail: logLines }),
      details,
    },
    suggestion,
  };
}
