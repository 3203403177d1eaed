import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath, reportsDirectory } from './write-reports.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultDirectory = path.resolve(here, '..', 'scenarios');

function scenarioFiles(args: string[]): string[] {
  const named = args.filter((arg) => !arg.startsWith('--'));
  if (named.length === 0) {
    return readdirSync(defaultDirectory)
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => path.join(defaultDirectory, file));
  }
  return named.map((name) => (name.endsWith('.json') ? path.resolve(name) : path.join(defaultDirectory, `${name}.json`)));
}

function runOne(file: string, flags: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'scenario-process.ts'), file, ...flags], {
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code ?? 2));
  });
}

/**
 * `npm start`: runs every scenario (or those named) against the real state
 * machine definition and handlers, dynalite and the simulated world, prints
 * each incident's timeline, writes an HTML report per execution under
 * `reports/` (`--reports-dir=DIR` or `SELF_HEAL_REPORTS_DIR` to move it),
 * and exits non-zero if any scenario misses.
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const flags = args.filter((arg) => arg.startsWith('--'));
  const files = scenarioFiles(args);
  console.log(`self-healing: running ${files.length} scenario(s) locally — real ASL, real handlers, dynalite, simulated AWS`);
  const results: { name: string; code: number }[] = [];
  for (const file of files) {
    results.push({ name: path.basename(file, '.json'), code: await runOne(file, flags) });
  }
  const failed = results.filter((result) => result.code !== 0);
  console.log('\nsummary');
  for (const result of results) console.log(`  ${result.code === 0 ? '✔' : '✖'} ${result.name}`);
  console.log(`scenarios: ${results.length - failed.length} passed, ${failed.length} failed`);
  console.log(`reports: ${displayPath(reportsDirectory(flags))}/ (one HTML page per execution)`);
  return failed.length === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
