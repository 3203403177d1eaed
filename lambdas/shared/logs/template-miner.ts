import { compareTokens, FITS, WIDENS } from './compare-tokens.js';
import { bucketKeyOf, LogTemplate, type MinedTemplate } from './log-template.js';
import { LineCache } from './line-cache.js';
import { LruList } from './lru-list.js';
import { MaskedLineHasher } from './masked-line-hash.js';
import { MINER_STATE_VERSION, type MinerState, type TemplateEntry } from './miner-state.js';
import { templateIdFor } from './template-id.js';
import { isValueToken, renderTokens, tokenize, WILDCARD } from './tokenize.js';
import { maskValueWords } from './value-words.js';

/**
 * A streaming log template miner in the spirit of Drain: each line is matched
 * to a template of the same length and first token, or starts a new one.
 *
 * Where Drain joins a line to the most similar template above a threshold,
 * this miner generalizes a word only on evidence, so that one configuration
 * works for logs nobody tuned it for:
 * - a token with a digit is a variable from the start (`tokenize.ts`), as are
 *   booleans, units and date words (`value-words.ts`);
 * - a template word becomes a wildcard when a line has a variable there and
 *   fits everywhere else (`webmaster` vs `test9` as a user name);
 * - a word position becomes a wildcard once templates that differ only there
 *   show three distinct words (`Invalid user root/admin/oracle`). With two,
 *   they stay apart: `client SPP.` and `client WindowsUpdateAgent.` are
 *   different messages more often than one message with a variable;
 * - lines that differ in two or more words are different messages.
 * Templates that end up covered by a more general one are merged into it;
 * the merged id stays resolvable as an alias.
 *
 * The hot path is one pass over the line's characters that hashes it as
 * masked, one Map lookup of that hash, and an LRU touch; the masked string is
 * built, and templates searched, only for masked lines not seen before.
 */

/** Distinct words at one position before it is treated as a variable. */
const WORDS_BEFORE_VARIABLE = 3;
/** A template keeps at least this many constant words: merging never reduces a message to noise. */
const MIN_CONSTANT_WORDS = 2;

export interface TemplateMinerOptions {
  /**
   * Most templates kept; beyond it the least recently matched is evicted.
   * @default 5000
   */
  readonly maxTemplates?: number;
  /**
   * Characters of a line that are mined; the rest is ignored. Bounds the work
   * and the template size for huge lines (JSON blobs, stack dumps).
   * @default 4096
   */
  readonly maxLineLength?: number;
  /**
   * Distinct masked lines remembered for the fast path. The cache is cleared
   * when it fills, which costs a few slower lines, not correctness.
   * @default 50000
   */
  readonly maxCachedLines?: number;
}

export class TemplateMiner {
  private readonly maxTemplates: number;
  private readonly maxLineLength: number;
  private readonly maxCachedLines: number;
  private readonly lru = new LruList<LogTemplate>();
  private readonly byId = new Map<string, LogTemplate>();
  /** Ids of merged templates, to the template that took them over. */
  private readonly aliases = new Map<string, LogTemplate>();
  /** Live templates by `bucketKeyOf`: the only ones a line is compared with. */
  private readonly buckets = new Map<string, LogTemplate[]>();
  /** Masked line (by hash) to the template it matched. */
  private readonly cache: LineCache<LogTemplate>;
  private readonly hasher = new MaskedLineHasher();

  constructor(options: TemplateMinerOptions = {}) {
    this.maxTemplates = options.maxTemplates ?? 5000;
    this.maxLineLength = options.maxLineLength ?? 4096;
    this.maxCachedLines = options.maxCachedLines ?? 50_000;
    if (!(this.maxTemplates >= 1)) throw new RangeError('maxTemplates must be at least 1');
    this.cache = new LineCache(this.maxCachedLines);
  }

  /** Restores a miner from a saved state. */
  static fromState(state: MinerState, options: TemplateMinerOptions = {}): TemplateMiner {
    const miner = new TemplateMiner(options);
    for (const [id, text, count, firstSeen, lastSeen] of state.templates) {
      const { tokens, spaced } = tokenize(text);
      miner.insert(new LogTemplate(id, tokens, spaced, count, firstSeen, lastSeen));
    }
    for (const [alias, target] of Object.entries(state.aliases)) {
      const template = miner.byId.get(target);
      if (template !== undefined && !miner.byId.has(alias)) miner.addAlias(alias, template);
    }
    miner.evictBeyondBound();
    return miner;
  }

  /** How many templates the miner holds. */
  get size(): number {
    return this.lru.size;
  }

  /**
   * Mines one line seen at `time` and returns its template. `count === 1`
   * right after the call means the line started a new template.
   */
  add(line: string, time: number = Date.now()): MinedTemplate {
    const key = this.hasher.hash(line, this.maxLineLength);
    const check = this.hasher.check;
    let template = this.cache.get(key, check);
    if (template !== undefined && (template.mergedInto !== undefined || template.evicted)) {
      template = liveTemplate(template);
      if (template !== undefined) this.cache.set(key, check, template);
    }
    if (template === undefined) {
      const { tokens, spaced } = tokenize(line, this.maxLineLength);
      maskValueWords(tokens, spaced);
      template = this.place(tokens, spaced, time);
      this.cache.set(key, check, template);
    }
    template.count++;
    if (time > template.lastSeen) template.lastSeen = time;
    else if (time < template.firstSeen) template.firstSeen = time;
    this.lru.touch(template);
    return template;
  }

  /** The live template with this id, not following aliases. */
  get(id: string): MinedTemplate | undefined {
    return this.byId.get(id);
  }

  /** The template an id stands for now: itself, or the template it was merged into. */
  resolve(id: string): MinedTemplate | undefined {
    return this.byId.get(id) ?? this.aliases.get(id);
  }

  /** All templates, least recently matched first. */
  templates(): MinedTemplate[] {
    return [...this.lru];
  }

  /** The state to save; `TemplateMiner.fromState` restores it. */
  toState(): MinerState {
    const templates: TemplateEntry[] = [];
    for (const t of this.lru) templates.push([t.id, t.text, t.count, t.firstSeen, t.lastSeen]);
    const aliases: Record<string, string> = {};
    for (const [alias, template] of this.aliases) aliases[alias] = template.id;
    return { version: MINER_STATE_VERSION, templates, aliases };
  }

  /**
   * Folds in a template mined elsewhere (another writer's state), adding
   * `lines` to its count: into the template with the same id if there is one,
   * else wherever a line with that template's tokens would go. Used by
   * `mergeStates`.
   */
  mergeTemplate(entry: TemplateEntry, lines: number): MinedTemplate {
    const [id, text, , firstSeen, lastSeen] = entry;
    const { tokens, spaced } = tokenize(text);
    let template = this.byId.get(id) ?? this.aliases.get(id);
    if (template !== undefined && compareTokens(template.tokens, tokens) !== FITS && bucketKeyOf(template.tokens) === bucketKeyOf(tokens)) {
      // The same template, generalized differently by each writer: keep both generalizations.
      for (let i = 0; i < tokens.length; i++) if (tokens[i] !== template.tokens[i]) template.generalize(i);
      this.absorbCovered(template, this.buckets.get(bucketKeyOf(tokens))!);
      template = liveTemplate(template)!;
    }
    template ??= this.place(tokens, spaced, firstSeen, id);
    if (template.id !== id && !this.byId.has(id)) this.addAlias(id, template);
    template.count += lines;
    if (firstSeen < template.firstSeen) template.firstSeen = firstSeen;
    if (lastSeen > template.lastSeen) template.lastSeen = lastSeen;
    return template;
  }

  /** Maps a merged-away id to the template that replaced it. */
  private addAlias(alias: string, template: LogTemplate): void {
    this.aliases.set(alias, template);
    template.aliasIds.push(alias);
  }

  /**
   * Finds the template for a line not seen before (as masked), generalizing
   * or merging templates when the line gives the evidence, or creates one.
   */
  private place(tokens: string[], spaced: boolean[], time: number, preferredId?: string): LogTemplate {
    const bucketKey = bucketKeyOf(tokens);
    let bucket = this.buckets.get(bucketKey);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(bucketKey, bucket);
    }

    let fit: LogTemplate | undefined;
    const widened: LogTemplate[] = [];
    let differing: Map<number, LogTemplate[]> | undefined;
    for (const template of bucket) {
      const outcome = compareTokens(template.tokens, tokens);
      if (outcome === FITS) {
        if (fit === undefined || template.wildcardCount < fit.wildcardCount) fit = template;
      } else if (outcome === WIDENS) {
        widened.push(template);
      } else if (outcome >= 0) {
        differing ??= new Map();
        const siblings = differing.get(outcome);
        if (siblings === undefined) differing.set(outcome, [template]);
        else siblings.push(template);
      }
    }
    if (fit !== undefined) return fit;

    if (widened.length > 0) {
      // The line has variables where these templates have words: they are all one template.
      return this.mergeAll(widened, tokens, bucket);
    }
    if (differing !== undefined) {
      for (const [position, siblings] of differing) {
        if (isVariablePosition(position, siblings, tokens)) return this.mergeAll(siblings, tokens, bucket);
      }
    }
    return this.create(tokens, spaced, time, bucket, preferredId);
  }

  /**
   * Merges templates into the oldest of them, with a wildcard wherever any of
   * them or the line differ, then takes in any other template it now covers.
   */
  private mergeAll(templates: LogTemplate[], tokens: readonly string[], bucket: LogTemplate[]): LogTemplate {
    let survivor = templates[0]!;
    for (const template of templates) if (template.isOlderThan(survivor)) survivor = template;
    for (let i = 0; i < tokens.length; i++) if (survivor.tokens[i] !== tokens[i]) survivor.generalize(i);
    for (const template of templates) {
      if (template === survivor) continue;
      for (let i = 0; i < tokens.length; i++) if (survivor.tokens[i] !== template.tokens[i]) survivor.generalize(i);
    }
    for (const template of templates) if (template !== survivor) this.mergeInto(template, survivor, bucket);
    this.absorbCovered(survivor, bucket);
    return survivor;
  }

  /** Merges into `survivor` every other template of its bucket that it covers as is. */
  private absorbCovered(survivor: LogTemplate, bucket: LogTemplate[]): void {
    for (let i = bucket.length - 1; i >= 0; i--) {
      const template = bucket[i]!;
      if (template !== survivor && compareTokens(survivor.tokens, template.tokens) === FITS) this.mergeInto(template, survivor, bucket);
    }
  }

  /** Moves a template's lines and ids into `survivor` and retires it. */
  private mergeInto(template: LogTemplate, survivor: LogTemplate, bucket: LogTemplate[]): void {
    survivor.count += template.count;
    if (template.firstSeen < survivor.firstSeen) survivor.firstSeen = template.firstSeen;
    if (template.lastSeen > survivor.lastSeen) survivor.lastSeen = template.lastSeen;
    this.retire(template, bucket);
    template.mergedInto = survivor;
    this.addAlias(template.id, survivor);
    for (const alias of template.aliasIds) this.addAlias(alias, survivor);
    template.aliasIds = [];
  }

  private create(tokens: string[], spaced: boolean[], time: number, bucket: LogTemplate[], preferredId?: string): LogTemplate {
    const id = preferredId !== undefined && this.isFreeId(preferredId) ? preferredId : this.freeIdFor(renderTokens(tokens, spaced));
    const template = new LogTemplate(id, tokens, spaced, 0, time, time);
    bucket.push(template);
    this.byId.set(id, template);
    this.lru.push(template);
    this.evictBeyondBound();
    return template;
  }

  /** Adds a restored template as the most recently used. */
  private insert(template: LogTemplate): void {
    const bucketKey = bucketKeyOf(template.tokens);
    const bucket = this.buckets.get(bucketKey);
    if (bucket === undefined) this.buckets.set(bucketKey, [template]);
    else bucket.push(template);
    this.byId.set(template.id, template);
    this.lru.push(template);
  }

  private isFreeId(id: string): boolean {
    return !this.byId.has(id) && !this.aliases.has(id);
  }

  private freeIdFor(text: string): string {
    for (let attempt = 0; ; attempt++) {
      const id = templateIdFor(text, attempt);
      if (this.isFreeId(id)) return id;
    }
  }

  /** Evicts least recently matched templates until the bound holds. */
  private evictBeyondBound(): void {
    while (this.lru.size > this.maxTemplates) {
      const oldest = this.lru.oldest()!;
      this.retire(oldest, this.buckets.get(bucketKeyOf(oldest.tokens))!);
      oldest.evicted = true;
      for (const alias of oldest.aliasIds) this.aliases.delete(alias);
      oldest.aliasIds = [];
    }
  }

  /** Takes a template out of the indexes (its bucket, the id map, the LRU list). */
  private retire(template: LogTemplate, bucket: LogTemplate[]): void {
    const index = bucket.indexOf(template);
    if (index !== -1) bucket.splice(index, 1);
    if (bucket.length === 0) this.buckets.delete(bucketKeyOf(template.tokens));
    this.byId.delete(template.id);
    this.lru.remove(template);
  }
}

/** The template a cached one stands for now, or undefined if it was evicted. */
function liveTemplate(template: LogTemplate): LogTemplate | undefined {
  let current = template;
  while (current.mergedInto !== undefined) current = current.mergedInto;
  return current.evicted ? undefined : current;
}

/**
 * Whether templates that differ from the line only at `position` show enough
 * distinct words there to call it a variable, leaving enough constant words.
 */
function isVariablePosition(position: number, siblings: readonly LogTemplate[], tokens: readonly string[]): boolean {
  const words = new Set<string>([tokens[position]!]);
  for (const sibling of siblings) words.add(sibling.tokens[position]!);
  if (words.size < WORDS_BEFORE_VARIABLE) return false;
  let constants = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (i === position || token === WILDCARD || !isValueToken(token)) continue;
    if (siblings.every((sibling) => sibling.tokens[i] === token)) constants++;
  }
  return constants >= MIN_CONSTANT_WORDS;
}
