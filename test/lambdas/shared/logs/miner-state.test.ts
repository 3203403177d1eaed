import { describe, expect, it } from 'vitest';
import { emptyState, type MinerState, parseState, serializeState } from '../../../../lambdas/shared/logs/miner-state.js';
import { TemplateMiner } from '../../../../lambdas/shared/logs/template-miner.js';

const LINES = [
  'Invalid user root from 1.2.3.4',
  'Invalid user admin from 1.2.3.5',
  'Connection closed by 5.188.10.180 [preauth]',
  'Invalid user oracle from 1.2.3.6', // merges the two above into one template
  'pam_unix(sshd:session): session opened for user root by (uid=0)',
  'Connection closed by 10.0.0.1 [preauth]',
];

/** A name for template `n` made of letters only, so no two templates can merge. */
function letters(n: number): string {
  let name = '';
  let rest = n;
  do {
    name += String.fromCharCode(97 + (rest % 26));
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return name;
}

describe('miner state', () => {
  it('round-trips through JSON with templates, ids, counts, times and aliases', () => {
    // Prepare
    const miner = new TemplateMiner();
    const ids = LINES.map((line, i) => miner.add(line, 1_700_000_000_000 + i).id);
    const state = miner.toState();

    // Act
    const restored = TemplateMiner.fromState(parseState(serializeState(state)));

    // Assess
    expect(restored.toState()).toEqual(state);
    expect(restored.templates().map((t) => [t.id, t.text, t.count])).toEqual(miner.templates().map((t) => [t.id, t.text, t.count]));
    expect(restored.resolve(ids[1]!)?.id).toBe(ids[0]); // admin's template was merged into root's
    expect(Object.keys(state.aliases)).toEqual([ids[1]]);
  });

  it('lets a restored miner go on: known lines find their template, new ones are new', () => {
    // Prepare
    const miner = new TemplateMiner();
    for (const line of LINES) miner.add(line, 1);
    const restored = TemplateMiner.fromState(miner.toState());
    const closed = miner.templates().find((t) => t.text.startsWith('Connection closed'))!;

    // Act
    const again = restored.add('Connection closed by 192.168.0.9 [preauth]', 2);
    const fresh = restored.add('Server listening on 0.0.0.0 port 22.', 2);

    // Assess
    expect(again.id).toBe(closed.id);
    expect(again.count).toBe(closed.count + 1);
    expect(fresh.count).toBe(1);
    expect(restored.size).toBe(miner.size + 1);
  });

  it('keeps the LRU order through a round trip', () => {
    // Prepare
    const miner = new TemplateMiner({ maxTemplates: 3 });
    for (const name of ['alpha', 'beta', 'gamma']) miner.add(`${name} job started`);
    miner.add('alpha job started'); // alpha is now the most recent
    const restored = TemplateMiner.fromState(miner.toState(), { maxTemplates: 3 });

    // Act
    restored.add('delta job started');

    // Assess: beta was the least recently matched.
    expect(restored.templates().map((t) => t.text)).toEqual(['gamma job started', 'alpha job started', 'delta job started']);
  });

  it('applies a smaller maxTemplates on load by evicting the least recent', () => {
    const miner = new TemplateMiner();
    for (const name of ['alpha', 'beta', 'gamma']) miner.add(`${name} job started`);
    const restored = TemplateMiner.fromState(miner.toState(), { maxTemplates: 2 });
    expect(restored.templates().map((t) => t.text)).toEqual(['beta job started', 'gamma job started']);
  });

  it('refuses states it does not understand', () => {
    const valid = new TemplateMiner().toState();
    expect(() => parseState(JSON.stringify({ ...valid, version: 2 }))).toThrow();
    expect(() => parseState(JSON.stringify({ ...valid, templates: [['id', 'text', -1, 0, 0]] }))).toThrow();
    expect(() => parseState(JSON.stringify({ ...valid, templates: [['id', 'text', 1, 0]] }))).toThrow();
    expect(() => parseState(JSON.stringify({ ...valid, templates: [['x', 'a', 1, 0, 0], ['x', 'b', 1, 0, 0]] }))).toThrow(/duplicate/);
    expect(() => parseState('not json')).toThrow();
    expect(parseState(serializeState(emptyState()))).toEqual(emptyState());
  });

  it('stores 5,000 templates in at most 1 MB', () => {
    // Prepare: 5,000 distinct templates of typical length (Loghub's average template is 56 characters; these are 70-110).
    const miner = new TemplateMiner();
    const actions = ['failed to process request', 'finished task', 'could not connect to backend', 'received heartbeat from node'];
    for (let n = 0; n < 5000; n++) {
      const line = `${letters(n)}-worker ${actions[n % 4]} ${n * 7919} for user ${letters(n * 31)} after ${n % 977} ms: status=${n % 2 === 0 ? 'ERROR' : 'WARN'} path=/api/v1/items/${n}`;
      for (let i = 0; i < 3; i++) miner.add(line, 1_767_225_600_000 + n * 1000 + i);
    }

    // Act
    const bytes = Buffer.byteLength(serializeState(miner.toState()));

    // Assess
    expect(miner.size).toBe(5000);
    expect(bytes).toBeLessThanOrEqual(1_000_000);
  });

  it('keeps an alias only while its template lives', () => {
    // Prepare
    const miner = new TemplateMiner({ maxTemplates: 2 });
    const root = miner.add('Invalid user root from 1.2.3.4').id;
    const admin = miner.add('Invalid user admin from 1.2.3.5').id;
    miner.add('Invalid user oracle from 1.2.3.6');
    const before: MinerState = miner.toState();

    // Act: two newer templates push the merged one out.
    miner.add('Server listening on 0.0.0.0 port 22.');
    miner.add('kernel panic now');

    // Assess
    expect(before.aliases).toEqual({ [admin]: root });
    expect(miner.toState().aliases).toEqual({});
  });
});
