import * as z from 'zod';

/**
 * The miner's saved state: compact, versioned JSON. Templates are tuples, not
 * objects, to keep the size down (5,000 typical templates fit in well under
 * 1 MB), and are listed least recently matched first, so loading restores the
 * LRU order. Tokens are not stored: they are split again from the text.
 */
export const MINER_STATE_VERSION = 1;

/** One template: `[id, text, count, firstSeen, lastSeen]`. */
export const TemplateEntrySchema = z.tuple([
  z.string().min(1),
  z.string(),
  z.number().int().nonnegative(),
  z.number(),
  z.number(),
]);
export type TemplateEntry = z.infer<typeof TemplateEntrySchema>;

export const MinerStateSchema = z
  .object({
    version: z.literal(MINER_STATE_VERSION),
    templates: z.array(TemplateEntrySchema),
    /** Ids of templates merged into others, to the id that replaced them. */
    aliases: z.record(z.string(), z.string()),
  })
  .superRefine((state, context) => {
    const ids = new Set<string>();
    for (const [id] of state.templates) {
      if (ids.has(id)) context.addIssue({ code: 'custom', message: `duplicate template id ${id}`, path: ['templates'] });
      ids.add(id);
    }
  });
export type MinerState = z.infer<typeof MinerStateSchema>;

/** A state as JSON text. */
export function serializeState(state: MinerState): string {
  return JSON.stringify(state);
}

/** Reads a state from JSON text; throws on anything that is not a valid state of this version. */
export function parseState(json: string): MinerState {
  return MinerStateSchema.parse(JSON.parse(json));
}

/** An empty state, for a miner that has seen nothing yet. */
export function emptyState(): MinerState {
  return { version: MINER_STATE_VERSION, templates: [], aliases: {} };
}
