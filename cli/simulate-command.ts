import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../local/scenario.js';
import { DEFAULT_SCENARIOS_DIRECTORY, type ScenarioRun, scenarioFiles, scenarioName, simulate } from '../local/simulate.js';
import { displayPath, reportsDirectory } from '../local/write-reports.js';
import { type CliIo, parseCommandArgs } from './cli-io.js';

export const SIMULATE_USAGE = `self-heal simulate — run the scenarios locally: real ASL, real handlers, dynalite, simulated AWS

Usage:
  self-heal simulate [SCENARIO…] [--scenarios DIR] [--reports DIR | --no-reports] [--timeline] [--verbose] [--json]
  self-heal simulate --list [--scenarios DIR] [--json]

Runs each scenario (every file in scenarios/, or those named, by file name
without .json) through the deployed state machine definition and handler
code: aws-local-stepfunctions runs the ASL, dynalite is DynamoDB, and a
simulated world answers every other AWS API. Nothing reaches AWS. Each
scenario runs in a process of its own and ends with one line:

  [ 3/31] cpu-saturation ........ resolved (ScaleOutAsg → VerifyRecovery), 1.4 s

its incidents' final statuses, the Task states each execution went through
beyond the ones every run takes (BuildContext, Decide, CheckPolicy,
AcquireLease, RecordAttemptResult, RecordOutcome), and how long it took.
A scenario that misses its expectations says what it expected, and why.

Options:
  --list            list the scenarios with their titles, and run none
  --scenarios DIR   where the scenarios are (default: scenarios/ of the project)
  --reports DIR     where the HTML reports go, one per execution (default: reports/ of the project, or SELF_HEAL_REPORTS_DIR)
  --no-reports      write no reports
  --timeline        print each scenario's timeline before its line
  --verbose         the timeline and the handlers' own logs
  --json            print one JSON document with every scenario's result; progress goes to stderr
  -h, --help        show this help

Exit codes: 0 every scenario met its expectations, 1 at least one did not
(or crashed), 2 bad usage or an unknown scenario.`;

/** Task states every run that acts goes through: the progress line leaves them out, to show what differs. */
const ROUTINE_TASKS = new Set(['BuildContext', 'Decide', 'CheckPolicy', 'AcquireLease', 'RecordAttemptResult', 'RecordOutcome']);

/** One scenario's result in `--json`. */
export interface SimulatedScenario {
  name: string;
  passed: boolean;
  /** Final status of each incident, in order of arrival; `null` when the run crashed. */
  outcome: string[] | null;
  expected: string[] | null;
  mismatches: string[];
  executions: { name: string; status: string; path: string[] }[];
  durationMs: number;
  reports: string[];
  error?: string;
}

/** `self-heal simulate …`; resolves the exit code. */
export async function runSimulate(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      list: { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      reports: { type: 'string' },
      'no-reports': { type: 'boolean', default: false },
      timeline: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    SIMULATE_USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.reports !== undefined && values['no-reports']) {
    io.err(`--reports and --no-reports contradict each other\n\n${SIMULATE_USAGE}`);
    return 2;
  }
  const directory = values.scenarios === undefined ? DEFAULT_SCENARIOS_DIRECTORY : path.resolve(values.scenarios);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    io.err(`--scenarios ${values.scenarios}: no such directory`);
    return 2;
  }
  const known = scenarioFiles(directory);
  if (known.length === 0) {
    io.err(`no scenarios in ${displayPath(directory)}: a scenario is a .json file there`);
    return 2;
  }
  const unknown = positionals.filter((name) => !known.some((file) => scenarioName(file) === name));
  if (unknown.length > 0) {
    io.err(`unknown scenario${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}\n\nknown scenarios (in ${displayPath(directory)}):`);
    for (const file of known) io.err(`  ${scenarioName(file)}`);
    return 2;
  }
  const selected = positionals.length === 0 ? known : known.filter((file) => positionals.includes(scenarioName(file)));

  if (values.list) return listScenarios(selected, values.json, io);

  const reports = values['no-reports'] ? undefined : values.reports === undefined ? reportsDirectory([], env) : path.resolve(values.reports);
  const progress = (line: string) => (values.json ? io.err(line) : io.out(line));
  const width = Math.max(...selected.map((file) => scenarioName(file).length));
  progress(`self-healing: running ${selected.length} scenario(s) locally — real ASL, real handlers, dynalite, simulated AWS`);
  const runs = await simulate({
    files: selected,
    ...(reports === undefined ? {} : { reportsDirectory: reports }),
    timeline: values.timeline,
    verbose: values.verbose,
    onFinish: (run, index, total) => {
      for (const line of run.output) progress(line);
      if (values.timeline || values.verbose) for (const report of run.finding?.reports ?? []) progress(`  report: ${displayPath(report)}`);
      for (const line of progressLines(run, index, total, width)) progress(line);
    },
  });

  const failed = runs.filter((run) => run.finding?.passed !== true);
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          passed: failed.length === 0,
          counts: { passed: runs.length - failed.length, failed: failed.length },
          reportsDirectory: reports ?? null,
          scenarios: runs.map(resultOf),
        },
        null,
        2,
      ),
    );
  }
  progress('\nsummary');
  for (const run of runs) progress(`  ${run.finding?.passed === true ? '✔' : '✖'} ${run.name}`);
  progress(`scenarios: ${runs.length - failed.length} passed, ${failed.length} failed`);
  progress(reports === undefined ? 'reports: none written (--no-reports)' : `reports: ${displayPath(reports)}/ (one HTML page per execution)`);
  return failed.length === 0 ? 0 : 1;
}

function listScenarios(files: readonly string[], json: boolean, io: CliIo): number {
  const entries = files.map((file) => {
    try {
      const scenario = loadScenario(file);
      return { name: scenarioName(file), title: scenario.title, description: scenario.description };
    } catch (error) {
      return { name: scenarioName(file), error: (error as Error).message };
    }
  });
  if (json) {
    io.out(JSON.stringify(entries, null, 2));
  } else {
    const width = Math.max(...entries.map((entry) => entry.name.length));
    for (const entry of entries) {
      io.out(`${entry.name.padEnd(width)}  ${'title' in entry ? entry.title : `✖ ${entry.error.split('\n')[0]}`}`);
    }
  }
  return entries.some((entry) => 'error' in entry) ? 1 : 0;
}

/**
 * The line a scenario ends with, and under it why it missed:
 * `[ 3/31] cpu-saturation ........ resolved (ScaleOutAsg → VerifyRecovery), 1.4 s`.
 */
export function progressLines(run: ScenarioRun, index: number, total: number, width: number): string[] {
  const counter = `[${String(index + 1).padStart(String(total).length)}/${total}]`;
  const head = `${counter} ${run.name} ${'.'.repeat(Math.max(2, width - run.name.length + 2))}`;
  const seconds = `${(run.durationMs / 1000).toFixed(1)} s`;
  const indent = ' '.repeat(counter.length + 1);
  const { finding } = run;
  if (finding === undefined) {
    return [`${head} crashed, ${seconds}  ✖`, ...crashSummary(run.error ?? '').map((line) => `${indent}${line}`)];
  }
  const paths = [...new Set(finding.executions.map((execution) => execution.tasks.filter((task) => !ROUTINE_TASKS.has(task)).join(' → ') || '—'))];
  const did = paths.length === 0 ? '' : ` (${paths.join(' | ')})`;
  const line = `${head} ${describeOutcome(finding.outcome)}${did}, ${seconds}`;
  if (finding.passed) return [line];
  const why = sameOutcome(finding.outcome, finding.expected)
    ? `${finding.mismatches.length} expectation(s) missed`
    : `expected ${describeOutcome(finding.expected)}`;
  return [`${line}  ✖ ${why}`, ...finding.mismatches.map((mismatch) => `${indent}✖ ${mismatch}`)];
}

/**
 * What a crashed run's stderr says, without the noise: from the error's own
 * line on, without stack frames or Node's version. `--verbose` prints the
 * stderr whole, and `--json` has it in `error`.
 */
function crashSummary(stderr: string): string[] {
  const all = stderr.split('\n');
  const from = all.findIndex((line) => /^[A-Za-z]*Error\b/.test(line));
  const said = (from === -1 ? all : all.slice(from)).filter((line) => !/^\s+at /.test(line) && !/^Node\.js v\d/.test(line));
  return said.join('\n').trim().split('\n');
}

/** `resolved`, `escalated, resolved`, `3× resolved`; `no incident` for none. */
function describeOutcome(statuses: readonly string[]): string {
  if (statuses.length === 0) return 'no incident';
  const runs: { status: string; count: number }[] = [];
  for (const status of statuses) {
    const last = runs.at(-1);
    if (last?.status === status) last.count += 1;
    else runs.push({ status, count: 1 });
  }
  return runs.map((entry) => (entry.count === 1 ? entry.status : `${entry.count}× ${entry.status}`)).join(', ');
}

const sameOutcome = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((status, index) => status === b[index]);

function resultOf(run: ScenarioRun): SimulatedScenario {
  const { finding } = run;
  return {
    name: run.name,
    passed: finding?.passed === true,
    outcome: finding?.outcome ?? null,
    expected: finding?.expected ?? null,
    mismatches: finding?.mismatches ?? [],
    executions: (finding?.executions ?? []).map(({ name, status, path: states }) => ({ name, status, path: states })),
    durationMs: Math.round(run.durationMs),
    reports: finding?.reports ?? [],
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}
