import type { V1Deployment } from '@kubernetes/client-node';
import { collapsePodFindings } from './collapse-pod-findings.js';
import { analyzeDeployments } from './deployment-analyzer.js';
import { analyzeEvents } from './event-analyzer.js';
import type { Finding } from './finding.js';
import { analyzeHpas } from './hpa-analyzer.js';
import { analyzeIngresses } from './ingress-analyzer.js';
import { analyzeCronJobs, analyzeJobs } from './job-analyzer.js';
import { diagnoseMissingVariable } from './missing-env-var.js';
import { analyzeNodes } from './node-analyzer.js';
import { analyzePods } from './pod-analyzer.js';
import { analyzePvcs } from './pvc-analyzer.js';
import { DEFAULT_MAX_CHARS, DEFAULT_MAX_FINDINGS, fitBudget, rankFindings } from './rank-findings.js';
import { analyzeReplicaSets } from './replica-set-analyzer.js';
import type { ValueCandidates } from './resolve-value.js';
import { analyzeServices } from './service-analyzer.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { analyzeStatefulSets } from './stateful-set-analyzer.js';
import type { KubeTime } from './time.js';

export interface AnalyzeWorkloadOptions {
  /**
   * The Deployment the incident is about (`name` or `{ name, namespace }`);
   * the missing-variable diagnosis runs for it.
   * @default every Deployment in the snapshot
   */
  readonly targetDeployment?: string | { readonly name: string; readonly namespace?: string };
  /** The incident's onset; findings that started closer to it rank higher within a severity. */
  readonly onsetAt?: KubeTime;
  /** @default 10 */
  readonly maxFindings?: number;
  /** Budget for `JSON.stringify(findings)`. @default 6000 */
  readonly maxChars?: number;
  /** Trusted values for a missing ConfigMap key. */
  readonly candidates?: ValueCandidates;
}

export interface WorkloadAnalysis {
  /** Ranked, within budget. */
  readonly findings: Finding[];
  /** How many findings (after sibling pods were folded together) exist in all. */
  readonly total: number;
  /** How many were left out by the budgets. */
  readonly trimmed: number;
  /** How many kept findings had their evidence shortened to fit. */
  readonly compacted: number;
}

function targets(deployments: readonly V1Deployment[], target: AnalyzeWorkloadOptions['targetDeployment']): V1Deployment[] {
  if (target === undefined) return [...deployments];
  const { name, namespace } = typeof target === 'string' ? { name: target, namespace: undefined } : target;
  return deployments.filter(
    (deployment) => deployment.metadata?.name === name && (namespace === undefined || (deployment.metadata?.namespace ?? 'default') === namespace),
  );
}

/** Every analyzer over the snapshot, before ranking and budgets. */
export function collectFindings(snapshot: WorkloadSnapshot, options: Pick<AnalyzeWorkloadOptions, 'targetDeployment' | 'candidates'> = {}): Finding[] {
  const missing = targets(snapshot.deployments ?? [], options.targetDeployment).flatMap((deployment) => {
    const finding = diagnoseMissingVariable({
      deployment,
      ...(snapshot.pods === undefined ? {} : { pods: snapshot.pods }),
      ...(snapshot.logs === undefined ? {} : { logs: snapshot.logs }),
      ...(snapshot.configMaps === undefined ? {} : { configMaps: snapshot.configMaps }),
      ...(snapshot.events === undefined ? {} : { events: snapshot.events }),
      ...(options.candidates === undefined ? {} : { candidates: options.candidates }),
    });
    return finding === undefined ? [] : [finding];
  });
  const pods = analyzePods(snapshot.pods ?? [], snapshot);
  const others = [
    ...analyzeDeployments(snapshot.deployments ?? [], snapshot),
    ...analyzeReplicaSets(snapshot.replicaSets ?? [], snapshot),
    ...analyzeStatefulSets(snapshot.statefulSets ?? [], snapshot),
    ...analyzeServices(snapshot.services ?? [], snapshot),
    ...analyzeIngresses(snapshot.ingresses ?? [], snapshot),
    ...analyzePvcs(snapshot.pvcs ?? [], snapshot),
    ...analyzeNodes(snapshot.nodes ?? [], snapshot),
    ...analyzeHpas(snapshot.hpas ?? [], snapshot),
    ...analyzeJobs(snapshot.jobs ?? [], snapshot),
    ...analyzeCronJobs(snapshot.cronJobs ?? [], snapshot),
  ];
  // Events are checked against every pod finding, before siblings are folded together.
  const events = analyzeEvents(snapshot.events ?? [], { ...snapshot, reported: [...missing, ...pods, ...others] });
  return [...missing, ...collapsePodFindings(pods), ...others, ...events];
}

/**
 * K8sGPT-style analysis of a workload snapshot: every analyzer, the
 * missing-variable diagnosis for the target Deployment, sibling pods folded
 * together, ranked by severity then by closeness to the onset, and fitted
 * to the finding and character budgets. Pure: no clock, no I/O.
 */
export function analyzeWorkload(snapshot: WorkloadSnapshot, options: AnalyzeWorkloadOptions = {}): WorkloadAnalysis {
  const all = collectFindings(snapshot, options);
  const ranked = rankFindings(all, options.onsetAt);
  const budget = fitBudget(ranked, options.maxFindings ?? DEFAULT_MAX_FINDINGS, options.maxChars ?? DEFAULT_MAX_CHARS);
  return { findings: budget.findings, total: all.length, trimmed: budget.trimmed, compacted: budget.compacted };
}
