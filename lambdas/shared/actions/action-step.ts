import * as z from 'zod';
import { IncidentSchema } from '../incident.js';
import { DecisionSchema } from '../workflow.js';
import { ActionNameSchema } from './catalog.js';

/**
 * The contract between the workflow and every action function. An action
 * function receives `apply` (carry out the plan) or `undo` (reverse what
 * its own apply did, after verification failed), and returns plain JSON
 * that travels through the state machine. The result of `apply` carries the
 * before-state and what was changed, so the undo needs nothing else.
 */

const ApplyInputSchema = z.object({
  operation: z.literal('apply'),
  incident: IncidentSchema,
  attempt: z.number().int().min(1),
  decision: DecisionSchema,
  /** The group's desired capacity in the context the plan was made from (scale-out only). */
  plannedFrom: z.number().int().min(0).optional(),
  executionId: z.string().optional(),
});

export const ActionResultSchema = z.looseObject({
  attempt: z.number().int().min(1),
  action: ActionNameSchema,
  /** The `kind/...` target the action changed. */
  target: z.string(),
  /** False when nothing needed changing (a retried or duplicate step, or an address already blocked). */
  changed: z.boolean(),
  /** When the change began (before the first call that could change anything). */
  actedAt: z.iso.datetime({ offset: true }),
  /** One sentence for the reviewer: what was changed, from what, to what. */
  summary: z.string(),
  /** Whether the workflow can undo it when verification fails. */
  undoable: z.boolean(),
  /** The target as it was before, as recorded in the attempt record before anything changed. */
  before: z.record(z.string(), z.unknown()),
  /** What apply changed, as the action's undo needs it. */
  applied: z.record(z.string(), z.unknown()),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

/** What a scale-out step returns: the common result, plus the capacities it moved between. */
export type ScaleOutResult = ActionResult & {
  action: 'scaleOutAsg';
  autoScalingGroupName: string;
  beforeCapacity: number;
  targetCapacity: number;
};

const UndoInputSchema = z.object({
  operation: z.literal('undo'),
  incident: IncidentSchema,
  attempt: z.number().int().min(1),
  decision: DecisionSchema,
  /** What apply returned. */
  action: ActionResultSchema,
  /** Why it is undone: the verification's summary. */
  reason: z.string().max(2_000).optional(),
  executionId: z.string().optional(),
});

export const ActionStepInputSchema = z.discriminatedUnion('operation', [ApplyInputSchema, UndoInputSchema]);
export type ActionStepInput = z.infer<typeof ActionStepInputSchema>;
export type ApplyInput = z.infer<typeof ApplyInputSchema>;
export type UndoInput = z.infer<typeof UndoInputSchema>;

export const UndoResultSchema = z.object({
  action: ActionNameSchema,
  target: z.string(),
  /** True when this undo changed the target back; false when there was nothing of ours to reverse. */
  undone: z.boolean(),
  /**
   * Whether the action's change is still in place afterwards. False when this
   * undo reversed it, and also when it was reversed already (an earlier try
   * of this undo whose response was lost): the attempt then counts as undone.
   */
  inPlace: z.boolean(),
  summary: z.string(),
  undoneAt: z.iso.datetime({ offset: true }),
  details: z.record(z.string(), z.unknown()),
});
export type UndoResult = z.infer<typeof UndoResultSchema>;

/** Idempotency key of an action step: the same incident, attempt and operation never run twice. */
export const ACTION_STEP_IDEMPOTENCY_KEY = '[incident.incidentId, attempt, operation]';
