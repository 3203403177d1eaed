import { type CliIo, parseCommandArgs } from './cli-io.js';
import { type DiagnoseDeps, DiagnoseError, type DiagnoseRequest, type DiagnoseTarget, diagnose } from './diagnose.js';
import { formatFindings } from './format-findings.js';

export type { DiagnoseDeps } from './diagnose.js';

export const DIAGNOSE_USAGE = `self-heal diagnose — K8sGPT-style analysis of one namespace, read-only

Usage:
  self-heal diagnose [--cluster NAME | --kubeconfig FILE [--context NAME]] --namespace NS [--deployment NAME] [--json]

Reads Deployments, ReplicaSets, Pods, ConfigMaps, Events, Services, Endpoints,
Ingresses, PersistentVolumeClaims, HorizontalPodAutoscalers, StatefulSets, Jobs
and CronJobs of the namespace, and the Nodes its pods run on (GET and LIST only;
nothing is changed; a list it may not read is skipped with a note), runs the
analyzers and prints the findings with the catalog action each proposes.
Without --cluster or --kubeconfig it uses the default kubeconfig
(KUBECONFIG or ~/.kube/config).

Options:
  --cluster NAME          an EKS cluster: DescribeCluster and an IAM token (AWS credentials and region from the environment)
  --kubeconfig FILE       a kubeconfig file
  --context NAME          a context of the kubeconfig other than its current one
  --namespace NS          the namespace to read (required)
  --deployment NAME       the Deployment the incident is about: reads only its pods, ReplicaSets, PVCs and HPAs, and no StatefulSets, Jobs or CronJobs
  --default CM/KEY=VALUE  a trusted value for key KEY of ConfigMap CM, used when the key is missing (repeatable)
  --max-findings N        how many findings to show (default 10)
  --json                  print the findings array as JSON
  -h, --help              show this help

Exit codes: 0 the analysis ran (with or without findings), 1 it failed, 2 bad usage.`;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

class UsageError extends Error {}

function parseDefaults(values: readonly string[]): Record<string, Record<string, string>> {
  const defaults: Record<string, Record<string, string>> = {};
  for (const value of values) {
    const match = /^([^/=]+)\/([^=]+)=(.*)$/s.exec(value);
    if (match === null) throw new UsageError(`--default ${value}: expected CONFIGMAP/KEY=VALUE`);
    const [, configMap, key, text] = match as unknown as [string, string, string, string];
    (defaults[configMap] ??= {})[key] = text;
  }
  return defaults;
}

function request(values: Record<string, string | boolean | string[] | undefined>): DiagnoseRequest {
  const get = (name: string) => values[name] as string | undefined;
  const namespace = get('namespace');
  if (namespace === undefined || namespace.trim() === '') throw new UsageError('missing --namespace NS: diagnose reads one namespace');
  if (!NAME.test(namespace)) throw new UsageError(`--namespace ${namespace}: not a namespace name`);
  const deployment = get('deployment');
  if (deployment !== undefined && !NAME.test(deployment)) throw new UsageError(`--deployment ${deployment}: not a Deployment name`);
  const cluster = get('cluster');
  const kubeconfig = get('kubeconfig');
  const context = get('context');
  if (cluster !== undefined && (kubeconfig !== undefined || context !== undefined)) {
    throw new UsageError('--cluster reaches the cluster through EKS; it does not go with --kubeconfig or --context');
  }
  if (cluster !== undefined && cluster.trim() === '') throw new UsageError('--cluster needs a cluster name');
  let maxFindings: number | undefined;
  const max = get('max-findings');
  if (max !== undefined) {
    maxFindings = Number(max);
    if (!Number.isInteger(maxFindings) || maxFindings < 1) throw new UsageError(`--max-findings ${max}: expected a positive whole number`);
  }
  const target: DiagnoseTarget =
    cluster !== undefined
      ? { via: 'eks', cluster }
      : { via: 'kubeconfig', ...(kubeconfig === undefined ? {} : { file: kubeconfig }), ...(context === undefined ? {} : { context }) };
  const defaults = parseDefaults((values.default as string[] | undefined) ?? []);
  return {
    target,
    namespace,
    ...(deployment === undefined ? {} : { deployment }),
    ...(Object.keys(defaults).length === 0 ? {} : { defaults }),
    ...(maxFindings === undefined ? {} : { maxFindings }),
  };
}

/** `self-heal diagnose …`; resolves the exit code. */
export async function runDiagnose(argv: readonly string[], io: CliIo, deps: DiagnoseDeps = {}): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      cluster: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      deployment: { type: 'string' },
      default: { type: 'string', multiple: true },
      'max-findings': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    DIAGNOSE_USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 0) {
    io.err(`unexpected argument: ${parsed.positionals.join(' ')}\n\n${DIAGNOSE_USAGE}`);
    return 2;
  }
  let diagnoseRequest: DiagnoseRequest;
  try {
    diagnoseRequest = request(parsed.values);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${DIAGNOSE_USAGE}`);
    return 2;
  }
  try {
    const result = await diagnose(diagnoseRequest, deps);
    if (parsed.values.json) {
      io.out(JSON.stringify(result.findings, null, 2));
      for (const note of result.notes) io.err(`note: ${note}`);
    } else {
      for (const line of formatFindings(result.findings, { scope: result.scope, total: result.total, notes: result.notes })) io.out(line);
    }
    return 0;
  } catch (error) {
    if (error instanceof DiagnoseError) {
      io.err(`diagnose failed: ${error.message}`);
      return error.exitCode;
    }
    io.err(`diagnose failed: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
}
