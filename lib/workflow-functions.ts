import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One Lambda function called by the remediation state machine.
 *
 * The same list drives the CDK construct (one `NodejsFunction` each, its ARN
 * handed to the ASL through `definitionSubstitutions`) and the local runtime
 * (which maps the substituted ARN back to the handler module), so the two
 * can never disagree about which code runs in which state.
 */
export interface WorkflowFunction {
  /** Construct id and the function's purpose, PascalCase. */
  readonly id: string;
  /** Folder under `lambdas/` that holds `index.ts` with the `handler` export. */
  readonly directory: string;
  /** Placeholder in `statemachines/remediate-incident.asl.json`, without `${}`. */
  readonly substitutionKey: string;
}

export const WORKFLOW_FUNCTIONS = [
  { id: 'BuildContext', directory: 'build-context', substitutionKey: 'BuildContextFunctionArn' },
  { id: 'Decide', directory: 'decide', substitutionKey: 'DecideFunctionArn' },
  { id: 'CheckPolicy', directory: 'check-policy', substitutionKey: 'CheckPolicyFunctionArn' },
  { id: 'RequestApproval', directory: 'request-approval', substitutionKey: 'RequestApprovalFunctionArn' },
  { id: 'AcquireLease', directory: 'acquire-lease', substitutionKey: 'AcquireLeaseFunctionArn' },
  { id: 'ScaleOutAsg', directory: 'scale-out-asg', substitutionKey: 'ScaleOutAsgFunctionArn' },
  { id: 'BlockIpInWaf', directory: 'block-ip-in-waf', substitutionKey: 'BlockIpInWafFunctionArn' },
  { id: 'ActOnEks', directory: 'act-on-eks', substitutionKey: 'ActOnEksFunctionArn' },
  { id: 'InspectPostgres', directory: 'inspect-postgres', substitutionKey: 'InspectPostgresFunctionArn' },
  { id: 'CreatePostgresIndex', directory: 'create-postgres-index', substitutionKey: 'CreatePostgresIndexFunctionArn' },
  { id: 'VerifyRecovery', directory: 'verify-recovery', substitutionKey: 'VerifyRecoveryFunctionArn' },
  { id: 'RecordAttemptResult', directory: 'record-attempt-result', substitutionKey: 'RecordAttemptResultFunctionArn' },
  { id: 'RecordOutcome', directory: 'record-outcome', substitutionKey: 'RecordOutcomeFunctionArn' },
  { id: 'EscalateIncident', directory: 'escalate-incident', substitutionKey: 'EscalateIncidentFunctionArn' },
] as const satisfies readonly WorkflowFunction[];

export type WorkflowFunctionId = (typeof WORKFLOW_FUNCTIONS)[number]['id'];

/** Absolute path of a function's handler entry. */
export function handlerEntry(directory: string): string {
  return path.join(projectRoot, 'lambdas', directory, 'index.ts');
}

/** Absolute path of the remediation workflow's ASL definition. */
export const REMEDIATE_INCIDENT_ASL = path.join(projectRoot, 'statemachines', 'remediate-incident.asl.json');
