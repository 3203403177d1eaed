import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STEP = 5 * 60_000;
const START = Date.UTC(2014, 3, 1);
/** `2014-04-01 00:05:00`, as NAB writes timestamps. */
const nabTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');

function csv(values: readonly number[]): string {
  return `timestamp,value\n${values.map((value, index) => `${nabTime(START + index * STEP)},${value}`).join('\n')}\n`;
}

describe('npm run bench:anomaly', () => {
  let root: string;
  let corpus: string;
  let labels: string;

  beforeAll(() => {
    // Prepare: a file with a step inside its window, a quiet file without windows
    root = mkdtempSync(path.join(tmpdir(), 'bench-anomaly-'));
    corpus = path.join(root, 'synthetic');
    mkdirSync(corpus);
    const wiggle = (index: number) => 20 + Math.sin(index * 1.7) + 0.5 * Math.cos(index * 0.9);
    writeFileSync(path.join(corpus, 'step.csv'), csv(Array.from({ length: 600 }, (_, index) => wiggle(index) + (index >= 400 ? 10 : 0))));
    writeFileSync(path.join(corpus, 'quiet.csv'), csv(Array.from({ length: 600 }, (_, index) => wiggle(index))));
    labels = path.join(root, 'windows.json');
    writeFileSync(
      labels,
      JSON.stringify({
        'synthetic/step.csv': [[`${nabTime(START + 380 * STEP)}.000000`, `${nabTime(START + 420 * STEP)}.000000`]],
        'synthetic/quiet.csv': [],
      }),
    );
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('prints per-file lines and a summary last, and writes the scores', () => {
    // Act
    const out = path.join(root, 'out');
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'bench/anomaly.ts', corpus, '--labels', labels, '--out', out], {
      cwd: repoRoot,
      encoding: 'utf8',
    });

    // Assess
    const lines = stdout.trim().split('\n');
    expect(lines.some((line) => line.startsWith('step.csv') && line.includes('windows 1/1'))).toBe(true);
    expect(lines.at(-1)).toMatch(
      /^nab: recall 1\/1 windows \(100\.0%\), false-positives 0 over 2 files \(0\.00\/file\), mean delay 100 min, NAB standard score [\d.]+ /,
    );
    expect(readdirSync(out).sort()).toEqual(['quiet.csv', 'step.csv']);
    const [header, ...rows] = readFileSync(path.join(out, 'step.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('timestamp,value,anomaly_score');
    expect(rows).toHaveLength(600);
    const scores = rows.map((row) => Number(row.split(',')[2]));
    expect(scores.every((score) => score >= 0 && score <= 1)).toBe(true);
    expect(scores[400]).toBeGreaterThanOrEqual(0.8);
  });

  it('refuses to run without a labels file', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/anomaly.ts', corpus], { cwd: repoRoot, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run bench:anomaly/);
  });
});
