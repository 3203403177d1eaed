import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TemplateMiner } from '../../../../lambdas/shared/logs/template-miner.js';

/** Short lines from a vocabulary that triggers every rule: words, digits, value words, punctuation. */
const vocabularyLine = fc
  .tuple(fc.array(fc.constantFrom('user', 'root', 'admin', 'guest', 'from', 'port', 'failed', '****', '=', ':', '1.2.3.4', '42', 'true', 'KB', 'Jul', '(', 'x9'), { minLength: 2, maxLength: 6 }), fc.boolean())
  .map(([words, glued]) => words.join(glued ? '' : ' '));

/** Mines the lines in order and returns each line's template id as it is after the last line. */
function finalIds(miner: TemplateMiner, lines: readonly string[]): string[] {
  const ids = lines.map((line, i) => miner.add(line, 1000 + i).id);
  return ids.map((id) => miner.resolve(id)!.id);
}

describe('TemplateMiner', () => {
  it('puts lines that differ only in digit-bearing words in one template', () => {
    // Prepare
    const miner = new TemplateMiner();

    // Act
    const ids = finalIds(miner, [
      'Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6',
      'Received block blk_7503483334202473044 of size 233217 from /10.250.19.102',
      'PacketResponder 1 for block blk_38865049064139660 terminating',
      'Received block blk_-3544583377289625738 of size 67108864 from /10.251.42.84',
    ]);

    // Assess
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).toBe(ids[3]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(miner.size).toBe(2);
    expect(miner.get(ids[0]!)).toMatchObject({ text: 'Received block <*> of size <*> from <*>', count: 3, firstSeen: 1000, lastSeen: 1003 });
  });

  it('keeps two messages apart that differ in one word, until a third word shows it is a variable', () => {
    // Prepare
    const miner = new TemplateMiner();
    const root = miner.add('Invalid user root from 1.2.3.4').id;
    const admin = miner.add('Invalid user admin from 1.2.3.5').id;

    // Assess: two words could be two messages.
    expect(admin).not.toBe(root);
    expect(miner.size).toBe(2);

    // Act
    const oracle = miner.add('Invalid user oracle from 1.2.3.6');

    // Assess: three make it a variable; the first template takes the others in.
    expect(oracle.id).toBe(root);
    expect(oracle.text).toBe('Invalid user <*> from <*>');
    expect(oracle.count).toBe(3);
    expect(miner.size).toBe(1);
    expect(miner.resolve(admin)?.id).toBe(root);
    expect(miner.get(admin)).toBeUndefined();
  });

  it('keeps messages apart that differ in two words', () => {
    // Prepare
    const miner = new TemplateMiner();
    const lines = ['Failed to get next element 0x800f080d', 'Failed to open the element 0x800f0805', 'Failed to read any element 0x1', 'Failed to close a element 0x2'];

    // Act
    const ids = finalIds(miner, lines);

    // Assess
    expect(new Set(ids).size).toBe(4);
  });

  it('widens a template where a later line has a variable instead of a word', () => {
    // Prepare
    const miner = new TemplateMiner();
    const webmaster = miner.add('Invalid user webmaster from 173.234.31.186').id;

    // Act
    const template = miner.add('Invalid user test9 from 52.80.34.196');

    // Assess
    expect(template.id).toBe(webmaster);
    expect(template.text).toBe('Invalid user <*> from <*>');
    expect(miner.add('Invalid user webmaster from 10.0.0.1').id).toBe(webmaster);
    expect(miner.size).toBe(1);
  });

  it('never generalizes punctuation', () => {
    // Prepare
    const miner = new TemplateMiner();

    // Act
    const ids = finalIds(miner, ['Fan speeds ( 3552 3534 **** 3515 )', 'Fan speeds ( 3552 3534 3375 3515 )', 'Fan speeds ( 3552 3534 **** 3516 )']);

    // Assess
    expect(ids[0]).toBe(ids[2]);
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('keeps a template at least two constant words long', () => {
    // Prepare
    const miner = new TemplateMiner();

    // Act: three one-word lines and three two-word lines that differ in one word.
    const ids = finalIds(miner, ['normal', 'warning', 'running', 'Link ok', 'Link down', 'Link up']);

    // Assess
    expect(new Set(ids).size).toBe(6);
  });

  it('treats the first token as part of the message, never as a variable word', () => {
    const miner = new TemplateMiner();
    const ids = finalIds(miner, ['Starting TrustedInstaller initialization.', 'Ending TrustedInstaller initialization.', 'Stopping TrustedInstaller initialization.']);
    expect(new Set(ids).size).toBe(3);
  });

  it('renders a template with the spacing of its lines', () => {
    const miner = new TemplateMiner();
    const template = miner.add('acquire lock=233570404, flags=0x1, tag="View Lock", uid=10037');
    expect(template.text).toBe('acquire lock=<*>, flags=<*>, tag="View Lock", uid=<*>');
    expect(template.tokens).toContain('=');
  });

  it('reports a new template by a count of one', () => {
    const miner = new TemplateMiner();
    expect(miner.add('disk full on /dev/sda1').count).toBe(1);
    expect(miner.add('disk full on /dev/sdb1').count).toBe(2);
    expect(miner.add('kernel panic').count).toBe(1);
  });

  it('gives the same template the same id in two miners, whatever line came first', () => {
    const a = new TemplateMiner();
    const b = new TemplateMiner();
    a.add('Connection closed by 5.188.10.180 [preauth]');
    b.add('Connection closed by 10.0.0.1 [preauth]');
    expect(a.templates()[0]!.id).toBe(b.templates()[0]!.id);
    expect(a.templates()[0]!.id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('gives the same answers with a tiny line cache as with the default one', () => {
    // Prepare
    const lines = Array.from({ length: 300 }, (_, i) => {
      const users = ['root', 'admin', 'oracle', 'guest', 'test'];
      return i % 3 === 0 ? `Invalid user ${users[i % 5]} from 10.0.0.${i}` : i % 3 === 1 ? `Accepted password for ${users[i % 5]} port ${i}` : `session closed ${i}`;
    });

    // Act
    const withCache = finalIds(new TemplateMiner(), lines);
    const almostWithout = finalIds(new TemplateMiner({ maxCachedLines: 1 }), lines);

    // Assess
    expect(almostWithout).toEqual(withCache);
  });

  it('mines only the first maxLineLength characters', () => {
    const miner = new TemplateMiner({ maxLineLength: 12 });
    const a = miner.add('request done in 5 ms');
    const b = miner.add('request done with errors');
    expect(a.id).toBe(b.id);
    expect(a.text).toBe('request done');
  });
});

describe('TemplateMiner invariants', () => {
  it('counts every line once, and every line still finds the template its id resolves to', () => {
    fc.assert(
      fc.property(fc.array(vocabularyLine, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (lines, maxCachedLines) => {
        // Act
        const miner = new TemplateMiner({ maxCachedLines });
        const ids = lines.map((line, i) => miner.add(line, i).id);

        // Assess
        expect(miner.templates().reduce((sum, t) => sum + t.count, 0)).toBe(lines.length);
        lines.forEach((line, i) => expect(miner.add(line, 99).id).toBe(miner.resolve(ids[i]!)?.id));
      }),
      { numRuns: 300 },
    );
  });
});

describe('TemplateMiner LRU bound', () => {
  /** Lines of `n` templates that can never merge (each starts with its own word). */
  const lineOf = (n: number, value = 1): string => `${'abcdefghij'[n]}-service failed after ${value} retries`;

  it('never holds more than maxTemplates templates', () => {
    // Prepare
    const miner = new TemplateMiner({ maxTemplates: 3 });

    // Act
    for (let n = 0; n < 10; n++) miner.add(lineOf(n));

    // Assess
    expect(miner.size).toBe(3);
    expect(miner.templates().map((t) => t.text)).toEqual([
      'h-service failed after <*> retries',
      'i-service failed after <*> retries',
      'j-service failed after <*> retries',
    ]);
  });

  it('evicts the least recently matched template, not the oldest', () => {
    // Prepare
    const miner = new TemplateMiner({ maxTemplates: 3 });
    const first = miner.add(lineOf(0)).id;
    const second = miner.add(lineOf(1)).id;
    miner.add(lineOf(2));
    miner.add(lineOf(0, 7)); // template 0 is now the most recently matched

    // Act
    miner.add(lineOf(3));

    // Assess
    expect(miner.get(first)).toBeDefined();
    expect(miner.get(second)).toBeUndefined();
    expect(miner.resolve(second)).toBeUndefined();
  });

  it('gives a template that comes back after eviction its old id and a fresh count', () => {
    // Prepare
    const miner = new TemplateMiner({ maxTemplates: 1 });
    const template = miner.add(lineOf(0));
    const id = template.id;
    miner.add(lineOf(0));
    miner.add(lineOf(1));

    // Act
    const back = miner.add(lineOf(0));

    // Assess
    expect(back.id).toBe(id);
    expect(back.count).toBe(1);
  });
});
