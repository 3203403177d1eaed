import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { FakeReplySchema } from '../../local/fake-bedrock.js';
import { WorldSchema } from '../../local/simulated-world.js';

/**
 * What an offline replay runs against: the simulated world that answers
 * the read APIs, the deployed scope the event is judged by, and optionally
 * a scripted model. A sample ships one next to itself (`x.json` →
 * `x.world.json`); `--world FILE` names another. A file holding only a
 * world (the `world` of a scenario) is accepted too; its scope then comes
 * from `--scope`.
 */
export const ReplayWorldSchema = z.object({
  /** What the world stands for, for the reader of the sample. */
  description: z.string().optional(),
  /** The scope the stack would pass as `RESOURCE_SCOPE`; `--scope FILE` overrides it. */
  scope: z.unknown().optional(),
  world: WorldSchema,
  /** A scripted model behind a local fake Converse endpoint; without it, the runbooks decide. */
  model: z
    .object({
      modelId: z.string().default('global.anthropic.claude-sonnet-4-6'),
      replies: z.array(FakeReplySchema).min(1),
    })
    .optional(),
});
export type ReplayWorld = z.infer<typeof ReplayWorldSchema>;

export class ReplayWorldError extends Error {
  override readonly name = 'ReplayWorldError';
}

/** Where a sample keeps its world: `samples/cpu-alarm.json` → `samples/cpu-alarm.world.json`. */
export function sidecarWorldPath(eventFile: string): string {
  return eventFile.replace(/(\.json)?$/i, '.world.json');
}

/** The world file to use: the one named, or the sample's own; undefined when there is neither. */
export function findWorldFile(eventFile: string, named: string | undefined): string | undefined {
  if (named !== undefined) return named;
  const sidecar = sidecarWorldPath(eventFile);
  return existsSync(sidecar) ? sidecar : undefined;
}

export function loadReplayWorld(file: string): ReplayWorld {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReplayWorldError(`cannot read the world file ${file}: ${(error as Error).message}`);
  }
  const candidate = typeof raw === 'object' && raw !== null && !('world' in raw) ? { world: raw } : raw;
  const parsed = ReplayWorldSchema.safeParse(candidate);
  if (!parsed.success) throw new ReplayWorldError(`${file} is not a replay world:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
