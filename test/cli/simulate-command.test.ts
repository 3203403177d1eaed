import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/self-heal.js';
import type { SimulatedScenario } from '../../cli/simulate-command.js';
import { loadScenario } from '../../local/scenario.js';

const scenarios = path.resolve(__dirname, '..', '..', 'scenarios');
const known = readdirSync(scenarios)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => path.basename(file, '.json'));

const temporary: string[] = [];
function temporaryDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'simulate-command-'));
  temporary.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of temporary) rmSync(directory, { recursive: true, force: true });
});

async function run(...args: string[]) {
  return runWith(process.env, ...args);
}

async function runWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['simulate', ...args], { out: (line) => out.push(line), err: (line) => err.push(line) }, env);
  return { code, out, err };
}

/** Splits what the command printed into lines, as a terminal shows them. */
const lines = (printed: string[]) => printed.join('\n').split('\n');

/** `self-heal simulate`, in this process, each scenario run for real in a process of its own. */
describe('self-heal simulate', () => {
  it('runs the named scenarios: progress on stderr, one JSON document on stdout, reports where asked, exit 0', async () => {
    // Prepare
    const reports = temporaryDirectory();

    // Act
    const result = await run('cpu-saturation', 'noise-is-not-an-incident', 'dry-run', '--json', '--reports', reports);

    // Assess
    expect(result.code).toBe(0);
    const document = JSON.parse(result.out.join('\n')) as { passed: boolean; counts: unknown; reportsDirectory: string; scenarios: SimulatedScenario[] };
    expect(document).toMatchObject({ passed: true, counts: { passed: 3, failed: 0 }, reportsDirectory: reports });
    // In the order the scenarios directory sorts them, not the order named.
    expect(document.scenarios.map((scenario) => scenario.name)).toEqual(['cpu-saturation', 'dry-run', 'noise-is-not-an-incident']);
    const [cpu, dryRun, noise] = document.scenarios as [SimulatedScenario, SimulatedScenario, SimulatedScenario];
    expect(cpu).toMatchObject({ passed: true, outcome: ['resolved'], expected: ['resolved'], mismatches: [] });
    expect(cpu.executions).toHaveLength(1);
    expect(cpu.executions[0]!.status).toBe('SUCCEEDED');
    expect(cpu.executions[0]!.path[0]).toBe('BuildContext');
    expect(cpu.executions[0]!.path).toEqual(expect.arrayContaining(['ScaleOutAsg', 'VerifyRecovery', 'RecordOutcome']));
    expect(cpu.executions[0]!.path.at(-1)).toBe('IncidentResolved');
    expect(cpu.durationMs).toBeGreaterThan(0);
    expect(cpu.reports).toEqual([path.join(reports, 'cpu-saturation.html')]);
    expect(readFileSync(cpu.reports[0]!, 'utf8')).toContain('<html');
    expect(dryRun).toMatchObject({ passed: true, outcome: ['observed'], expected: ['observed'] });
    expect(dryRun.executions[0]!.path).not.toContain('ScaleOutAsg');
    expect(noise).toMatchObject({ passed: true, outcome: [], expected: [], executions: [], reports: [] });
    expect(readdirSync(reports).sort()).toEqual(['cpu-saturation.html', 'dry-run.html']);

    const progress = lines(result.err);
    expect(progress[0]).toBe('self-healing: running 3 scenario(s) locally — real ASL, real handlers, dynalite, simulated AWS');
    expect(progress).toContainEqual(expect.stringMatching(/^\[1\/3\] cpu-saturation \.+ resolved \(ScaleOutAsg → VerifyRecovery\), \d+\.\d s$/));
    expect(progress).toContainEqual(expect.stringMatching(/^\[2\/3\] dry-run \.+ observed \(RecordObservation\), \d+\.\d s$/));
    expect(progress).toContainEqual(expect.stringMatching(/^\[3\/3\] noise-is-not-an-incident \.+ no incident, \d+\.\d s$/));
    expect(progress).toEqual(expect.arrayContaining(['summary', '  ✔ cpu-saturation', 'scenarios: 3 passed, 0 failed']));
  });

  it('exits 1 when a scenario misses its expectation, and says what it expected and why; --no-reports writes none', async () => {
    // Prepare: dry-run, expecting what auto mode would do.
    const directory = temporaryDirectory();
    const scenario = JSON.parse(readFileSync(path.join(scenarios, 'dry-run.json'), 'utf8'));
    scenario.expect.incidents[0].status = 'resolved';
    scenario.expect.groups.web.desiredCapacity = 6;
    writeFileSync(path.join(directory, 'dry-run.json'), JSON.stringify(scenario));
    copyFileSync(path.join(scenarios, 'noise-is-not-an-incident.json'), path.join(directory, 'noise-is-not-an-incident.json'));

    const reports = path.join(temporaryDirectory(), 'reports');

    // Act
    const result = await runWith({ ...process.env, SELF_HEAL_REPORTS_DIR: reports }, '--scenarios', directory, '--no-reports');

    // Assess
    expect(result.code).toBe(1);
    const printed = lines(result.out);
    const missed = printed.findIndex((line) => /^\[1\/2\] dry-run \.+ observed \(RecordObservation\), \d+\.\d s {2}✖ expected resolved$/.test(line));
    expect(missed, printed.join('\n')).toBeGreaterThan(0);
    expect(printed.slice(missed + 1, missed + 3)).toEqual([
      '      ✖ incident 1 status: expected "resolved", got "observed"',
      '      ✖ group web desired capacity: expected 6, got 4',
    ]);
    expect(printed).toContainEqual(expect.stringMatching(/^\[2\/2\] noise-is-not-an-incident \.+ no incident, \d+\.\d s$/));
    expect(printed.slice(-4)).toEqual(['  ✖ dry-run', '  ✔ noise-is-not-an-incident', 'scenarios: 1 passed, 1 failed', 'reports: none written (--no-reports)']);
    expect(existsSync(reports), 'no report directory made').toBe(false);
    expect(result.err).toEqual([]);
  });

  it('counts a scenario that cannot run as failed, with the reason', async () => {
    const directory = temporaryDirectory();
    writeFileSync(path.join(directory, 'broken.json'), JSON.stringify({ name: 'broken', title: 'no signals, no expectations' }));

    const result = await run('--scenarios', directory, '--no-reports', '--json');

    expect(result.code).toBe(1);
    const document = JSON.parse(result.out.join('\n')) as { passed: boolean; scenarios: SimulatedScenario[] };
    expect(document.passed).toBe(false);
    expect(document.scenarios[0]).toMatchObject({ name: 'broken', passed: false, outcome: null, expected: null });
    expect(document.scenarios[0]!.error).toContain('is not a valid scenario');
    expect(lines(result.err)).toContainEqual(expect.stringMatching(/^\[1\/1\] broken \.+ crashed, \d+\.\d s {2}✖$/));
  });

  it('rejects an unknown scenario with exit code 2 and lists the known ones, running none', async () => {
    const result = await run('cpu-saturation', 'cpu-meltdown');

    expect(result.code).toBe(2);
    expect(result.out).toEqual([]);
    const printed = lines(result.err);
    expect(printed[0]).toBe('unknown scenario: cpu-meltdown');
    expect(printed.filter((line) => line.startsWith('  ')).map((line) => line.trim())).toEqual(known);
  });

  it('lists the scenarios with their titles and exits 0', async () => {
    const result = await run('--list');

    expect(result.code).toBe(0);
    expect(result.out).toHaveLength(known.length);
    const title = loadScenario(path.join(scenarios, 'cpu-saturation.json')).title;
    expect(result.out).toContainEqual(expect.stringMatching(new RegExp(`^cpu-saturation +${title}$`)));
    expect(result.out.map((line) => line.split(/\s+/)[0])).toEqual(known);
  });

  it('lists a scenario it cannot read as such, with exit code 1', async () => {
    const directory = temporaryDirectory();
    copyFileSync(path.join(scenarios, 'dry-run.json'), path.join(directory, 'dry-run.json'));
    writeFileSync(path.join(directory, 'broken.json'), '{');

    const result = await run('--list', '--scenarios', directory, '--json');

    expect(result.code).toBe(1);
    const listed = JSON.parse(result.out.join('\n')) as { name: string; title?: string; error?: string }[];
    expect(listed.map((entry) => entry.name)).toEqual(['broken', 'dry-run']);
    expect(listed[0]!.error).toBeDefined();
    expect(listed[1]!.title).toBe(loadScenario(path.join(scenarios, 'dry-run.json')).title);
  });

  it.each([
    [['--scenarios', '/nonexistent/scenarios'], /no such directory/],
    [['--reports', '/tmp/x', '--no-reports'], /contradict/],
    [['--colour'], /Unknown option '--colour'/],
  ])('rejects %j with exit code 2', async (args, message) => {
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.err.join('\n')).toMatch(message);
    expect(result.out).toEqual([]);
  });

  it('prints its help with exit code 0', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    expect(result.out.join('\n')).toContain('self-heal simulate [SCENARIO…]');
  });
});
