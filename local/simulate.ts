import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the scenarios live unless told otherwise: `scenarios/` at the project root. */
export const DEFAULT_SCENARIOS_DIRECTORY = path.resolve(here, '..', 'scenarios');

/** What one scenario's run found, as its process reports it. */
export interface ScenarioFinding {
  /** Every expectation met. */
  passed: boolean;
  /** Every way the end state differs from the scenario's expectations. */
  mismatches: string[];
  /** The final status of each incident, in order of arrival (`resolved`, `escalated`, …). */
  outcome: string[];
  /** The statuses the scenario expects, in the same order. */
  expected: string[];
  /** Each execution started, in the order it started. */
  executions: {
    name: string;
    status: 'SUCCEEDED' | 'FAILED';
    /** Every state entered, in order. */
    path: string[];
    /** The Task states among them: what the run did. */
    tasks: string[];
  }[];
  /** The HTML reports written, one per execution. */
  reports: string[];
}

/** One scenario's run, as `simulate()` hands it back. */
export interface ScenarioRun {
  /** The file's name without `.json`. */
  name: string;
  file: string;
  /** The run crashed or its process died: no finding. */
  finding?: ScenarioFinding;
  /** Why the run crashed, from its stderr. */
  error?: string;
  /** The process's stdout, line by line: the timeline with `timeline`; with `verbose`, the handlers' logs and its stderr too. */
  output: string[];
  /** Wall time, process start to exit. */
  durationMs: number;
}

export interface SimulateOptions {
  /** The scenario files to run, in order. */
  readonly files: readonly string[];
  /**
   * Where each scenario's HTML reports go, one per execution.
   * @default none are written
   */
  readonly reportsDirectory?: string;
  /**
   * Each scenario prints its timeline to its `output`.
   * @default false
   */
  readonly timeline?: boolean;
  /**
   * The handlers' own structured logs go to `output` too (implies `timeline`).
   * @default false
   */
  readonly verbose?: boolean;
  /** Called as each scenario finishes, before the next starts; `index` counts from 0. */
  readonly onFinish?: (run: ScenarioRun, index: number, total: number) => void;
}

/** The `.json` files of a directory, sorted: the scenarios it holds. */
export function scenarioFiles(directory: string = DEFAULT_SCENARIOS_DIRECTORY): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => path.join(directory, file));
}

/** A scenario's name: its file's, without `.json`. */
export const scenarioName = (file: string): string => path.basename(file, '.json');

/**
 * Runs each scenario against the real state machine definition and
 * handlers, dynalite and the simulated world, one process each (handler
 * modules read their configuration once, like Lambda execution
 * environments), one after the other. Resolves every run, in order.
 */
export async function simulate(options: SimulateOptions): Promise<ScenarioRun[]> {
  const runs: ScenarioRun[] = [];
  for (const [index, file] of options.files.entries()) {
    const run = await runInProcess(file, options);
    runs.push(run);
    options.onFinish?.(run, index, options.files.length);
  }
  return runs;
}

const worker = path.join(here, 'scenario-worker.ts');
/** tsx's loader by absolute URL, so the scenario process starts from any working directory. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function runInProcess(file: string, options: SimulateOptions): Promise<ScenarioRun> {
  const flags = [
    ...(options.timeline ? ['--timeline'] : []),
    ...(options.verbose ? ['--verbose'] : []),
    ...(options.reportsDirectory === undefined ? [] : [`--reports-dir=${path.resolve(options.reportsDirectory)}`]),
  ];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, worker, path.resolve(file), ...flags], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let finding: ScenarioFinding | undefined;
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('message', (message) => {
      finding = message as ScenarioFinding;
    });
    const finish = (error?: string) =>
      resolve({
        name: scenarioName(file),
        file,
        ...(finding === undefined ? {} : { finding }),
        ...(error === undefined ? {} : { error }),
        output: options.verbose ? [...lines(stdout), ...lines(stderr)] : lines(stdout),
        durationMs: performance.now() - started,
      });
    child.on('error', (error) => finish(`could not start the scenario process: ${error.message}`));
    child.on('close', (code, signal) => {
      if (finding !== undefined && (code === 0 || code === 1)) return finish();
      const said = lines(stderr).join('\n').trim();
      finish(said || `the scenario process ended with ${signal ?? `exit code ${code}`} and no result`);
    });
  });
}

function lines(chunks: Buffer[]): string[] {
  const text = Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
  return text === '' ? [] : text.split('\n');
}
