import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SafetyLedger } from '../lambdas/shared/safety-ledger.js';
import { checkResourceId, describeReset, resetCircuit } from './circuit-command.js';
import { type DiagnoseDeps, runDiagnose } from './diagnose-command.js';

const USAGE = `self-heal — operate the self-healing deployment

Usage:
  self-heal circuit show RESOURCE  --table TABLE [--json]
  self-heal circuit reset RESOURCE --table TABLE --by NAME [--json]
  self-heal diagnose [--cluster NAME | --kubeconfig FILE [--context NAME]] --namespace NS [--deployment NAME] [--json]

RESOURCE is kind/name, as notifications print it (e.g. autoscaling-group/web).
TABLE is the state table's name (stack output StateTableName).

Options:
  --table TABLE      the state table (or SELF_HEAL_TABLE)
  --by NAME          who resets the circuit; recorded with the reset
  --endpoint URL     a DynamoDB endpoint other than AWS's (local testing)
  --json             print JSON instead of a sentence
  -h, --help         show this help

Run \`self-heal diagnose --help\` for the options of diagnose.`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs the CLI; resolves the exit code. */
export async function main(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env, deps: DiagnoseDeps = {}): Promise<number> {
  if (argv[0] === 'diagnose') return runDiagnose(argv.slice(1), io, deps);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        table: { type: 'string' },
        by: { type: 'string' },
        endpoint: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.out(USAGE);
    return values.help ? 0 : 2;
  }
  const [group, verb, resourceId] = positionals;
  if (group !== 'circuit' || (verb !== 'show' && verb !== 'reset') || resourceId === undefined || positionals.length !== 3) {
    io.err(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const table = values.table ?? env.SELF_HEAL_TABLE;
  if (table === undefined || table === '') {
    io.err('missing --table (or SELF_HEAL_TABLE): the name of the state table, from the stack output StateTableName');
    return 2;
  }
  try {
    checkResourceId(resourceId);
  } catch (error) {
    io.err((error as Error).message);
    return 2;
  }
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(values.endpoint === undefined ? {} : { endpoint: values.endpoint }));
  const ledger = new SafetyLedger(client, table);
  try {
    if (verb === 'show') {
      const circuit = await ledger.circuit(resourceId);
      io.out(values.json ? JSON.stringify({ resourceId, ...circuit }) : `circuit of ${resourceId}: ${circuit.status}${circuit.reason ? ` — ${circuit.reason}` : ''}`);
      return 0;
    }
    if (values.by === undefined || values.by.trim() === '') {
      io.err('missing --by NAME: a reset is recorded with who made it');
      return 2;
    }
    const result = await resetCircuit(ledger, resourceId, values.by.trim(), new Date());
    io.out(values.json ? JSON.stringify(result) : describeReset(result));
    return 0;
  } catch (error) {
    io.err(`failed: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  } finally {
    client.destroy();
  }
}
