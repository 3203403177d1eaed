import * as z from 'zod';

/**
 * What the WAF functions are deployed with: the IP sets they may write, the
 * block caps, and the expiry schedule. The CDK construct serialises it into
 * `WAF_SETTINGS`; nothing a plan says widens it.
 */
export const WafSettingsSchema = z.object({
  ipSets: z
    /** Empty when no site is declared: every block is then refused as `IpSetNotDeclaredError`. */
    .array(z.object({ name: z.string().min(1).max(128), id: z.string().min(1).max(36), scope: z.enum(['REGIONAL', 'CLOUDFRONT']), arn: z.string().min(1) })),
  limits: z.object({ maxPerHour: z.number().int().min(1), maxTotal: z.number().int().min(1) }),
  schedule: z
    .object({
      groupName: z.string().min(1),
      targetArn: z.string().min(1),
      roleArn: z.string().min(1),
      deadLetterArn: z.string().min(1).optional(),
      retryPolicy: z.object({ maximumRetryAttempts: z.number().int().min(0).max(185), maximumEventAgeInSeconds: z.number().int().min(60).max(86_400) }).optional(),
    })
    .strict(),
});
export type WafSettings = z.infer<typeof WafSettingsSchema>;

export function parseWafSettings(json: string): WafSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`WAF_SETTINGS is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = WafSettingsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`WAF_SETTINGS is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
