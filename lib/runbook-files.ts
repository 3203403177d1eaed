import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type Runbook, RunbookSetSchema } from '../lambdas/decide/runbook-schema.js';

/** The runbooks shipped with the project. */
export const DEFAULT_RUNBOOK_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'runbooks');

/**
 * Reads and validates every `*.yaml` runbook in a folder. Used at synth (the
 * result is embedded in the Decide bundle), by the local runtime and by
 * tests; an invalid runbook fails with its file name and every problem.
 */
export function loadRunbookDirectory(directory = DEFAULT_RUNBOOK_DIRECTORY): Runbook[] {
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.yaml') || file.endsWith('.yml'))
    .sort();
  const raw = files.map((file) => {
    try {
      return parse(readFileSync(path.join(directory, file), 'utf8')) as unknown;
    } catch (error) {
      throw new Error(`runbook ${file} is not valid YAML: ${(error as Error).message}`);
    }
  });
  const parsed = RunbookSetSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [index, ...rest] = issue.path;
      const file = typeof index === 'number' ? files[index] : undefined;
      return `${file ?? directory}${rest.length > 0 ? ` (${rest.join('.')})` : ''}: ${issue.message}`;
    });
    throw new Error(`invalid runbooks in ${directory}:\n${problems.join('\n')}`);
  }
  return [...parsed.data].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
}

/** The runbooks as the JSON string the Decide function reads from `RUNBOOKS_JSON`. */
export function runbooksJson(directory = DEFAULT_RUNBOOK_DIRECTORY): string {
  return JSON.stringify(loadRunbookDirectory(directory));
}

