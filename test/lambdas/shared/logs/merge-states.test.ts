import { describe, expect, it } from 'vitest';
import { mergeStates } from '../../../../lambdas/shared/logs/merge-states.js';
import type { MinerState } from '../../../../lambdas/shared/logs/miner-state.js';
import { TemplateMiner } from '../../../../lambdas/shared/logs/template-miner.js';

function mine(state: MinerState | undefined, lines: readonly string[], startTime: number): MinerState {
  const miner = state === undefined ? new TemplateMiner() : TemplateMiner.fromState(state);
  lines.forEach((line, i) => miner.add(line, startTime + i));
  return miner.toState();
}

function countsByText(state: MinerState): Record<string, number> {
  return Object.fromEntries(state.templates.map(([, text, count]) => [text, count]));
}

function totalCount(state: MinerState): number {
  return state.templates.reduce((sum, [, , count]) => sum + count, 0);
}

const BASE_LINES = ['Connection closed by 5.188.10.180 [preauth]', 'Accepted password for root from 10.0.0.1 port 22 ssh2', 'Connection closed by 5.188.10.181 [preauth]'];
/** Writer A: more of a base template, and a new template (first seen with user root). */
const A_LINES = ['Connection closed by 1.1.1.1 [preauth]', 'Invalid user root from 1.2.3.4', 'Invalid user admin from 1.2.3.5', 'Invalid user guest from 1.2.3.6'];
/** Writer B: more of the base, the same new template from other first lines, and one only B saw. */
const B_LINES = ['Accepted password for root from 10.0.0.2 port 22 ssh2', 'Invalid user oracle from 9.9.9.9', 'Invalid user test from 9.9.9.8', 'Invalid user pi from 9.9.9.7', 'Received disconnect from 9.9.9.9: 11: Bye Bye [preauth]'];

describe('mergeStates', () => {
  it('merges two writers that started from the same state: union of templates, every line counted once', () => {
    // Prepare
    const base = mine(undefined, BASE_LINES, 0);
    const a = mine(base, A_LINES, 100);
    const b = mine(base, B_LINES, 200);

    // Act
    const merged = mergeStates(a, b, { base });

    // Assess
    expect(totalCount(merged)).toBe(BASE_LINES.length + A_LINES.length + B_LINES.length);
    expect(countsByText(merged)).toEqual({
      'Connection closed by <*> [preauth]': 3,
      'Accepted password for root from <*> port <*> <*>': 2, // ssh2 has a digit
      'Invalid user <*> from <*>': 6,
      'Received disconnect from <*>: <*>: Bye Bye [preauth]': 1,
    });
  });

  it('counts the same as one miner that saw every line', () => {
    // Prepare
    const base = mine(undefined, BASE_LINES, 0);
    const merged = mergeStates(mine(base, A_LINES, 100), mine(base, B_LINES, 200), { base });

    // Act
    const single = mine(undefined, [...BASE_LINES, ...A_LINES, ...B_LINES], 0);

    // Assess
    expect(countsByText(merged)).toEqual(countsByText(single));
  });

  it('keeps the ids of a when both writers found the same template, and makes b’s resolve to them', () => {
    // Prepare
    const base = mine(undefined, BASE_LINES, 0);
    const a = mine(base, A_LINES, 100);
    const b = mine(base, B_LINES, 200);
    const idIn = (state: MinerState, prefix: string): string => state.templates.find(([, text]) => text.startsWith(prefix))![0];

    // Act
    const merged = mergeStates(a, b, { base });

    // Assess
    const aId = idIn(a, 'Invalid user');
    const bId = idIn(b, 'Invalid user');
    expect(bId).not.toBe(aId);
    expect(idIn(merged, 'Invalid user')).toBe(aId);
    expect(TemplateMiner.fromState(merged).resolve(bId)?.id).toBe(aId);
  });

  it('adds counts when there is no common base', () => {
    // Prepare
    const a = mine(undefined, ['disk full on sda1', 'disk full on sdb2'], 0);
    const b = mine(undefined, ['disk full on sdc3', 'kernel panic now'], 10);

    // Act
    const merged = mergeStates(a, b);

    // Assess
    expect(countsByText(merged)).toEqual({ 'disk full on <*>': 3, 'kernel panic now': 1 });
    expect(merged.templates.find(([, text]) => text === 'disk full on <*>')!.slice(3)).toEqual([0, 10]);
  });

  it('keeps both writers’ generalizations of one template', () => {
    // Prepare: from one base template, a learns the user is a variable, b the port.
    const base = mine(undefined, ['login ok user root port ssh'], 0);
    const a = mine(base, ['login ok user admin port ssh', 'login ok user guest port ssh'], 10);
    const b = mine(base, ['login ok user root port ftp', 'login ok user root port scp'], 20);

    // Act
    const merged = mergeStates(a, b, { base });

    // Assess
    expect(countsByText(merged)).toEqual({ 'login ok user <*> port <*>': 5 });
  });

  it('gives the same counts whichever state comes first', () => {
    const base = mine(undefined, BASE_LINES, 0);
    const a = mine(base, A_LINES, 100);
    const b = mine(base, B_LINES, 200);
    expect(countsByText(mergeStates(b, a, { base }))).toEqual(countsByText(mergeStates(a, b, { base })));
  });

  it('keeps the most recently seen templates up to maxTemplates', () => {
    const a = mine(undefined, ['alpha job started', 'beta job started'], 0);
    const b = mine(undefined, ['gamma job started'], 100);
    const merged = mergeStates(a, b, { maxTemplates: 2 });
    expect(merged.templates.map(([, text]) => text)).toEqual(['beta job started', 'gamma job started']);
  });
});
