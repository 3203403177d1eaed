import './polyfills.js';
import { runScenario } from './run-scenario.js';
import { loadScenario } from './scenario.js';
import type { ScenarioFinding } from './simulate.js';
import { writeScenarioReports } from './write-reports.js';

/**
 * Runs one scenario file in this process, for `simulate()` in the parent:
 * the result goes back over the IPC channel; the timeline goes to stdout
 * (with `--timeline`), the handlers' own logs too (with `--verbose`).
 * Usage: `scenario-worker.ts SCENARIO.json [--timeline] [--verbose] [--reports-dir=DIR]`.
 * Exit code 0: every expectation met; 1: a mismatch; 2: the run itself crashed.
 * One process per scenario, because handler modules, like Lambda execution
 * environments, read their configuration once.
 */
async function main(): Promise<number> {
  const [file, ...flags] = process.argv.slice(2);
  if (file === undefined || process.send === undefined) {
    console.error('usage: scenario-worker.ts SCENARIO.json [--timeline] [--verbose] [--reports-dir=DIR], started by simulate() with an IPC channel');
    return 2;
  }
  const verbose = flags.includes('--verbose');
  const timeline = verbose || flags.includes('--timeline');
  const reportsDirectory = flags.find((flag) => flag.startsWith('--reports-dir='))?.slice('--reports-dir='.length);
  const print = timeline ? (line: string) => console.log(line) : () => undefined;

  const scenario = loadScenario(file);
  print(`\n▶ ${scenario.name}: ${scenario.title}`);
  print(`  ${scenario.description}`);
  const report = await runScenario(scenario, { print, verbose });
  for (const incident of report.incidents) {
    print(`  incident ${incident.incidentId} on ${incident.resource}: ${incident.status} — ${incident.summary ?? ''}`);
  }
  const reports = reportsDirectory === undefined ? [] : writeScenarioReports(scenario.name, report.executions, reportsDirectory);
  const finding: ScenarioFinding = {
    passed: report.passed,
    mismatches: report.mismatches,
    outcome: report.incidents.map((incident) => incident.status),
    expected: scenario.expect.incidents.map((incident) => incident.status),
    executions: [...report.executions]
      .sort((a, b) => startOf(a.run) - startOf(b.run))
      .map((execution) => ({
        name: execution.name,
        status: execution.run.status,
        path: execution.path,
        tasks: execution.run.events.flatMap((event) => (event.type === 'StateEntered' && event.state.type === 'Task' ? [event.state.name] : [])),
      })),
    reports,
  };
  await new Promise<void>((resolve, reject) => process.send!(finding, (error: Error | null) => (error ? reject(error) : resolve())));
  return report.passed ? 0 : 1;
}

/** The time an execution started: its first event. */
const startOf = (run: { events: readonly unknown[] }) => (run.events[0] as { timestamp?: number } | undefined)?.timestamp ?? 0;

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).stack ?? String(error));
    process.exit(2);
  },
);
