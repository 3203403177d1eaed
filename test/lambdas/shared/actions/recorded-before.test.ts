import { describe, expect, it } from 'vitest';
import { recordedBefore } from '../../../../lambdas/shared/actions/recorded-before.js';
import type { AttemptRecord, StateStore } from '../../../../lambdas/shared/state-store.js';

const params = { cluster: 'prod', namespace: 'shop', deployment: 'checkout' };
const record: AttemptRecord = { incidentId: 'inc-1', attempt: 1, action: 'rollbackEksDeployment', params, before: { revision: 5 }, startedAt: '2026-11-27T10:00:00.000Z' };
const storeWith = (found: AttemptRecord | undefined) => ({ getAttempt: async () => found }) as unknown as StateStore;

describe('recordedBefore', () => {
  it('returns the before-state the action recorded before it changed anything', async () => {
    await expect(recordedBefore(storeWith(record), 'inc-1', 1, 'rollbackEksDeployment', { ...params })).resolves.toEqual({ revision: 5 });
  });

  it('refuses when no attempt was recorded', async () => {
    await expect(recordedBefore(storeWith(undefined), 'inc-1', 1, 'rollbackEksDeployment', params)).rejects.toMatchObject({ name: 'StalePlanError' });
  });

  it('refuses when the record is for another action or other params', async () => {
    await expect(recordedBefore(storeWith(record), 'inc-1', 1, 'restartEksDeployment', params)).rejects.toMatchObject({ name: 'StalePlanError' });
    await expect(recordedBefore(storeWith(record), 'inc-1', 1, 'rollbackEksDeployment', { ...params, deployment: 'payments' })).rejects.toThrow(/other params/);
  });
});
