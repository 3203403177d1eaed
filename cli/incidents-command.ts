import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readOnly } from '../lambdas/shared/read-only-clients.js';
import { isMutatingCallRefused } from '../lambdas/shared/shadow-mode.js';
import { checkResourceId } from './circuit-command.js';
import { type CliIo, parseCommandArgs } from './cli-io.js';
import { type IncidentPage, type IncidentRow, IncidentListing } from './incidents/incident-listing.js';

export const INCIDENTS_USAGE = `self-heal incidents — recent incidents and their outcomes, from the state table (read-only)

Usage:
  self-heal incidents --table TABLE [--resource RESOURCE] [--limit N] [--max-scan N] [--json]

With --resource, reads that resource's open incident and its history, newest
first (a Query). Without it, lists the incidents of every resource: the table
has no index over time, so this is a Scan of the table in pages, reading at
most --max-scan items (default 5000); when it stops there, it says so.

RESOURCE is kind/name, as notifications print it (e.g. autoscaling-group/web).

Options:
  --table TABLE     the state table (stack output StateTableName, or SELF_HEAL_TABLE)
  --resource ID     only this resource's incidents (a Query instead of a Scan)
  --limit N         how many incidents to list (default 20, at most 1000)
  --max-scan N      most table items the Scan reads without --resource (default 5000)
  --endpoint URL    a DynamoDB endpoint other than AWS's (local testing)
  --json            print {"incidents": [...], ...} as JSON
  -h, --help        show this help

Exit codes: 0 listed (possibly none), 1 the table could not be read, 2 bad usage,
3 a write was refused (it only reads; never expected).`;

class UsageError extends Error {}

function positiveInteger(value: string | undefined, option: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new UsageError(`${option} ${value}: expected a whole number from 1 to ${max}`);
  return parsed;
}

const clip = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);

/** The incidents as a table a human scans, one line each. */
export function formatIncidents(page: IncidentPage, scope: string): string[] {
  if (page.rows.length === 0) return [`no incidents ${scope}`];
  const header = ['ONSET', 'RESOURCE', 'STATUS', 'ATTEMPTS', 'ACTION', 'INCIDENT', 'SIGNAL / OUTCOME'];
  const cells = (row: IncidentRow) => [
    row.onsetAt ?? row.openedAt ?? '?',
    row.resourceId,
    row.status,
    row.attempts === undefined ? '-' : String(row.attempts),
    row.action ?? '-',
    row.incidentId,
    clip([row.signal, row.summary].filter((part) => part !== undefined).join(' — ') || '-', 120),
  ];
  const table = [header, ...page.rows.map(cells)];
  const widths = header.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const lines = table.map((line) => line.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
  lines.push('');
  lines.push(`${page.rows.length} incident(s) ${scope}`);
  if (page.scannedItems !== undefined) {
    lines.push(
      page.complete
        ? `read the whole table with a Scan (${page.scannedItems} item(s))`
        : `the Scan stopped after ${page.scannedItems} item(s): older incidents may be missing (raise --max-scan, or use --resource)`,
    );
  }
  return lines;
}

/** `self-heal incidents …`; resolves the exit code. */
export async function runIncidents(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      table: { type: 'string' },
      resource: { type: 'string' },
      limit: { type: 'string' },
      'max-scan': { type: 'string' },
      endpoint: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    INCIDENTS_USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  let limit: number;
  let maxScan: number;
  try {
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals.join(' ')}`);
    limit = positiveInteger(values.limit, '--limit', 20, 1_000);
    maxScan = positiveInteger(values['max-scan'], '--max-scan', 5_000, 1_000_000);
    if (values.resource !== undefined) checkResourceId(values.resource);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${INCIDENTS_USAGE}`);
    return 2;
  }
  const table = values.table ?? env.SELF_HEAL_TABLE;
  if (table === undefined || table === '') {
    io.err('missing --table (or SELF_HEAL_TABLE): the name of the state table, from the stack output StateTableName');
    return 2;
  }

  // Read-only: the guard refuses anything but reads before it is sent.
  const client = readOnly(DynamoDBDocumentClient.from(new DynamoDBClient(values.endpoint === undefined ? {} : { endpoint: values.endpoint })));
  const listing = new IncidentListing(client, table);
  try {
    const page = values.resource === undefined ? await listing.recent(limit, maxScan) : await listing.forResource(values.resource, limit);
    const scope = values.resource === undefined ? 'across all resources' : `of ${values.resource}`;
    if (values.json) {
      io.out(JSON.stringify({ incidents: page.rows, ...(page.scannedItems === undefined ? {} : { scannedItems: page.scannedItems }), complete: page.complete }, null, 2));
    } else {
      for (const line of formatIncidents(page, scope)) io.out(line);
    }
    return 0;
  } catch (error) {
    if (isMutatingCallRefused(error)) {
      io.err(`refused: ${error.message}`);
      return 3;
    }
    io.err(`failed to read ${table}: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  } finally {
    client.destroy();
  }
}
