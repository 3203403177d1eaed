import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { handlerEntry, WORKFLOW_FUNCTIONS } from '../lib/workflow-functions.js';

/**
 * `npm run bench:bundles`: bundles every Lambda the way the construct does
 * (minified ESM for Node 24, `@aws-sdk/*` left to the runtime) and prints
 * each bundle's size against the 375 KB budget. The budget was 300 KB until
 * the side-effecting steps took Powertools Idempotency (+about 45 KB with its
 * JMESPath engine), and 350 KB until the workflow's shared schemas (the
 * catalog, the context) took the database action and context (+about 10 KB
 * in every step); zod and the X-Ray SDK behind Tracer are the largest shares.
 * The functions that talk to Kubernetes carry @kubernetes/client-node (about
 * 1.7 MB minified: its generated API clients do not tree-shake) and have
 * their own, separate budget; so do the two that talk to PostgreSQL, which
 * carry the `pg` driver and the index advisor.
 */
const BUDGET_BYTES = 375 * 1024;
const KUBERNETES_BUDGET_BYTES = 2_200 * 1024;
const POSTGRES_BUDGET_BYTES = 500 * 1024;
const KUBERNETES_FUNCTIONS = new Set(['build-context', 'act-on-eks']);
const POSTGRES_FUNCTIONS = new Set(['inspect-postgres', 'create-postgres-index']);
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
let worstPostgres = 0;
let over = 0;
try {
  console.log('function               minified bytes    KB   budget');
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
    const postgres = POSTGRES_FUNCTIONS.has(directory);
    const budget = kubernetes ? KUBERNETES_BUDGET_BYTES : postgres ? POSTGRES_BUDGET_BYTES : BUDGET_BYTES;
    if (kubernetes) worstKubernetes = Math.max(worstKubernetes, bytes);
    else if (postgres) worstPostgres = Math.max(worstPostgres, bytes);
    else worst = Math.max(worst, bytes);
    over += bytes <= budget ? 0 : 1;
    const which = kubernetes ? ' (Kubernetes budget)' : postgres ? ' (PostgreSQL budget)' : '';
    console.log(`${directory.padEnd(22)} ${String(bytes).padStart(14)} ${(bytes / 1024).toFixed(1).padStart(6)}   ${bytes <= budget ? 'ok' : 'OVER'}${which}`);
  }
  console.log(
    `bundles: ${functions.length} functions, largest ${(worst / 1024).toFixed(1)} KB (budget ${BUDGET_BYTES / 1024} KB), ` +
      `with client-node ${(worstKubernetes / 1024).toFixed(1)} KB (budget ${KUBERNETES_BUDGET_BYTES / 1024} KB), ` +
      `with pg ${(worstPostgres / 1024).toFixed(1)} KB (budget ${POSTGRES_BUDGET_BYTES / 1024} KB), ${over} over, excluding @aws-sdk/*`,
  );
  if (over > 0) process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
