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
 * The functions that talk to Kubernetes carry @kubernetes/client-node (about
 * 1.7 MB minified: its generated API clients do not tree-shake) and have
 * their own, separate budget.
 */
const BUDGET_BYTES = 350 * 1024;
const KUBERNETES_BUDGET_BYTES = 2_200 * 1024;
const KUBERNETES_FUNCTIONS = new Set(['build-context', 'act-on-eks']);
/** Every function the construct deploys: the intakes, the workflow's steps, block expiry, the approval callback and the incident reports. */
const functions = [
  { directory: 'intake' },
  { directory: 'log-intake' },
  ...WORKFLOW_FUNCTIONS,
  { directory: 'expire-ip-block' },
  { directory: 'approval-callback' },
  { directory: 'write-incident-report' },
];
const out = mkdtempSync(path.join(tmpdir(), 'self-healing-bundles-'));

let worst = 0;
let worstKubernetes = 0;
let over = 0;
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
    const kubernetes = KUBERNETES_FUNCTIONS.has(directory);
    const budget = kubernetes ? KUBERNETES_BUDGET_BYTES : BUDGET_BYTES;
    if (!kubernetes) worst = Math.max(worst, bytes);
    else worstKubernetes = Math.max(worstKubernetes, bytes);
    over += bytes <= budget ? 0 : 1;
    console.log(`${directory.padEnd(20)} ${String(bytes).padStart(14)} ${(bytes / 1024).toFixed(1).padStart(6)}   ${bytes <= budget ? 'ok' : 'OVER'}${kubernetes ? ' (Kubernetes budget)' : ''}`);
  }
  console.log(
    `bundles: ${functions.length} functions, largest ${(worst / 1024).toFixed(1)} KB (budget ${BUDGET_BYTES / 1024} KB), ` +
      `with client-node ${(worstKubernetes / 1024).toFixed(1)} KB (budget ${KUBERNETES_BUDGET_BYTES / 1024} KB), ${over} over, excluding @aws-sdk/*`,
  );
  if (over > 0) process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
