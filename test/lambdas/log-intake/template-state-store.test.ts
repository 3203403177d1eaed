import { gzipSync } from 'node:zlib';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { detectBursts, emptyBurstState } from '../../../lambdas/log-intake/burst-detector.js';
import { TemplateStateConflictError } from '../../../lambdas/log-intake/log-intake-errors.js';
import {
  decodeLogGroupState,
  emptyLogGroupState,
  encodeLogGroupState,
  type LogGroupState,
  logStateKey,
  MAX_RECENT_BATCHES,
  TemplateStateStore,
  withBatch,
} from '../../../lambdas/log-intake/template-state-store.js';
import { serializeState, TemplateMiner } from '../../../lambdas/shared/logs/index.js';
import { rejectionOf } from '../harness.js';
import { useLocalTables } from '../../support/local-tables.js';
import { T0 } from './log-fixtures.js';

const LOG_GROUP = '/ecs/web';
/** DynamoDB's item size limit. */
const MAX_ITEM_BYTES = 400 * 1024;

function letters(n: number): string {
  let name = '';
  let rest = n;
  do {
    name += String.fromCharCode(97 + (rest % 26));
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return name;
}

/** A miner with `count` distinct templates of typical length (70–110 characters), as in the miner's own size test. */
function minerWithTemplates(count: number): TemplateMiner {
  const miner = new TemplateMiner();
  const actions = ['failed to process request', 'finished task', 'could not connect to backend', 'received heartbeat from node'];
  for (let n = 0; n < count; n++) {
    const line = `${letters(n)}-worker ${actions[n % 4]} ${n * 7919} for user ${letters(n * 31)} after ${n % 977} ms: status=${n % 2 === 0 ? 'ERROR' : 'WARN'} path=/api/v1/items/${n}`;
    miner.add(line, T0 + n * 1000);
  }
  return miner;
}

/** Mines `lines` on top of `state` as batch `batchKey` and returns the new state (burst statistics for every template, for the merge). */
function mined(state: LogGroupState, lines: readonly string[], at: number, batchKey = `batch-${lines[0]}`): LogGroupState {
  const miner = TemplateMiner.fromState(state.miner);
  const times = new Map<string, number[]>();
  for (const line of lines) {
    const { id } = miner.add(line, at);
    times.set(id, [...(times.get(id) ?? []), at]);
  }
  return { miner: miner.toState(), bursts: detectBursts(state.bursts, times).state, batches: withBatch(state.batches, batchKey) };
}

const countOf = (state: LogGroupState, text: string) => state.miner.templates.find(([, t]) => t === text)?.[2];

describe('TemplateStateStore', () => {
  const tables = useLocalTables('log-state');

  it('loads an empty state at version 0 when there is none, and reads back what it saved', async () => {
    // Prepare
    const store = new TemplateStateStore(tables.client, await tables.freshTable());
    const loaded = await store.load(LOG_GROUP);
    const state = mined(loaded.state, ['ERROR payment 1 failed', 'ERROR payment 2 failed'], T0);

    // Act
    const saved = await store.save(LOG_GROUP, state, loaded);
    const reloaded = await store.load(LOG_GROUP);

    // Assess
    expect(loaded).toEqual({ state: emptyLogGroupState(), version: 0 });
    expect(saved).toMatchObject({ version: 1, attempts: 1, prunedTemplates: 0 });
    expect(reloaded).toEqual({ state, version: 1 });
  });

  it('stores gzipped state as Binary under LOGSTATE#<logGroup> / TEMPLATES with a version', async () => {
    // Prepare
    const tableName = await tables.freshTable();
    const store = new TemplateStateStore(tables.client, tableName, { now: () => new Date(T0) });
    const loaded = await store.load(LOG_GROUP);

    // Act
    await store.save(LOG_GROUP, mined(loaded.state, ['ERROR payment 1 failed'], T0), loaded);
    const { Item } = await tables.client.send(new GetCommand({ TableName: tableName, Key: { pk: 'LOGSTATE#/ecs/web', sk: 'TEMPLATES' } }));

    // Assess
    expect(Item).toMatchObject({ pk: 'LOGSTATE#/ecs/web', sk: 'TEMPLATES', version: 1, templates: 1, updatedAt: new Date(T0).toISOString() });
    expect(Item!.state).toBeInstanceOf(Uint8Array);
    expect([...(Item!.state as Uint8Array).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(Item!.ttl).toBeGreaterThan(T0 / 1000);
  });

  it('merges two concurrent writers instead of letting one overwrite the other', async () => {
    // Prepare: a saved state with one template seen 5 times; two writers load it
    const tableName = await tables.freshTable();
    const first = new TemplateStateStore(tables.client, tableName);
    const initial = await first.load(LOG_GROUP);
    await first.save(LOG_GROUP, mined(initial.state, Array.from({ length: 5 }, (_, i) => `ERROR payment ${i} failed`), T0), initial);

    const writerA = new TemplateStateStore(tables.client, tableName);
    const writerB = new TemplateStateStore(tables.client, tableName);
    const [loadedA, loadedB] = await Promise.all([writerA.load(LOG_GROUP), writerB.load(LOG_GROUP)]);
    expect(loadedA.version).toBe(1);
    expect(loadedB.version).toBe(1);
    const stateA = mined(loadedA.state, ['ERROR payment 7 failed', 'ERROR payment 8 failed', 'WARN cache miss for key alpha'], T0 + 60_000);
    const stateB = mined(loadedB.state, ['ERROR payment 9 failed', 'FATAL worker crashed with signal SIGKILL'], T0 + 60_000);

    // Act: both save at once; one wins, the other merges into the winner
    const results = await Promise.all([writerA.save(LOG_GROUP, stateA, loadedA), writerB.save(LOG_GROUP, stateB, loadedB)]);
    const final = await first.load(LOG_GROUP, true);

    // Assess
    expect(results.map(({ attempts }) => attempts).sort()).toEqual([1, 2]);
    expect(final.version).toBe(3);
    const texts = final.state.miner.templates.map(([, text]) => text).sort();
    expect(texts).toEqual(['ERROR payment <*> failed', 'FATAL worker crashed with signal SIGKILL', 'WARN cache miss for key alpha']);
    // Every line counted once: 5 from the base, 2 from A, 1 from B.
    expect(countOf(final.state, 'ERROR payment <*> failed')).toBe(8);
    // Burst statistics of both writers survive too.
    expect(final.state.bursts.entries).toHaveLength(3);
    const payment = final.state.miner.templates.find(([, text]) => text === 'ERROR payment <*> failed')![0];
    expect(final.state.bursts.entries.find(([id]) => id === payment)![2]).toBe(3);
    // And so do the keys of the batches both mined, after the base's.
    expect(final.state.batches[0]).toBe('batch-ERROR payment 0 failed');
    expect([...final.state.batches.slice(1)].sort()).toEqual(['batch-ERROR payment 7 failed', 'batch-ERROR payment 9 failed']);
  });

  it('gives up with TemplateStateConflictError after maxAttempts lost races', async () => {
    // Prepare: the writer loads, then someone else saves first
    const tableName = await tables.freshTable();
    const store = new TemplateStateStore(tables.client, tableName, { maxAttempts: 1 });
    const loaded = await store.load(LOG_GROUP);
    const other = new TemplateStateStore(tables.client, tableName);
    await other.save(LOG_GROUP, mined(loaded.state, ['ERROR other writer failed'], T0), loaded);

    // Act
    const error = await rejectionOf(store.save(LOG_GROUP, mined(loaded.state, ['ERROR mine failed'], T0), loaded));

    // Assess
    expect(error).toBeInstanceOf(TemplateStateConflictError);
    expect(error.name).toBe('TemplateStateConflictError');
    expect(countOf((await other.load(LOG_GROUP)).state, 'ERROR mine failed')).toBeUndefined();
  });

  it('keeps 5,000 templates within 1 MB serialized and stores them in an item DynamoDB accepts', async () => {
    // Prepare
    const miner = minerWithTemplates(5_000);
    const state: LogGroupState = { miner: miner.toState(), bursts: emptyBurstState(), batches: [] };
    const store = new TemplateStateStore(tables.client, await tables.freshTable());

    // Act
    const saved = await store.save(LOG_GROUP, state, await store.load(LOG_GROUP));
    const reloaded = await store.load(LOG_GROUP);

    // Assess
    expect(miner.size).toBe(5_000);
    expect(Buffer.byteLength(serializeState(state.miner))).toBeLessThanOrEqual(1_000_000);
    expect(saved.prunedTemplates).toBe(0);
    expect(saved.storedBytes).toBeLessThan(MAX_ITEM_BYTES - 10_000);
    expect(reloaded.state.miner.templates).toHaveLength(5_000);
  });

  it('prunes the least recently seen templates, and their statistics, when the state does not fit', async () => {
    // Prepare: 2,000 templates, the newest with burst statistics, and a limit a fraction of their size
    const miner = minerWithTemplates(2_000);
    const newest = miner.templates().at(-1)!.id;
    const oldest = miner.templates()[0]!.id;
    const bursts = detectBursts(emptyBurstState(), new Map([[newest, [T0]], [oldest, [T0]]])).state;
    const state: LogGroupState = { miner: miner.toState(), bursts, batches: ['batch-1'] };
    const maxStateBytes = Math.floor(encodeLogGroupState(state).bytes.length / 4);
    const store = new TemplateStateStore(tables.client, await tables.freshTable(), { maxStateBytes });

    // Act
    const saved = await store.save(LOG_GROUP, state, await store.load(LOG_GROUP));
    const { state: stored } = await store.load(LOG_GROUP);

    // Assess
    expect(saved.storedBytes).toBeLessThanOrEqual(maxStateBytes);
    expect(saved.prunedTemplates).toBeGreaterThan(1_000);
    expect(stored.miner.templates).toHaveLength(2_000 - saved.prunedTemplates);
    const ids = stored.miner.templates.map(([id]) => id);
    expect(ids).toContain(newest);
    expect(ids).not.toContain(oldest);
    expect(stored.bursts.entries.map(([id]) => id)).toEqual([newest]);
    expect(stored.batches).toEqual(['batch-1']);
  });

  it('remembers a bounded number of batches, newest last', () => {
    let batches: string[] = [];
    for (let n = 0; n < MAX_RECENT_BATCHES + 5; n++) batches = withBatch(batches, `b${n}`);
    batches = withBatch(batches, 'b10');
    expect(batches).toHaveLength(MAX_RECENT_BATCHES);
    expect(batches[0]).toBe('b5');
    expect(batches.at(-1)).toBe('b10');
    expect(batches.filter((key) => key === 'b10')).toHaveLength(1);
  });

  it('starts again from an empty state when the stored one cannot be read, and overwrites it', async () => {
    // Prepare: garbage in the state attribute at version 4
    const tableName = await tables.freshTable();
    await tables.client.send(new PutCommand({ TableName: tableName, Item: { ...logStateKey(LOG_GROUP), version: 4, state: new Uint8Array([1, 2, 3]) } }));
    const store = new TemplateStateStore(tables.client, tableName);

    // Act
    const loaded = await store.load(LOG_GROUP);
    const saved = await store.save(LOG_GROUP, mined(loaded.state, ['ERROR fresh start failed'], T0), loaded);

    // Assess
    expect(loaded.recovered).toMatch(/header|gzip|check/i);
    expect(loaded.state).toEqual(emptyLogGroupState());
    expect(saved.version).toBe(5);
    expect(countOf((await store.load(LOG_GROUP)).state, 'ERROR fresh start failed')).toBe(1);
  });

  it('refuses to decode a state of another shape', () => {
    const bytes = encodeLogGroupState(emptyLogGroupState()).bytes;
    expect(decodeLogGroupState(bytes)).toEqual(emptyLogGroupState());
    expect(() => decodeLogGroupState(gzipSync(JSON.stringify({ miner: { version: 9 } })))).toThrow();
  });
});
