import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runScenario } from '../../local/run-scenario.js';
import { loadScenario } from '../../local/scenario.js';

const directory = path.resolve(__dirname, '..', '..', 'scenarios');
const files = readdirSync(directory).filter((file) => file.endsWith('.json')).sort();

/** The scenarios `npm start` runs: each must meet every expectation it states. */
describe('scenarios/', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it('holds the CPU saturation scenario and the failure scenarios', () => {
    expect(files).toContain('cpu-saturation.json');
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('%s meets its expectations', async (file) => {
    const scenario = loadScenario(path.join(directory, file));
    const report = await runScenario(scenario);
    expect(report.mismatches).toEqual([]);
    expect(report.leakedLeases).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('rejects a scenario whose expectation is wrong, so a scenario cannot pass by accident', async () => {
    const scenario = loadScenario(path.join(directory, 'cpu-saturation.json'));
    const report = await runScenario({ ...scenario, expect: { ...scenario.expect, groups: { web: { desiredCapacity: 5 } } } });
    expect(report.passed).toBe(false);
    expect(report.mismatches).toEqual(['group web desired capacity: expected 5, got 6']);
  });
});
