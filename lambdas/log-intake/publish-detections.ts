import { callAws } from '../shared/aws-errors.js';
import { TransientAwsError } from '../shared/errors.js';
import type { PutEventsEntry } from '../shared/log-detection.js';

/**
 * Publishing detections on the event bus: PutEvents takes at most ten
 * entries a request and may refuse some entries while accepting the others,
 * so each request's refused entries are sent again, and what is still
 * refused after the last attempt fails the invocation as `TransientAwsError`
 * (the batch is redelivered, and the detection ids repeat, so the consumer
 * drops what it already has).
 */

/** PutEvents' answer for one entry (the SDK's `PutEventsResultEntry`). */
export interface PutEventsResultEntry {
  readonly EventId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

/** PutEvents' answer (the SDK's `PutEventsResponse`): one result per entry, in order. */
export interface PutEventsOutput {
  readonly FailedEntryCount?: number;
  readonly Entries?: readonly PutEventsResultEntry[];
}

/** Sends one PutEvents request of at most ten entries. */
export type PutEvents = (entries: readonly PutEventsEntry[]) => Promise<PutEventsOutput>;

export const MAX_ENTRIES_PER_REQUEST = 10;

export interface PublishOptions {
  /**
   * Attempts per entry, the first included.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * Waits before a retry of refused entries; `attempt` is the retry's number (2, 3, …).
   * @default exponential backoff with full jitter from 100 ms
   */
  readonly backoff?: (attempt: number) => Promise<void>;
}

export interface PublishResult {
  readonly published: number;
  readonly requests: number;
}

const defaultBackoff = (attempt: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** (attempt - 2)));

export async function publishEntries(
  entries: readonly PutEventsEntry[],
  putEvents: PutEvents,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const maxAttempts = options.maxAttempts ?? 3;
  const backoff = options.backoff ?? defaultBackoff;
  let requests = 0;
  for (let start = 0; start < entries.length; start += MAX_ENTRIES_PER_REQUEST) {
    let pending = entries.slice(start, start + MAX_ENTRIES_PER_REQUEST);
    let errors: string[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new TransientAwsError(
          `PutEvents refused ${pending.length} of ${entries.length} detection(s) after ${maxAttempts} attempts: ${summarise(errors)}`,
        );
      }
      if (attempt > 1) await backoff(attempt);
      const batch = pending;
      requests++;
      const output = await callAws('PutEvents', () => putEvents(batch));
      ({ pending, errors } = refused(batch, output));
    }
  }
  return { published: entries.length, requests };
}

/** The entries PutEvents refused, with its reasons. An answer that does not account for every entry refuses them all. */
function refused(batch: readonly PutEventsEntry[], output: PutEventsOutput): { pending: PutEventsEntry[]; errors: string[] } {
  const results = output.Entries ?? [];
  if ((output.FailedEntryCount ?? 0) === 0 && results.every((result) => result.ErrorCode === undefined)) return { pending: [], errors: [] };
  if (results.length !== batch.length) return { pending: [...batch], errors: [`an answer for ${results.length} of ${batch.length} entries`] };
  const pending: PutEventsEntry[] = [];
  const errors: string[] = [];
  results.forEach((result, index) => {
    if (result.ErrorCode === undefined && result.EventId !== undefined) return;
    pending.push(batch[index]!);
    errors.push(result.ErrorCode ?? 'no event id');
  });
  return { pending, errors };
}

function summarise(errors: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const error of errors) counts.set(error, (counts.get(error) ?? 0) + 1);
  return [...counts].map(([error, count]) => (count === 1 ? error : `${error} ×${count}`)).join(', ');
}
