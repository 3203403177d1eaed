import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { handlerEntry, WORKFLOW_FUNCTIONS } from '../lib/workflow-functions.js';

/**
 * `npm run bench:bundles`: bundles every Lambda the way the construct does
 * (minified ESM for Node 24, `@aws-sdk/*` left to the runtime) and prints
 * each bundle's size against the 350 KB budget. The budget was 300 KB until
 * the side-effecting steps took Powertools Idempotency (+about 45 KB with its
 * JMESPath engine); the X-Ray SDK behind Tracer is still the largest share.
 */
const BUDGET_BYTES = 350 * 1024;
/** Every function the construct deploys: intake, the workflow's steps, and the approval callback. */
const functions = [{ directory: 'intake' }, ...WORKFLOW_FUNCTIONS, { directory: 'approval-callback' }];
const out = mkdtempSync(path.join(tmpdir(), 'self-healing-bundles-'));

let worst = 0;
try {
  console.log('function             minified bytes    KB   budget');
  for (const { directory } of functions) {
    const outfile = path.join(out, `${directory}.mjs`);
    await build({
      entryPoints: [handlerEntry(directory)],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      logLevel: 'error',
    });
    const bytes = statSync(outfile).size;
    worst = Math.max(worst, bytes);
    console.log(`${directory.padEnd(20)} ${String(bytes).padStart(14)} ${(bytes / 1024).toFixed(1).padStart(6)}   ${bytes <= BUDGET_BYTES ? 'ok' : 'OVER'}`);
  }
  console.log(`bundles: ${functions.length} functions, largest ${(worst / 1024).toFixed(1)} KB (budget ${BUDGET_BYTES / 1024} KB, excluding @aws-sdk/*)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
