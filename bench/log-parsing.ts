import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { serializeState } from '../lambdas/shared/logs/miner-state.js';
import { TemplateMiner } from '../lambdas/shared/logs/template-miner.js';
import { groupingAccuracy } from './grouping-accuracy.js';
import { type LabelledLines, labelledLinesFromCsv } from './loghub-csv.js';

/**
 * `npm run bench:logs -- DIR [--assignments OUTDIR]`: runs the template miner,
 * in its one default configuration, over every Loghub-2k system in DIR
 * (`DIR/<S>/<S>_2k.log_structured_corrected.csv`) and prints its grouping
 * accuracy against the `EventTemplate` column, then the average and the
 * single-threaded throughput.
 *
 * The miner never sees the truth: it gets the `Content` column, line by line.
 * `--assignments` writes `OUTDIR/<S>.csv`, one predicted group id per input
 * line, in input order, no header.
 *
 * Throughput, the figure on the last line: all systems' lines on one thread,
 * each system on a fresh miner (so every template is discovered again and
 * nothing is pre-cached), timed over several passes after warm-up passes that
 * let the JIT settle; the median pass counts. The line before it also gives
 * the steady state: miners that already know their system's templates, as a
 * long-running intake's miner mostly does.
 */
const WARM_UP_PASSES = 5;
const TIMED_PASSES = 21;

interface Args {
  readonly dir: string;
  readonly assignmentsDir: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let dir: string | undefined;
  let assignmentsDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--assignments') {
      assignmentsDir = argv[++i];
      if (assignmentsDir === undefined) throw new Error('--assignments needs a directory');
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown option ${arg}`);
    } else if (dir === undefined) {
      dir = arg;
    } else {
      throw new Error(`unexpected argument ${arg}`);
    }
  }
  if (dir === undefined) throw new Error('usage: npm run bench:logs -- DIR [--assignments OUTDIR]');
  return { dir, assignmentsDir };
}

interface System extends LabelledLines {
  readonly name: string;
}

/** Every `DIR/<S>/<S>_2k.log_structured_corrected.csv`, by system name. */
function loadSystems(dir: string): System[] {
  const systems: System[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = path.join(dir, entry.name, `${entry.name}_2k.log_structured_corrected.csv`);
    if (!existsSync(file)) continue;
    const { lines, truth } = labelledLinesFromCsv(readFileSync(file, 'utf8'));
    systems.push({ name: entry.name, lines: lines.map(asDecodedMessage), truth });
  }
  if (systems.length === 0) throw new Error(`no <S>/<S>_2k.log_structured_corrected.csv under ${dir}`);
  return systems.sort((x, y) => x.name.localeCompare(y.name));
}

/**
 * The line as the intake will hold it: a string of its own, as JSON.parse
 * makes each log event's message, not a slice of the whole CSV text (V8 reads
 * slices of a big string more slowly, which would understate throughput).
 */
function asDecodedMessage(line: string): string {
  return JSON.parse(JSON.stringify(line)) as string;
}

/** Mines the lines in order and returns each line's final template id (after any merges). */
function assign(miner: TemplateMiner, lines: readonly string[]): string[] {
  const ids = lines.map((line, i) => miner.add(line, i).id);
  return ids.map((id) => miner.resolve(id)!.id);
}

/**
 * One pass over every system's lines; returns the seconds it took. Each
 * system gets a fresh miner unless `miners` holds one that already knows its
 * templates (the steady state of a long-running miner).
 */
function timedPass(systems: readonly System[], miners?: readonly TemplateMiner[]): number {
  const start = performance.now();
  for (let s = 0; s < systems.length; s++) {
    const { lines } = systems[s]!;
    const miner = miners?.[s] ?? new TemplateMiner();
    for (let i = 0; i < lines.length; i++) miner.add(lines[i]!, i);
  }
  return (performance.now() - start) / 1000;
}

/** Lines per second: the median of `TIMED_PASSES` passes after `WARM_UP_PASSES`. */
function throughput(systems: readonly System[], totalLines: number, miners?: readonly TemplateMiner[]): number {
  for (let pass = 0; pass < WARM_UP_PASSES; pass++) timedPass(systems, miners);
  const seconds = median(Array.from({ length: TIMED_PASSES }, () => timedPass(systems, miners)));
  return Math.round(totalLines / seconds);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const { dir, assignmentsDir } = parseArgs(process.argv.slice(2));
const systems = loadSystems(dir);
if (assignmentsDir !== undefined) mkdirSync(assignmentsDir, { recursive: true });

let gaSum = 0;
const trainedMiners: TemplateMiner[] = [];
console.log('system       GA      lines  true groups  templates  state bytes');
for (const system of systems) {
  const miner = new TemplateMiner();
  trainedMiners.push(miner);
  const predicted = assign(miner, system.lines);
  const ga = groupingAccuracy(predicted, system.truth);
  gaSum += ga;
  const stateBytes = Buffer.byteLength(serializeState(miner.toState()));
  console.log(
    `${system.name.padEnd(12)} ${ga.toFixed(4)} ${String(system.lines.length).padStart(6)} ${String(new Set(system.truth).size).padStart(12)} ${String(miner.size).padStart(10)} ${String(stateBytes).padStart(12)}`,
  );
  if (assignmentsDir !== undefined) writeFileSync(path.join(assignmentsDir, `${system.name}.csv`), predicted.map((id) => `${id}\n`).join(''));
}

const totalLines = systems.reduce((sum, { lines }) => sum + lines.length, 0);
const fromScratch = throughput(systems, totalLines);
const steadyState = throughput(systems, totalLines, trainedMiners);
const format = (linesPerSecond: number): string => linesPerSecond.toLocaleString('en-US');
console.log(`throughput: ${totalLines} lines per pass, median of ${TIMED_PASSES} passes after ${WARM_UP_PASSES} warm-up passes, one thread`);
console.log(`  fresh miner per system (every template discovered in the pass): ${format(fromScratch)} lines/s`);
console.log(`  miners that already know the templates (steady state):           ${format(steadyState)} lines/s`);
console.log(`loghub2k: GA avg ${(gaSum / systems.length).toFixed(3)} over ${systems.length} systems, throughput ${format(fromScratch)} lines/s`);
