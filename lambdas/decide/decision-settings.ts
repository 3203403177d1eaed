import * as z from 'zod';

/**
 * How the Decide function decides, from its environment:
 *
 * - `BEDROCK_MODEL_ID` — model or inference profile for the Converse API;
 *   empty or unset means the runbooks decide alone.
 * - `BEDROCK_MAX_TOKENS` (default 1024), `BEDROCK_TIMEOUT_MS` (default 20000),
 * - `DECISION_MIN_CONFIDENCE` (default 0.6): below it, the runbooks decide,
 * - `DECISION_MAX_PROMPT_CHARS` (default 16000): the context is cut to fit.
 */
export const DecisionSettingsSchema = z.object({
  modelId: z.string().trim().max(256).optional().transform((value) => (value === '' ? undefined : value)),
  maxTokens: z.coerce.number().int().min(256).max(8_192).default(1_024),
  timeoutMs: z.coerce.number().int().min(1_000).max(120_000).default(20_000),
  minConfidence: z.coerce.number().min(0).max(1).default(0.6),
  maxPromptChars: z.coerce.number().int().min(2_000).max(200_000).default(16_000),
});
export type DecisionSettings = z.infer<typeof DecisionSettingsSchema>;

export function readDecisionSettings(env: NodeJS.ProcessEnv): DecisionSettings {
  const parsed = DecisionSettingsSchema.safeParse({
    modelId: env.BEDROCK_MODEL_ID,
    maxTokens: env.BEDROCK_MAX_TOKENS,
    timeoutMs: env.BEDROCK_TIMEOUT_MS,
    minConfidence: env.DECISION_MIN_CONFIDENCE,
    maxPromptChars: env.DECISION_MAX_PROMPT_CHARS,
  });
  if (!parsed.success) throw new Error(`invalid decision settings: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
