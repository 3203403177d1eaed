import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_THRESHOLD } from '../lambdas/shared/metrics/anomaly-detector.js';
import { DEFAULT_DEBOUNCE_STEPS, scoreSeries } from '../lambdas/shared/metrics/score-series.js';
import {
  type DetectionResult,
  type NabFileScore,
  nabFileScore,
  normalizeNabScore,
  parseNabTimestamp,
  parsePublishedScores,
  publishedSubsetScores,
  scoreDetections,
  STANDARD_PROFILE,
  type WindowRange,
  windowRanges,
} from './nab-scoring.js';

/**
 * `npm run bench:anomaly -- DIR --labels FILE [--out OUTDIR] [--reference FILE]`
 *
 * Runs the metric anomaly detector (`lambdas/shared/metrics`), in its one
 * default configuration, over every NAB-format CSV in DIR
 * (`timestamp,value`) and scores it against NAB's combined windows file
 * (`--labels`, keyed `<basename of DIR>/<file>.csv`):
 * - per file and in total: recall over the windows, false positives
 *   (debounced alert onsets outside every window) and mean detection delay
 *   (window start to the first onset inside it), after NAB's probationary
 *   period (the first 15% of each file);
 * - the NAB standard-profile score (see `bench/nab-scoring.ts`), normalized
 *   as NAB does, 100·(S − S_null)/(S_perfect − S_null), over the files and
 *   windows actually in DIR, at the detector's fixed default threshold
 *   (NAB tunes each published detector's threshold on its whole corpus).
 *
 * `--out OUTDIR` writes `OUTDIR/<name>.csv` as `timestamp,value,anomaly_score`
 * (score in 0..1); without it nothing is written. `--reference FILE`
 * (default: `../results/realAWSCloudwatch_standard_scores_by_detector.csv`
 * next to the labels file, when present) holds published per-file raw
 * scores; the published detectors are then normalized over the same files,
 * for a like-for-like comparison. A line also shows our NAB score at a few
 * other thresholds: in-sample, for information, never used as the figure.
 * The summary is the last line printed.
 */

interface Row {
  readonly text: string;
  readonly timestampMs: number;
  readonly value: string;
}

function readSeries(file: string): Row[] {
  const [header, ...lines] = readFileSync(file, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  if (header?.trim() !== 'timestamp,value') throw new Error(`${file}: expected the header timestamp,value, got ${JSON.stringify(header)}`);
  return lines.map((line, index) => {
    const [text = '', value = ''] = line.split(',');
    if (value.trim() === '' || !Number.isFinite(Number(value))) throw new Error(`${file}:${index + 2}: not a number: ${JSON.stringify(value)}`);
    return { text, timestampMs: parseNabTimestamp(text), value };
  });
}

const minutes = (ms: number) => ms / 60_000;
const mean = (values: readonly number[]) => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
const fixed = (value: number, digits: number) => (Number.isNaN(value) ? 'n/a' : value.toFixed(digits));

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    labels: { type: 'string' },
    out: { type: 'string' },
    reference: { type: 'string' },
  },
});
const [directory] = positionals;
if (directory === undefined || flags.labels === undefined || positionals.length > 1) {
  console.error('usage: npm run bench:anomaly -- DIR --labels FILE [--out OUTDIR] [--reference FILE]');
  process.exit(2);
}

const labels = JSON.parse(readFileSync(flags.labels, 'utf8')) as Record<string, string[][]>;
const corpus = path.basename(path.resolve(directory));
const files = readdirSync(directory)
  .filter((name) => name.endsWith('.csv'))
  .sort();
if (files.length === 0) {
  console.error(`${directory}: no CSV files`);
  process.exit(2);
}
if (flags.out !== undefined) mkdirSync(flags.out, { recursive: true });

const threshold = DEFAULT_THRESHOLD;
const scored: string[] = [];
const detections: DetectionResult[] = [];
const nabScores: NabFileScore[] = [];
const runs: Array<{ scores: number[]; windows: WindowRange[] }> = [];

console.log(`detector: default configuration, threshold ${threshold}, alerts debounced over ${DEFAULT_DEBOUNCE_STEPS} sampling intervals`);
for (const name of files) {
  const key = `${corpus}/${name}`;
  const labelled = labels[key];
  if (labelled === undefined) {
    console.log(`${name}: no entry ${key} in the labels file; skipped`);
    continue;
  }
  const rows = readSeries(path.join(directory, name));
  const timestampsMs = rows.map((row) => row.timestampMs);
  const result = scoreSeries(rows.map((row) => ({ timestamp: row.timestampMs, value: Number(row.value) })));
  const stepMs = result.stepMs ?? 0;
  const windows = windowRanges(
    timestampsMs,
    labelled.map(([start = '', end = '']) => [parseNabTimestamp(start), parseNabTimestamp(end)] as const),
  );
  const detection = scoreDetections(timestampsMs, result.scores, windows, threshold, DEFAULT_DEBOUNCE_STEPS * stepMs);
  const nab = nabFileScore(result.scores, windows, threshold, STANDARD_PROFILE);
  scored.push(key);
  detections.push(detection);
  nabScores.push(nab);
  runs.push({ scores: result.scores, windows });

  if (flags.out !== undefined) {
    const csv = rows.map((row, index) => `${row.text},${row.value},${result.scores[index]!.toFixed(6)}`);
    writeFileSync(path.join(flags.out, name), `timestamp,value,anomaly_score\n${csv.join('\n')}\n`);
  }
  const delays = detection.delaysMs.map((delay) => `${Math.round(minutes(delay))}`).join(',');
  console.log(
    `${name.padEnd(44)} ${String(rows.length).padStart(5)} pts  windows ${detection.detected}/${detection.windows}` +
      `  fp ${String(detection.falsePositives).padStart(2)}  delay min [${delays}]` +
      `  nab ${nab.score.toFixed(3)} (tp ${nab.tp} fp ${nab.fp})`,
  );
}

const missing = Object.keys(labels).filter((key) => key.startsWith(`${corpus}/`) && !scored.includes(key));
if (missing.length > 0) {
  console.log(`note: ${missing.length} ${corpus} files in the labels are not in ${directory}: ${missing.map((key) => path.basename(key)).join(', ')}`);
}

const sum = (pick: (score: NabFileScore) => number) => nabScores.reduce((total, score) => total + pick(score), 0);
const raw = sum((score) => score.score);
const nullScore = sum((score) => score.nullScore);
const perfectScore = sum((score) => score.perfectScore);
const normalized = normalizeNabScore(raw, nullScore, perfectScore);

const referenceFile =
  flags.reference ?? path.join(path.dirname(flags.labels), '..', 'results', `${corpus}_standard_scores_by_detector.csv`);
if (existsSync(referenceFile)) {
  const published = publishedSubsetScores(parsePublishedScores(readFileSync(referenceFile, 'utf8')), scored, nullScore, perfectScore);
  console.log(`published detectors on the same ${scored.length} files (their thresholds tuned on all of NAB): ` +
    published.map((row) => `${row.detector} ${row.normalized.toFixed(1)}`).join(', '));
}

const sweep = [0.5, 0.6, 0.7, 0.8, 0.9, 1].map((candidate) => {
  const scores = runs.map((run) => nabFileScore(run.scores, run.windows, candidate, STANDARD_PROFILE));
  const total = scores.reduce((sum, score) => sum + score.score, 0);
  return `${candidate.toFixed(1)} → ${normalizeNabScore(total, nullScore, perfectScore).toFixed(1)}`;
});
console.log(`NAB standard score by threshold (in-sample, for information only; the summary uses the fixed ${threshold}): ${sweep.join(', ')}`);

const windowCount = detections.reduce((total, detection) => total + detection.windows, 0);
const detected = detections.reduce((total, detection) => total + detection.detected, 0);
const falsePositives = detections.reduce((total, detection) => total + detection.falsePositives, 0);
const delay = mean(detections.flatMap((detection) => detection.delaysMs));
console.log(
  `nab: recall ${detected}/${windowCount} windows (${fixed((100 * detected) / windowCount, 1)}%), ` +
    `false-positives ${falsePositives} over ${scored.length} files (${fixed(falsePositives / scored.length, 2)}/file), ` +
    `mean delay ${fixed(minutes(delay), 0)} min, ` +
    `NAB standard score ${fixed(normalized, 1)} (raw ${raw.toFixed(3)}, null ${nullScore}, perfect ${perfectScore}; ` +
    `these ${scored.length} files only, fixed threshold ${threshold})`,
);
