import type { Reporter, TestModule } from 'vitest/node';
import { mergeFigures, type ReliabilityFigures, reliabilityLine } from '../reliability/reliability-figures.js';

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`,
 * that any CI log reader can parse whatever the test runner. When the
 * reliability suite ran in full, its figures come just before, as
 * `reliability: storm …, fuzz …`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const figures: ReliabilityFigures[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const reported = test.meta().reliability;
        if (reported !== undefined) figures.push(reported);
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed += 1;
    }
    const line = reliabilityLine(mergeFigures(figures));
    if (line !== undefined) console.log(`\n${line}`);
    console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
