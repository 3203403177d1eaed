import * as path from 'node:path';
import { expect, vi } from 'vitest';
import { buildIncidentReport, type ExecutionInfo, type ExecutionStep, type IncidentReport } from '../../lambdas/shared/report/index.js';
import { stepsFromLocalRun } from '../../local/report-steps.js';
import { type ExecutionResult, runScenario } from '../../local/run-scenario.js';
import { loadScenario, type Scenario } from '../../local/scenario.js';

export const SCENARIOS = path.resolve(__dirname, '..', '..', 'scenarios');

export interface ScenarioReports {
  executions: ExecutionResult[];
  /** One per execution, in the order they started. */
  reports: IncidentReport[];
  steps: { execution: ExecutionInfo; steps: ExecutionStep[] }[];
}

/**
 * Runs a scenario of `scenarios/` with the real local runner (fresh handler
 * modules, as `test/local/scenarios.test.ts` does) and builds the report of
 * each execution it started.
 */
export async function scenarioReports(name: string, edit: (scenario: Scenario) => Scenario = (scenario) => scenario): Promise<ScenarioReports> {
  vi.resetModules();
  const scenario = edit(loadScenario(path.join(SCENARIOS, `${name}.json`)));
  const result = await runScenario(scenario);
  if (!result.passed) throw new Error(`scenario ${name} missed: ${result.mismatches.join('; ')}`);
  const executions = [...result.executions].sort(
    (a, b) => ((a.run.events[0] as { timestamp: number }).timestamp ?? 0) - ((b.run.events[0] as { timestamp: number }).timestamp ?? 0),
  );
  const steps = executions.map((execution) => stepsFromLocalRun(execution.run, execution.name));
  return { executions, steps, reports: steps.map(({ steps, execution }) => buildIncidentReport(steps, execution)) };
}

/** Strings that must never reach a page unescaped. */
export const HOSTILE = {
  script: '<script>window.__pwned = 1</script>',
  image: '"><img src=x onerror="window.__pwned = 2">',
  markup: '</pre><b class="injected">bold</b>',
};

/**
 * Assertions on a whole page that fail with a short message: a failing
 * `toContain` on a page-sized string makes the runner diff it for minutes.
 */
export function expectContains(page: string, ...needles: string[]): void {
  for (const needle of needles) expect(page.includes(needle), `page should contain ${JSON.stringify(needle)}`).toBe(true);
}

export function expectNotContains(page: string, ...needles: string[]): void {
  for (const needle of needles) expect(page.includes(needle), `page should not contain ${JSON.stringify(needle)}`).toBe(false);
}

export function expectMatch(page: string, pattern: RegExp): void {
  expect(pattern.test(page), `page should match ${pattern}`).toBe(true);
}

/** Fails with the offending excerpt only. */
export function expectNoMatch(page: string, pattern: RegExp): void {
  const found = pattern.exec(page);
  expect(found === null ? undefined : page.slice(Math.max(0, found.index - 60), found.index + 60), `page should not match ${pattern}`).toBeUndefined();
}
