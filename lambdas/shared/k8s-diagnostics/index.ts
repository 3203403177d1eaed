/**
 * K8sGPT-class analyzers for Kubernetes objects, as pure functions: each
 * takes objects (typed by `@kubernetes/client-node`) and the rest of a
 * snapshot, and returns `Finding`s with evidence and a suggested catalog
 * action. No network, no AWS, no clock.
 */
export { analyzeWorkload, type AnalyzeWorkloadOptions, collectFindings, type WorkloadAnalysis } from './analyze-workload.js';
export { collapsePodFindings } from './collapse-pod-findings.js';
export { type ConfigReference, parseConfigError } from './config-error.js';
export { analyzeDeployments } from './deployment-analyzer.js';
export { analyzeEvents, type EventAnalyzerContext, FREQUENT_WARNING_COUNT } from './event-analyzer.js';
export {
  escalate,
  type Evidence,
  EvidenceSchema,
  type Finding,
  FINDING_KINDS,
  FINDING_REASONS,
  type FindingKind,
  type FindingReason,
  FindingSchema,
  FollowUpSchema,
  type Severity,
  SEVERITIES,
  SEVERITY_RANK,
  SUGGESTED_ACTIONS,
  type SuggestedAction,
  type Suggestion,
  SuggestionSchema,
} from './finding.js';
export { analyzeHpas } from './hpa-analyzer.js';
export { analyzeIngresses } from './ingress-analyzer.js';
export { analyzeCronJobs, analyzeJobs, DEFAULT_BACKOFF_LIMIT, jobFailure } from './job-analyzer.js';
export {
  type ConfigMapSource,
  diagnoseMissingVariable,
  ENV_VAR_NAME,
  extractMissingVariable,
  findConfigMapSource,
  MAX_CONFIG_VALUE_CHARS,
  type MissingVariable,
  type MissingVariableInput,
  type ResolvedValue,
  resolveValue,
  type TraceOptions,
  traceVariable,
  type ValueCandidates,
  type ValueOrigin,
  type VariableTrace,
} from './missing-env-var.js';
export { analyzeNodes } from './node-analyzer.js';
export { analyzePods } from './pod-analyzer.js';
export { analyzePvcs } from './pvc-analyzer.js';
export { type BudgetResult, DEFAULT_MAX_CHARS, DEFAULT_MAX_FINDINGS, fitBudget, rankFindings } from './rank-findings.js';
export { analyzeReplicaSets } from './replica-set-analyzer.js';
export { analyzeServices } from './service-analyzer.js';
export type { WorkloadSnapshot } from './snapshot.js';
export { analyzeStatefulSets } from './stateful-set-analyzer.js';
