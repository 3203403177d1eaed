import * as z from 'zod';

/** The end states the rule forwards: a report describes a finished run. */
export const FINISHED_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/**
 * The EventBridge event Step Functions sends when an execution changes
 * status (`aws.states` / `Step Functions Execution Status Change`), with
 * the fields the function reads. The rule forwards only finished runs of
 * the remediation workflow; anything else is refused as malformed.
 */
export const ExecutionStatusChangeSchema = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  region: z.string().min(1),
  detail: z.object({
    executionArn: z.string().regex(/^arn:[\w-]+:states:[\w-]+:\d{12}:execution:[^:]+:[^:]+$/, 'not an execution ARN'),
    stateMachineArn: z.string().regex(/^arn:[\w-]+:states:[\w-]+:\d{12}:stateMachine:[^:]+$/, 'not a state machine ARN'),
    name: z.string().min(1),
    status: z.enum(FINISHED_STATUSES),
  }),
});
export type ExecutionStatusChange = z.infer<typeof ExecutionStatusChangeSchema>;
