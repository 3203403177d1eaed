import type { MinerState } from './miner-state.js';
import { TemplateMiner } from './template-miner.js';

export interface MergeStatesOptions {
  /**
   * The state both `a` and `b` grew from. Its counts are in both, so they are
   * subtracted once; without it, `a` and `b` are taken as disjoint and their
   * counts are added.
   * @default no common ancestor
   */
  readonly base?: MinerState;
  /**
   * Most templates in the merged state; the least recently seen go first.
   * @default 5000
   */
  readonly maxTemplates?: number;
}

/**
 * Merges two miner states, such as two writers that each loaded the same
 * state, mined their own lines and then raced to save. The result holds the
 * union of the templates (one template mined by both, even from different
 * first lines, ends up once) and every line counted once:
 * count = a + b − base. Ids from `a` win when both writers created the same
 * template under different ids; the other id stays resolvable as an alias.
 */
export function mergeStates(a: MinerState, b: MinerState, options: MergeStatesOptions = {}): MinerState {
  const maxTemplates = options.maxTemplates ?? 5000;
  if (!(maxTemplates >= 1)) throw new RangeError('maxTemplates must be at least 1');
  const miner = TemplateMiner.fromState(a, { maxTemplates: Number.MAX_SAFE_INTEGER });
  const baseCounts = countsById(options.base);
  const bAliasesByTarget = aliasesByTarget(b);

  for (const entry of b.templates) {
    // What b counted beyond the base: its own count less the base counts of
    // every id b folded into this template. (Less than zero only if b evicted
    // the template and met it again; then b's new lines are all it adds.)
    let inBase = baseCounts.get(entry[0]) ?? 0;
    for (const alias of bAliasesByTarget.get(entry[0]) ?? []) inBase += baseCounts.get(alias) ?? 0;
    miner.mergeTemplate(entry, entry[2] >= inBase ? entry[2] - inBase : entry[2]);
  }
  const merged = miner.toState();
  for (const [alias, target] of Object.entries(b.aliases)) {
    const template = miner.resolve(target);
    if (template !== undefined && miner.get(alias) === undefined && merged.aliases[alias] === undefined) merged.aliases[alias] = template.id;
  }
  return boundedByRecency(merged, maxTemplates);
}

function aliasesByTarget(state: MinerState): Map<string, string[]> {
  const byTarget = new Map<string, string[]>();
  for (const [alias, target] of Object.entries(state.aliases)) {
    const aliases = byTarget.get(target);
    if (aliases === undefined) byTarget.set(target, [alias]);
    else aliases.push(alias);
  }
  return byTarget;
}

function countsById(state: MinerState | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  if (state !== undefined) for (const [id, , count] of state.templates) counts.set(id, count);
  return counts;
}

/** Orders templates by when they were last seen and keeps the newest `maxTemplates`, with their aliases. */
function boundedByRecency(state: MinerState, maxTemplates: number): MinerState {
  const templates = [...state.templates].sort((x, y) => x[4] - y[4]).slice(-maxTemplates);
  const kept = new Set(templates.map(([id]) => id));
  const aliases: Record<string, string> = {};
  for (const [alias, target] of Object.entries(state.aliases)) if (kept.has(target)) aliases[alias] = target;
  return { ...state, templates, aliases };
}
