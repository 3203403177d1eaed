import './polyfills.js';
import { loadScenario } from './scenario.js';
import { runScenario } from './run-scenario.js';
import { displayPath, reportsDirectory, writeScenarioReports } from './write-reports.js';

/**
 * Runs one scenario file in this process and prints its timeline. Exit
 * code 0: every expectation met; 1: a mismatch; 2: the run itself crashed.
 * `local/simulate.ts` starts one of these per scenario, because handler
 * modules, like Lambda execution environments, read their configuration once.
 */
async function main(): Promise<number> {
  const [file, ...flags] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: scenario-process.ts SCENARIO.json [--verbose] [--reports-dir=DIR]');
    return 2;
  }
  const scenario = loadScenario(file);
  console.log(`\n▶ ${scenario.name}: ${scenario.title}`);
  console.log(`  ${scenario.description}`);
  const report = await runScenario(scenario, { print: (line) => console.log(line), verbose: flags.includes('--verbose') });
  for (const incident of report.incidents) {
    console.log(`  incident ${incident.incidentId} on ${incident.resource}: ${incident.status} — ${incident.summary ?? ''}`);
  }
  for (const written of writeScenarioReports(scenario.name, report.executions, reportsDirectory(flags))) {
    console.log(`  report: ${displayPath(written)}`);
  }
  if (report.passed) {
    console.log(`  ✔ ${scenario.name}: as expected`);
    return 0;
  }
  for (const mismatch of report.mismatches) console.log(`  ✖ ${mismatch}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`  ✖ crashed: ${(error as Error).stack ?? String(error)}`);
    process.exit(2);
  },
);
