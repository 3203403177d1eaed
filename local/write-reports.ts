import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIncidentReport, renderIncidentReportHtml } from '../lambdas/shared/report/index.js';
import type { ExecutionResult } from './run-scenario.js';
import { stepsFromLocalRun } from './report-steps.js';

/** Where `npm start` writes the reports unless told otherwise. */
export const DEFAULT_REPORTS_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'reports');
/** Overrides the directory; so does `--reports-dir=DIR`. */
export const REPORTS_DIRECTORY_ENV = 'SELF_HEAL_REPORTS_DIR';

/** The directory from the flags (`--reports-dir=DIR`), else the environment, else `reports/` at the project root. */
export function reportsDirectory(flags: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string {
  const flag = flags.find((candidate) => candidate.startsWith('--reports-dir='));
  const chosen = flag?.slice('--reports-dir='.length) || env[REPORTS_DIRECTORY_ENV] || DEFAULT_REPORTS_DIRECTORY;
  return path.resolve(chosen);
}

/** The time an execution started: its first event. */
const startOf = (execution: ExecutionResult) => (execution.run.events[0] as { timestamp?: number } | undefined)?.timestamp ?? 0;

/**
 * Writes one HTML report per execution of a scenario: `<scenario>.html`
 * when it started one, `<scenario>.1.html`, `<scenario>.2.html`, … in the
 * order they started when it started several. Returns the files written.
 */
export function writeScenarioReports(scenario: string, executions: readonly ExecutionResult[], directory: string, now = new Date()): string[] {
  mkdirSync(directory, { recursive: true });
  // An earlier run's pages for this scenario go first: a scenario that now starts fewer runs leaves none behind.
  const earlier = new RegExp(`^${scenario.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.\\d+)?\\.html$`);
  for (const file of readdirSync(directory)) if (earlier.test(file)) rmSync(path.join(directory, file));
  if (executions.length === 0) return [];
  const ordered = [...executions].sort((a, b) => startOf(a) - startOf(b));
  return ordered.map((execution, index) => {
    const { steps, execution: info } = stepsFromLocalRun(execution.run, execution.name);
    const report = buildIncidentReport(steps, info);
    const suffix = ordered.length === 1 ? '' : `.${index + 1}`;
    const title = `${scenario}${suffix}: ${report.outcome.headline} — ${report.incident.resource.name}`;
    const file = path.join(directory, `${scenario}${suffix}.html`);
    writeFileSync(file, renderIncidentReportHtml(report, { generatedAt: now, title }));
    return file;
  });
}

/** A path as `npm start` prints it: relative to the working directory when under it. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
