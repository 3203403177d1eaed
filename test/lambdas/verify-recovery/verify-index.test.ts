import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, type DescribeAlarmsCommandInput, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IndexEffect } from '../../../lambdas/shared/workflow.js';
import type { handler as VerifyHandler } from '../../../lambdas/verify-recovery/index.js';
import { judgeIndexVerification, type VerificationJudgement } from '../../../lambdas/verify-recovery/judge-verification.js';
import { scopeWith } from '../../support/fixtures.js';
import { invoke, metricAlarm, rejectionOf } from '../harness.js';
import { testPgContext, testPgIncident, testPgResource } from '../inspect-postgres/postgres-fixtures.js';

/**
 * An index is judged by its measured effect first: one that did not make
 * its query faster by minImprovement, or slowed another, is undone whatever
 * the alarms say; one that helped is kept.
 */

const ACTED_AT = '2026-11-27T10:00:10.000Z';
const recovered: VerificationJudgement = { healthy: true, verdict: 'recovered', undo: false, alarmState: 'OK', tripped: [], summary: 'recovered: orders-db-read-latency is OK' };
const stillAlarm: VerificationJudgement = { healthy: false, verdict: 'not-recovered', undo: true, alarmState: 'ALARM', tripped: [], summary: 'not recovered, the action did not help: orders-db-read-latency is ALARM' };
const tripped: VerificationJudgement = { healthy: false, verdict: 'unintended-consequence', undo: true, alarmState: 'OK', tripped: ['orders-db-cpu'], summary: 'unintended consequence: dependent alarm orders-db-cpu went into ALARM' };

describe('judgeIndexVerification', () => {
  it('keeps an index that helped when the alarms agree', () => {
    expect(judgeIndexVerification(recovered, { verdict: 'improved', summary: 'query 1: mean 95 ms → 1.2 ms (-99%)' })).toMatchObject({ healthy: true, verdict: 'recovered', undo: false });
  });

  it.each([
    ['not-improved', 'not-recovered'],
    ['inconclusive', 'not-recovered'],
    ['regressed-other', 'unintended-consequence'],
  ] as const)('undoes an index measured %s, even with the alarms OK', (verdict, expected) => {
    const judged = judgeIndexVerification(recovered, { verdict, summary: `query 1: ${verdict}` });
    expect(judged).toMatchObject({ healthy: false, verdict: expected, undo: true });
    expect(judged.summary).toContain(`index effect ${verdict}`);
  });

  it('keeps an index that helped even when the alarm is still in ALARM, but the incident is not over', () => {
    expect(judgeIndexVerification(stillAlarm, { verdict: 'improved', summary: 'faster' })).toMatchObject({ healthy: false, undo: false, verdict: 'not-recovered' });
  });

  it('undoes an index that helped its query but tripped a dependent alarm', () => {
    expect(judgeIndexVerification(tripped, { verdict: 'improved', summary: 'faster' })).toMatchObject({ healthy: false, undo: true, verdict: 'unintended-consequence' });
  });
});

describe('verify-recovery handler with an index', () => {
  const cloudWatch = mockClient(CloudWatchClient);
  let handler: typeof VerifyHandler;
  let alarms: MetricAlarm[];

  beforeAll(async () => {
    process.env.RESOURCE_SCOPE = JSON.stringify(scopeWith([testPgResource()]));
    ({ handler } = await import('../../../lambdas/verify-recovery/index.js'));
  });
  beforeEach(() => {
    cloudWatch.reset();
    alarms = [metricAlarm({ name: 'orders-db-read-latency', state: 'OK', datapoints: [3] })];
    cloudWatch.on(DescribeAlarmsCommand).callsFake((input: DescribeAlarmsCommandInput) => ({ MetricAlarms: alarms.filter((alarm) => input.AlarmNames?.includes(alarm.AlarmName!)) }));
    cloudWatch.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
  });

  const action = { attempt: 1, action: 'createIndexConcurrently', target: 'postgres-table/orders-db/public/orders', changed: true, actedAt: ACTED_AT, summary: 'built', undoable: true, before: { present: false }, applied: { indexName: 'selfheal_orders_customer_id_1a2b3c4d' } };
  const effect = (verdict: IndexEffect['verdict']): IndexEffect => ({ queryId: '1', verdict, minImprovement: 0.3, regressions: [], summary: `query 1 ${verdict}`, measuredAt: '2026-11-27T10:10:10.000Z' });
  const event = (indexEffect?: IndexEffect) => ({ incident: testPgIncident(), action, context: testPgContext(), ...(indexEffect === undefined ? {} : { indexEffect }) });

  it('is healthy when the index helped and the database alarm is OK', async () => {
    const verification = await invoke(handler, event(effect('improved')));
    expect(verification).toMatchObject({ healthy: true, verdict: 'recovered', undo: false });
    expect(verification.summary).toMatch(/^index effect improved/);
  });

  it('undoes an index that did not help, with the alarm OK', async () => {
    expect(await invoke(handler, event(effect('not-improved')))).toMatchObject({ healthy: false, undo: true, verdict: 'not-recovered' });
  });

  it('refuses to judge an index without its measurement', async () => {
    expect((await rejectionOf(invoke(handler, event()))).name).toBe('MalformedEventError');
  });
});
