import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../local/run-scenario.js';
import { DEFAULT_REPORTS_DIRECTORY, displayPath, reportsDirectory, writeScenarioReports } from '../../local/write-reports.js';
import { scenarioReports } from './run-report.js';

describe('reportsDirectory', () => {
  it('is reports/ at the project root unless told otherwise', () => {
    expect(reportsDirectory([], {})).toBe(DEFAULT_REPORTS_DIRECTORY);
    expect(DEFAULT_REPORTS_DIRECTORY).toBe(path.resolve(__dirname, '..', '..', 'reports'));
  });

  it('takes SELF_HEAL_REPORTS_DIR, and the --reports-dir flag over it', () => {
    expect(reportsDirectory([], { SELF_HEAL_REPORTS_DIR: '/tmp/a' })).toBe('/tmp/a');
    expect(reportsDirectory(['--verbose', '--reports-dir=/tmp/b'], { SELF_HEAL_REPORTS_DIR: '/tmp/a' })).toBe('/tmp/b');
  });
});

describe('displayPath', () => {
  it('prints a path under the working directory relative to it, any other absolute', () => {
    expect(displayPath('/work/x/reports/a.html', '/work/x')).toBe(path.join('reports', 'a.html'));
    expect(displayPath('/tmp/reports/a.html', '/work/x')).toBe('/tmp/reports/a.html');
  });
});

describe('writeScenarioReports', () => {
  let executions: ExecutionResult[];
  let directory: string;
  beforeAll(async () => {
    executions = (await scenarioReports('cooldown-blocks-repeat')).executions;
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('writes <scenario>.html for one execution, <scenario>.<n>.html in start order for several, and removes stale pages', () => {
    directory = mkdtempSync(path.join(tmpdir(), 'reports-'));
    writeFileSync(path.join(directory, 'cooldown-blocks-repeat.3.html'), 'stale');
    writeFileSync(path.join(directory, 'cooldown-blocks-repeat-other.html'), 'not ours');

    const several = writeScenarioReports('cooldown-blocks-repeat', [...executions].reverse(), directory);
    expect(several.map((file) => path.basename(file))).toEqual(['cooldown-blocks-repeat.1.html', 'cooldown-blocks-repeat.2.html']);
    expect(readFileSync(several[0]!, 'utf8')).toContain('<h1 id="headline">Resolved automatically</h1>');
    expect(readFileSync(several[1]!, 'utf8')).toContain('<h1 id="headline">Skipped — nothing changed</h1>');
    expect(readdirSync(directory).sort()).toEqual(['cooldown-blocks-repeat-other.html', 'cooldown-blocks-repeat.1.html', 'cooldown-blocks-repeat.2.html']);

    const one = writeScenarioReports('cooldown-blocks-repeat', executions.slice(0, 1), directory);
    expect(one).toEqual([path.join(directory, 'cooldown-blocks-repeat.html')]);
    expect(existsSync(path.join(directory, 'cooldown-blocks-repeat.1.html'))).toBe(false);
  });

  it('writes nothing for a scenario that started no execution, creating the directory if needed', () => {
    directory = mkdtempSync(path.join(tmpdir(), 'reports-'));
    const nested = path.join(directory, 'nested');
    expect(writeScenarioReports('noise-is-not-an-incident', [], nested)).toEqual([]);
    expect(readdirSync(nested)).toEqual([]);
  });
});
