import { describe, expect, it, vi } from 'vitest';
import { type PutEvents, publishEntries } from '../../../lambdas/log-intake/publish-detections.js';
import { TransientAwsError } from '../../../lambdas/shared/errors.js';
import { rejectionOf } from '../harness.js';
import type { PutEventsEntry } from '../../../lambdas/shared/log-detection.js';

const entries = (count: number): PutEventsEntry[] =>
  Array.from({ length: count }, (_, n) => ({ Source: 'self-healing.logs', DetailType: 'Log Detection', Detail: `{"n":${n}}`, EventBusName: 'bus' }));
const noWait = { backoff: async () => {} };
const accepted = (batch: readonly PutEventsEntry[]) => ({ FailedEntryCount: 0, Entries: batch.map((_, n) => ({ EventId: `e-${n}` })) });

describe('publishEntries', () => {
  it('sends at most ten entries a request, in order', async () => {
    // Prepare
    const putEvents = vi.fn<PutEvents>(async (batch) => accepted(batch));

    // Act
    const result = await publishEntries(entries(23), putEvents, noWait);

    // Assess
    expect(result).toEqual({ published: 23, requests: 3 });
    expect(putEvents.mock.calls.map(([batch]) => batch.length)).toEqual([10, 10, 3]);
    expect(putEvents.mock.calls.flatMap(([batch]) => batch.map(({ Detail }) => Detail))).toEqual(entries(23).map(({ Detail }) => Detail));
  });

  it('sends nothing for no entries', async () => {
    const putEvents = vi.fn<PutEvents>();
    expect(await publishEntries([], putEvents, noWait)).toEqual({ published: 0, requests: 0 });
    expect(putEvents).not.toHaveBeenCalled();
  });

  it('retries only the refused entries', async () => {
    // Prepare: the first answer refuses entries 1 and 3
    const putEvents = vi
      .fn<PutEvents>()
      .mockResolvedValueOnce({
        FailedEntryCount: 2,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: 'c' }, { ErrorCode: 'InternalFailure' }],
      })
      .mockImplementation(async (batch) => accepted(batch));

    // Act
    const result = await publishEntries(entries(4), putEvents, noWait);

    // Assess
    expect(result).toEqual({ published: 4, requests: 2 });
    expect(putEvents.mock.calls[1]![0].map(({ Detail }) => Detail)).toEqual(['{"n":1}', '{"n":3}']);
  });

  it('throws TransientAwsError when entries are still refused after the last attempt', async () => {
    // Prepare
    const putEvents = vi.fn<PutEvents>(async (batch) => ({
      FailedEntryCount: 1,
      Entries: batch.map((_, n) => (n === 0 ? { ErrorCode: 'ThrottlingException' } : { EventId: `e-${n}` })),
    }));

    // Act
    const error = await rejectionOf(publishEntries(entries(2), putEvents, { ...noWait, maxAttempts: 3 }));

    // Assess
    expect(error).toBeInstanceOf(TransientAwsError);
    expect(error.message).toMatch(/refused 1 of 2 detection\(s\) after 3 attempts: ThrottlingException/);
    expect(putEvents).toHaveBeenCalledTimes(3);
  });

  it('turns a throttled request into TransientAwsError and lets other errors through', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    await expect(publishEntries(entries(1), vi.fn<PutEvents>().mockRejectedValue(throttled), noWait)).rejects.toBeInstanceOf(TransientAwsError);
    await expect(publishEntries(entries(1), vi.fn<PutEvents>().mockRejectedValue(denied), noWait)).rejects.toBe(denied);
  });

  it('treats an answer that does not account for every entry as refusing them all', async () => {
    const putEvents = vi.fn<PutEvents>().mockResolvedValueOnce({ FailedEntryCount: 1, Entries: [] }).mockImplementation(async (batch) => accepted(batch));
    expect(await publishEntries(entries(3), putEvents, noWait)).toEqual({ published: 3, requests: 2 });
    expect(putEvents.mock.calls[1]![0]).toHaveLength(3);
  });
});
