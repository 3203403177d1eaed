import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CircuitState } from '../lambdas/shared/flap-guard.js';
import { SafetyLedger } from '../lambdas/shared/safety-ledger.js';
import { type CliIo, parseCommandArgs } from './cli-io.js';

export const CIRCUIT_USAGE = `self-heal circuit — show or reset a resource's circuit breaker

Usage:
  self-heal circuit show RESOURCE  --table TABLE [--json]
  self-heal circuit reset RESOURCE --table TABLE --by NAME [--json]

RESOURCE is kind/name, as notifications print it (e.g. autoscaling-group/web).
TABLE is the state table's name (stack output StateTableName).

Options:
  --table TABLE      the state table (or SELF_HEAL_TABLE)
  --by NAME          who resets the circuit; recorded with the reset
  --endpoint URL     a DynamoDB endpoint other than AWS's (local testing)
  --json             print JSON instead of a sentence
  -h, --help         show this help

Exit codes: 0 done, 1 the table could not be read or written, 2 bad usage.`;

export interface CircuitResetResult {
  resourceId: string;
  /** The circuit as it was before the reset. */
  was: CircuitState;
  now: CircuitState;
}

/** Resource ids are `kind/name`, as notifications and the README print them. */
const RESOURCE_ID = /^[a-z][a-z0-9-]*\/[^\s]{1,500}$/;

export class InvalidResourceIdError extends Error {
  override readonly name = 'InvalidResourceIdError';
}

export function checkResourceId(resourceId: string): string {
  if (!RESOURCE_ID.test(resourceId)) {
    throw new InvalidResourceIdError(`"${resourceId}" is not a resource id; expected kind/name, e.g. autoscaling-group/web`);
  }
  return resourceId;
}

/**
 * Closes a resource's circuit after a human has looked at it. Failures
 * before the reset stop counting, so the resource gets a fresh attempt
 * budget; the reset is recorded with who did it and when.
 */
export async function resetCircuit(ledger: SafetyLedger, resourceId: string, by: string, now: Date): Promise<CircuitResetResult> {
  const was = await ledger.resetCircuit(checkResourceId(resourceId), by, now);
  return { resourceId, was, now: await ledger.circuit(resourceId) };
}

/** One line a human reads after a reset. */
export function describeReset(result: CircuitResetResult): string {
  const before =
    result.was.status === 'open'
      ? `was open since ${result.was.openedAt ?? '?'} (${result.was.reason ?? 'no reason recorded'})`
      : 'was already closed';
  return `circuit of ${result.resourceId} closed by ${result.now.resetBy ?? '?'} at ${result.now.resetAt ?? '?'}; it ${before}`;
}

/** `self-heal circuit show|reset RESOURCE …`; resolves the exit code. */
export async function runCircuit(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      table: { type: 'string' },
      by: { type: 'string' },
      endpoint: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    CIRCUIT_USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [verb, resourceId] = positionals;
  if ((verb !== 'show' && verb !== 'reset') || resourceId === undefined || positionals.length !== 2) {
    io.err(`unknown command: circuit ${positionals.join(' ')}\n\n${CIRCUIT_USAGE}`);
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
