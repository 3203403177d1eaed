import * as z from 'zod';
import { AutonomyOverridesSchema, MetricRefSchema, ModeSchema } from '../lambdas/shared/scope.js';

/** One Auto Scaling group as written in the `selfHealing` context. */
export const AutoScalingGroupConfigSchema = z
  .object({
    autoScalingGroupName: z.string().min(1).max(255),
    /** Names of alarms in the stack's account and region. */
    alarmNames: z.array(z.string().min(1).max(255)).min(1),
    maxStep: z.number().int().min(1).optional(),
    maxCapacity: z.number().int().min(1).optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
    cooldownMinutes: z.number().int().min(0).optional(),
    leaseMinutes: z.number().int().min(1).optional(),
    verifyAfterSeconds: z.number().int().min(0).optional(),
    /** Autonomy per action for this group. */
    autonomy: AutonomyOverridesSchema.optional(),
    /** Targets an action may change on this group's behalf. */
    dependencies: z.array(z.string().min(3)).optional(),
    logGroupNames: z.array(z.string().min(1)).max(5).optional(),
    relatedMetrics: z.array(MetricRefSchema).max(10).optional(),
    approvalTimeoutMinutes: z.number().int().min(1).max(1_440).optional(),
  })
  .strict();

/**
 * The `selfHealing` context of `cdk.json` (or `-c selfHealing='{...}'`).
 * Unknown keys are rejected, so a misspelt limit fails the synth instead of
 * silently falling back to its default.
 */
export const SelfHealingConfigSchema = z
  .object({
    mode: ModeSchema,
    autoScalingGroups: z.array(AutoScalingGroupConfigSchema).min(1),
    notificationEmail: z.email().optional(),
    /** Autonomy per action for every group. */
    autonomy: AutonomyOverridesSchema.optional(),
    guardrails: z
      .object({ protectedCidrs: z.array(z.string()).optional(), allowedNamespaces: z.array(z.string()).optional() })
      .strict()
      .optional(),
    /** Flap protection for every group. */
    flapGuard: z
      .object({
        attemptBudget: z.number().int().min(1).max(100).optional(),
        budgetWindowHours: z.number().min(0.1).max(168).optional(),
        circuitFailureThreshold: z.number().int().min(1).max(100).optional(),
        maxCooldownMinutes: z.number().int().min(0).max(10_080).optional(),
      })
      .strict()
      .optional(),
    decision: z
      .object({
        /** Bedrock model or inference profile id; null turns the model off. */
        modelId: z.string().min(1).nullable().optional(),
        minConfidence: z.number().min(0).max(1).optional(),
        timeoutSeconds: z.number().int().min(1).max(40).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type SelfHealingConfig = z.infer<typeof SelfHealingConfigSchema>;

/** Thrown when the `selfHealing` context is missing or invalid. */
export class InvalidSelfHealingConfigError extends Error {
  override name = 'InvalidSelfHealingConfigError';
}

/**
 * Validates the `selfHealing` context. Accepts the object from `cdk.json`
 * or the JSON string that `-c selfHealing=...` passes.
 *
 * @throws InvalidSelfHealingConfigError naming every problem
 */
export function parseSelfHealingConfig(raw: unknown): SelfHealingConfig {
  if (raw === undefined) {
    throw new InvalidSelfHealingConfigError(
      'Missing "selfHealing" context: add it to cdk.json or pass -c selfHealing=\'{"mode":"dry-run",...}\'',
    );
  }
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new InvalidSelfHealingConfigError(`"selfHealing" context is not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = SelfHealingConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidSelfHealingConfigError(`Invalid "selfHealing" context:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
