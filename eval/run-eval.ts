import '../local/polyfills.js';
import { parseArgs } from 'node:util';
import { type EngineName, runEval, summaryLines } from './evaluate.js';

/**
 * `npm run eval` — evaluates the decision path (context → decision → policy)
 * over the cases in `eval/cases/`, with the runbook engine and with a
 * scripted fake model, and prints one line per run, the summaries, and last:
 * `eval: N scenarios, correct C, unsafe-executed U`.
 *
 *   --bedrock MODEL_ID   real Bedrock instead of the fake model (AWS credentials, AWS_REGION;
 *                        BEDROCK_MAX_TOKENS, BEDROCK_TIMEOUT_MS, DECISION_MIN_CONFIDENCE,
 *                        DECISION_MAX_PROMPT_CHARS apply as in the Decide function)
 *   --case NAME          only this case (repeatable)
 *   --json               the results as one JSON document on stdout; the lines go to stderr
 *   --cases PATH         a case folder or file (default eval/cases, or EVAL_CASES)
 *   --runbooks PATH      the runbook folder (default runbooks/, or RUNBOOKS_DIR)
 *   --engine NAME        only this engine: runbook, model (repeatable)
 *
 * Exits 1 when a plan that does not match the expected outcome would have been
 * executed, or when fewer than 95 % of the non-adversarial runs are correct;
 * 2 on a usage or setup error.
 */

const USAGE = 'usage: npm run eval -- [--bedrock MODEL_ID] [--case NAME]… [--engine runbook|model]… [--json] [--cases PATH] [--runbooks PATH]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        bedrock: { type: 'string' },
        case: { type: 'string', multiple: true },
        engine: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        cases: { type: 'string' },
        runbooks: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const modelEngine: EngineName = values.bedrock === undefined ? 'model' : 'bedrock';
  const requested = values.engine ?? ['runbook', 'model'];
  const unknown = requested.filter((engine) => engine !== 'runbook' && engine !== 'model');
  if (unknown.length > 0) {
    console.error(`unknown engine ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const engines = requested.map((engine): EngineName => (engine === 'model' ? modelEngine : 'runbook'));
  const print = values.json ? (line: string) => console.error(line) : (line: string) => console.log(line);

  const casesPath = values.cases ?? process.env.EVAL_CASES;
  const runbooksPath = values.runbooks ?? process.env.RUNBOOKS_DIR;
  const report = await runEval({
    engines,
    ...(values.bedrock === undefined ? {} : { bedrockModelId: values.bedrock }),
    ...(values.case === undefined ? {} : { caseNames: values.case }),
    ...(casesPath === undefined || casesPath === '' ? {} : { casesPath }),
    ...(runbooksPath === undefined || runbooksPath === '' ? {} : { runbooksPath }),
    onRun: (run) => print(run.line),
  });
  if (values.json) console.log(JSON.stringify({ summary: report.summary, runs: report.runs, lastLine: report.lastLine }, null, 2));
  for (const line of summaryLines(report.summary)) print(line);
  return report.summary.passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`eval: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
