import { alertEvents } from '../lambdas/shared/metrics/score-series.js';

/**
 * Scoring for `bench/anomaly.ts`, as pure functions over one file's
 * timestamps and scores.
 *
 * Two views:
 * - detections: alert events (debounced threshold crossings). A window is
 *   detected by the first event onset inside it; its delay is the time from
 *   the window's start to that onset; an onset outside every window is a
 *   false positive. Onsets in the probationary period are not counted.
 * - the NAB score, following NAB's published rules (Ahmad et al. 2017 and
 *   NAB's sweeper): every point at or above the threshold is an alert;
 *   the earliest alert in a window earns tpWeight × a sigmoid of its
 *   position (1 at the window's start, 0 at its end); a window without one
 *   costs fnWeight; each alert outside the windows costs up to fpWeight,
 *   less when it falls just after a window; rows in the probationary
 *   period (the first 15% of the file, at most 750 rows) are ignored.
 */

/** NAB's probationary share of each file. */
export const PROBATION_PERCENT = 0.15;

/** NAB's cost matrix for one profile (`config/profiles.json`). */
export interface CostMatrix {
  readonly tpWeight: number;
  readonly fnWeight: number;
  readonly fpWeight: number;
}

/** NAB's standard profile. */
export const STANDARD_PROFILE: CostMatrix = { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 };

/** A labelled window as row indices, both ends included. */
export interface WindowRange {
  readonly start: number;
  readonly end: number;
}

/** `2014-02-26 13:45:00` or `2014-02-26 13:45:00.000000` (NAB's files), read as UTC. */
export function parseNabTimestamp(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?$/.exec(text.trim());
  if (match === null) throw new Error(`not a NAB timestamp: ${JSON.stringify(text)}`);
  const [, year, month, day, hour, minute, second, fraction] = match;
  const ms = fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
  return Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), ms);
}

/** NAB's probationary length: floor(15% of the rows), at most 15% of 5000. */
export function probationaryLength(rows: number, percent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(percent * rows), percent * 5000);
}

/**
 * Each window `[startMs, endMs]` as the rows it covers (the first row at or
 * after its start to the last row at or before its end); windows covering
 * no row are dropped. `timestampsMs` must be ascending.
 */
export function windowRanges(timestampsMs: readonly number[], windows: readonly (readonly [number, number])[]): WindowRange[] {
  const ranges: WindowRange[] = [];
  for (const [startMs, endMs] of windows) {
    const start = timestampsMs.findIndex((t) => t >= startMs);
    if (start < 0) continue;
    let end = start - 1;
    while (end + 1 < timestampsMs.length && timestampsMs[end + 1]! <= endMs) end += 1;
    if (end >= start) ranges.push({ start, end });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

export interface DetectionResult {
  /** Windows that end after the probationary period. */
  readonly windows: number;
  /** Of those, the windows with an event onset inside. */
  readonly detected: number;
  /** Event onsets (after the probationary period) outside every window. */
  readonly falsePositives: number;
  /** For each detected window, milliseconds from its start to the first onset inside it. */
  readonly delaysMs: number[];
  /** Row index of every counted onset. */
  readonly onsets: number[];
}

/** Recall, false positives and delay of the debounced alert events. */
export function scoreDetections(
  timestampsMs: readonly number[],
  scores: readonly number[],
  windows: readonly WindowRange[],
  threshold: number,
  debounceMs: number,
  probation = probationaryLength(timestampsMs.length),
): DetectionResult {
  const onsets = alertEvents(timestampsMs, scores, threshold, debounceMs)
    .map((event) => event.startIndex)
    .filter((index) => index >= probation);
  const counted = windows.filter((window) => window.end >= probation);
  const delaysMs: number[] = [];
  for (const window of counted) {
    const first = onsets.find((index) => index >= window.start && index <= window.end);
    if (first !== undefined) delaysMs.push(timestampsMs[first]! - timestampsMs[window.start]!);
  }
  const falsePositives = onsets.filter((index) => !windows.some((window) => index >= window.start && index <= window.end)).length;
  return { windows: counted.length, detected: delaysMs.length, falsePositives, delaysMs, onsets };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * NAB's scaled sigmoid of a relative position: about 0.987 at -1 (a window's
 * left edge), 0 at 0 (its right edge), about -0.987 at 1 and -1 from 3 on.
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 * sigmoid(-5 * relativePosition) - 1;
}

export interface NabFileScore {
  /** The file's raw NAB score under the cost matrix. */
  readonly score: number;
  /** What the null detector (no alerts) scores on this file: −fnWeight per counted window. */
  readonly nullScore: number;
  /** What a perfect detector scores: +tpWeight per counted window. */
  readonly perfectScore: number;
  /** Point counts, as NAB's `*_scores.csv` reports them. */
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

/**
 * One file's NAB score: every row scoring at least `threshold` is an alert.
 * `windows` must be sorted and disjoint.
 */
export function nabFileScore(
  scores: readonly number[],
  windows: readonly WindowRange[],
  threshold: number,
  costs: CostMatrix = STANDARD_PROFILE,
  probation = probationaryLength(scores.length),
): NabFileScore {
  const maxTp = scaledSigmoid(-1);
  const windowScores = new Map<number, number>();
  windows.forEach((window, index) => {
    if (window.end >= probation) windowScores.set(index, -costs.fnWeight);
  });
  let fpTotal = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let next = 0;
  let previous: WindowRange | undefined;
  for (let row = 0; row < scores.length; row += 1) {
    while (next < windows.length && windows[next]!.end < row) previous = windows[next++];
    const window = windows[next] !== undefined && windows[next]!.start <= row ? windows[next] : undefined;
    if (row < probation) continue;
    const alert = scores[row]! >= threshold;
    if (window !== undefined) {
      if (!alert) {
        fn += 1;
        continue;
      }
      tp += 1;
      const width = window.end - window.start + 1;
      const position = -(window.end - row + 1) / width;
      const weighted = (scaledSigmoid(position) * costs.tpWeight) / maxTp;
      windowScores.set(next, Math.max(windowScores.get(next)!, weighted));
    } else if (alert) {
      fp += 1;
      const position =
        previous === undefined ? 3 : Math.abs(previous.end - row) / Math.max(previous.end - previous.start, 1);
      fpTotal += scaledSigmoid(position) * costs.fpWeight;
    } else {
      tn += 1;
    }
  }
  const counted = windowScores.size;
  const windowTotal = [...windowScores.values()].reduce((sum, value) => sum + value, 0);
  return {
    score: windowTotal + fpTotal,
    nullScore: -counted * costs.fnWeight,
    perfectScore: counted * costs.tpWeight,
    tp,
    fp,
    fn,
    tn,
  };
}

/** NAB's normalization: 100 · (S − S_null) / (S_perfect − S_null); 0 is the null detector, 100 a perfect one. */
export function normalizeNabScore(score: number, nullScore: number, perfectScore: number): number {
  if (perfectScore === nullScore) return Number.NaN;
  return (100 * (score - nullScore)) / (perfectScore - nullScore);
}

/** The published raw score of one detector on one file (a row of NAB's `<detector>_standard_scores.csv`). */
export interface PublishedFileScore {
  readonly detector: string;
  readonly file: string;
  readonly score: number;
}

/** Reads `Detector,Profile,File,Threshold,Score,...` rows, keeping the standard profile. */
export function parsePublishedScores(csv: string): PublishedFileScore[] {
  const [header, ...lines] = csv.split(/\r?\n/).filter((line) => line.trim() !== '');
  const columns = (header ?? '').split(',');
  const at = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`published scores have no ${name} column`);
    return index;
  };
  const [detector, profile, file, score] = [at('Detector'), at('Profile'), at('File'), at('Score')];
  return lines
    .map((line) => line.split(','))
    .filter((cells) => cells[profile] === 'standard')
    .map((cells) => ({ detector: cells[detector]!, file: cells[file]!, score: Number(cells[score]) }));
}

/**
 * Each published detector's normalized score over `files` only (the same
 * null and perfect scores as ours), best first. Detectors missing a file are left out.
 */
export function publishedSubsetScores(
  published: readonly PublishedFileScore[],
  files: readonly string[],
  nullScore: number,
  perfectScore: number,
): Array<{ detector: string; raw: number; normalized: number }> {
  const byDetector = new Map<string, Map<string, number>>();
  for (const row of published) {
    const scores = byDetector.get(row.detector) ?? new Map<string, number>();
    scores.set(row.file, row.score);
    byDetector.set(row.detector, scores);
  }
  const results: Array<{ detector: string; raw: number; normalized: number }> = [];
  for (const [detector, scores] of byDetector) {
    if (!files.every((file) => scores.has(file))) continue;
    const raw = files.reduce((sum, file) => sum + scores.get(file)!, 0);
    results.push({ detector, raw, normalized: normalizeNabScore(raw, nullScore, perfectScore) });
  }
  return results.sort((a, b) => b.normalized - a.normalized);
}
