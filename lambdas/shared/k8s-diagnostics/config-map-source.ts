import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { qualified } from './text.js';

/**
 * Which ConfigMap key a Deployment's container reads an environment
 * variable from, following the kubelet's rules: an explicit `env` entry wins
 * over `envFrom`; `envFrom` exposes each key as `prefix + key`. A variable
 * that comes from a Secret, a field, a literal value, or nowhere has no
 * ConfigMap source, and the trace says why.
 */

export interface ConfigMapSource {
  readonly configMap: string;
  /** The ConfigMap key (for `envFrom`, the variable minus the prefix). */
  readonly key: string;
  readonly via: 'valueFrom' | 'envFrom';
  readonly container: string;
  /** The Deployment's namespace, where the ConfigMap lives. */
  readonly namespace?: string;
  /** The `envFrom` prefix, when there is one. */
  readonly prefix?: string;
  /** Secrets loaded by `envFrom` that could supply the same variable; a value is then only taken from ConfigMap-specific evidence. */
  readonly alsoFromSecrets?: readonly string[];
}

export type VariableTrace = { readonly found: true; readonly source: ConfigMapSource } | { readonly found: false; readonly reason: string };

export interface TraceOptions {
  /** Only this container (the one whose logs name the variable). */
  readonly container?: string;
}

interface EnvFromCandidate {
  readonly name: string;
  readonly kind: 'ConfigMap' | 'Secret';
  readonly prefix: string;
}

function traceContainer(container: V1Container, variable: string, namespace: string | undefined): VariableTrace {
  const explicit = (container.env ?? []).findLast((entry) => entry.name === variable);
  const where = `container ${container.name}`;
  if (explicit !== undefined) {
    const from = explicit.valueFrom;
    if (from?.configMapKeyRef !== undefined && from.configMapKeyRef.name) {
      return {
        found: true,
        source: {
          configMap: from.configMapKeyRef.name,
          key: from.configMapKeyRef.key,
          via: 'valueFrom',
          container: container.name,
          ...(namespace === undefined ? {} : { namespace }),
        },
      };
    }
    if (from?.secretKeyRef !== undefined) {
      return { found: false, reason: `${variable} comes from key ${from.secretKeyRef.key} of Secret ${from.secretKeyRef.name ?? '(unnamed)'} in ${where}, not from a ConfigMap.` };
    }
    if (from?.fieldRef !== undefined || from?.resourceFieldRef !== undefined) {
      return { found: false, reason: `${variable} comes from a field of the pod in ${where}, not from a ConfigMap.` };
    }
    return { found: false, reason: `${variable} is set literally in ${where}'s spec, not read from a ConfigMap.` };
  }

  const candidates: EnvFromCandidate[] = [];
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (!variable.startsWith(prefix) || variable.length === prefix.length) continue;
    if (source.configMapRef?.name) candidates.push({ name: source.configMapRef.name, kind: 'ConfigMap', prefix });
    if (source.secretRef?.name) candidates.push({ name: source.secretRef.name, kind: 'Secret', prefix });
  }
  // A longer matching prefix is a more specific claim on the variable.
  const longest = Math.max(-1, ...candidates.map((candidate) => candidate.prefix.length));
  const best = candidates.filter((candidate) => candidate.prefix.length === longest);
  const configMaps = best.filter((candidate) => candidate.kind === 'ConfigMap');
  const secrets = best.filter((candidate) => candidate.kind === 'Secret').map((candidate) => candidate.name);
  if (configMaps.length === 1) {
    const chosen = configMaps[0] as EnvFromCandidate;
    return {
      found: true,
      source: {
        configMap: chosen.name,
        key: variable.slice(chosen.prefix.length),
        via: 'envFrom',
        container: container.name,
        ...(namespace === undefined ? {} : { namespace }),
        ...(chosen.prefix === '' ? {} : { prefix: chosen.prefix }),
        ...(secrets.length === 0 ? {} : { alsoFromSecrets: secrets }),
      },
    };
  }
  if (configMaps.length > 1) {
    return {
      found: false,
      reason: `${variable} could come from any of ConfigMaps ${configMaps.map((item) => item.name).join(', ')} loaded by envFrom in ${where}; which one is meant is not knowable from the spec.`,
    };
  }
  if (secrets.length > 0) {
    return { found: false, reason: `${variable} would come from Secret ${secrets.join(', ')} loaded by envFrom in ${where}, not from a ConfigMap.` };
  }
  return { found: false, reason: `${where} neither sets ${variable} nor loads a ConfigMap that could supply it.` };
}

/**
 * Where a Deployment reads a variable from. Searches the named container, or
 * every container (then init containers) and returns the first ConfigMap
 * source; otherwise the most specific reason there is none.
 */
export function traceVariable(deployment: V1Deployment, variable: string, options: TraceOptions = {}): VariableTrace {
  const spec = deployment.spec?.template.spec;
  const namespace = deployment.metadata?.namespace;
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].filter(
    (container) => options.container === undefined || container.name === options.container,
  );
  const label = `Deployment ${qualified(namespace, deployment.metadata?.name ?? '(unnamed)')}`;
  if (containers.length === 0) {
    return { found: false, reason: options.container === undefined ? `${label} has no containers.` : `${label} has no container ${options.container}.` };
  }
  const traces = containers.map((container) => traceContainer(container, variable, namespace));
  const found = traces.find((trace) => trace.found);
  if (found !== undefined) return found;
  const reasons = traces.filter((trace): trace is { found: false; reason: string } => !trace.found).map((trace) => trace.reason);
  const specific = reasons.find((reason) => !reason.includes('neither sets'));
  if (specific !== undefined) return { found: false, reason: specific };
  if (options.container !== undefined && reasons[0] !== undefined) return { found: false, reason: reasons[0] };
  return {
    found: false,
    reason: `${label} does not reference ${variable} and loads no ConfigMap that could supply it; supplying it needs a change to the pod spec.`,
  };
}

/** The ConfigMap source of a variable, or undefined (see `traceVariable` for the reason). */
export function findConfigMapSource(deployment: V1Deployment, variable: string, options: TraceOptions = {}): ConfigMapSource | undefined {
  const trace = traceVariable(deployment, variable, options);
  return trace.found ? trace.source : undefined;
}
