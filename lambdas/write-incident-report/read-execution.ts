import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  paginateGetExecutionHistory,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { callAws } from '../shared/aws-errors.js';

export interface ExecutionRecord {
  /** DescribeExecution's answer: name, status, start and stop. */
  readonly description: DescribeExecutionCommandOutput;
  /** Every event of the run, every page, with the states' inputs and outputs. */
  readonly events: HistoryEvent[];
}

/** Largest page GetExecutionHistory returns. */
const PAGE_SIZE = 1_000;

/**
 * Reads a finished execution: its description and its whole history, page
 * after page, with `includeExecutionData` so the report can read what each
 * state received and returned (the context with its metric series, the
 * plan, the policy verdict, the verification). A throttled or failed call
 * comes back as `TransientAwsError`, after the client's own retries.
 */
export async function readExecution(client: SFNClient, executionArn: string): Promise<ExecutionRecord> {
  const description = await callAws('DescribeExecution', () => client.send(new DescribeExecutionCommand({ executionArn })));
  const events = await callAws('GetExecutionHistory', async () => {
    const all: HistoryEvent[] = [];
    const pages = paginateGetExecutionHistory({ client, pageSize: PAGE_SIZE }, { executionArn, includeExecutionData: true });
    for await (const page of pages) all.push(...(page.events ?? []));
    return all;
  });
  return { description, events };
}
