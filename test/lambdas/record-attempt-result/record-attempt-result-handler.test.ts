import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as RecordAttemptResultHandler } from '../../../lambdas/record-attempt-result/index.js';
import { DEFAULT_FLAP_GUARD } from '../../../lambdas/shared/flap-guard.js';
import { SafetyLedger } from '../../../lambdas/shared/safety-ledger.js';
import { testIncident } from '../../support/fixtures.js';
import { useLocalTables } from '../../support/local-tables.js';
import { invoke, rejectionOf, TOPIC_ARN } from '../harness.js';

/**
 * RecordAttemptResult against dynalite: the verified result lands on the
 * attempt's ledger entry — `undone` when the failed action was undone — and
 * enough failures in the window open the resource's circuit.
 */
describe('record-attempt-result handler', () => {
  const tables = useLocalTables('attempt-result');
  const resource = 'autoscaling-group/web';
  let handler: typeof RecordAttemptResultHandler;
  let ledger: SafetyLedger;

  beforeAll(async () => {
    const table = await tables.freshTable();
    Object.assign(process.env, { TABLE_NAME: table, AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint });
    ({ handler } = await import('../../../lambdas/record-attempt-result/index.js'));
    ledger = new SafetyLedger(tables.client, table);
  });

  let n = 0;
  let incidentId: string;
  beforeEach(async () => {
    // Each case is a new incident whose attempt 1 acted on the group.
    n += 1;
    incidentId = `inc-${String(n).padStart(20, '0')}`;
    await ledger.recordAction(resource, { incidentId, attempt: 1, action: 'scaleOutAsg', target: resource, at: new Date().toISOString(), result: 'pending' }, new Date());
  });

  const event = (overrides: Record<string, unknown> = {}) => ({
    incident: testIncident({ incidentId }),
    attempt: 1,
    verification: { healthy: false, summary: 'not recovered, the action did not help: web-cpu-high is ALARM at 95' },
    flapGuard: { ...DEFAULT_FLAP_GUARD, circuitFailureThreshold: 100 },
    ...overrides,
  });

  const resultOnLedger = async () => (await ledger.entries(resource)).find((entry) => entry.incidentId === incidentId)?.result;

  it("records 'undone' when the failed action was undone", async () => {
    // Act
    const result = await invoke(handler, event({ undo: { undone: true, summary: 'set the desired capacity of web back from 6 to 4' } }));

    // Assess
    expect(result).toMatchObject({ result: 'undone', circuit: 'closed' });
    expect(await resultOnLedger()).toBe('undone');
  });

  it("records 'undone' when an earlier try of the undo reversed it and only its response was lost", async () => {
    // Act
    const result = await invoke(handler, event({ undo: { undone: false, inPlace: false, summary: 'web is already back at 4; nothing to undo' } }));

    // Assess
    expect(result).toMatchObject({ result: 'undone' });
    expect(await resultOnLedger()).toBe('undone');
  });

  it.each([
    ['found nothing of ours to reverse (the action stands)', { undo: { undone: false, summary: 'web is at 7: something else manages it now, so it is left alone' } }],
    ['was skipped: KeepAction kept the step', { undo: { undone: false, summary: 'nothing undone: the action is kept' } }],
    ['is null', { undo: null }],
    ['is absent', {}],
  ])("records 'unhealthy' when the undo %s", async (_title, overrides) => {
    // Act
    const result = await invoke(handler, event(overrides));

    // Assess
    expect(result).toMatchObject({ result: 'unhealthy', circuit: 'closed' });
    expect(await resultOnLedger()).toBe('unhealthy');
  });

  it("records 'healthy' for a verified recovery", async () => {
    // Act
    const result = await invoke(handler, event({ verification: { healthy: true, summary: 'recovered' }, undo: null }));

    // Assess
    expect(result).toMatchObject({ result: 'healthy', circuit: 'closed', circuitOpened: false });
    expect(await resultOnLedger()).toBe('healthy');
  });

  it('counts an undone attempt as a failure: enough of them open the circuit', async () => {
    // Prepare: a fresh resource, with two undone attempts already in the window
    const id = 'autoscaling-group/api';
    for (const earlier of ['inc-a0000000000000000001', 'inc-a0000000000000000002']) {
      await ledger.recordAction(id, { incidentId: earlier, attempt: 1, action: 'scaleOutAsg', target: id, at: new Date().toISOString(), result: 'pending' }, new Date());
      await ledger.setResult(id, earlier, 1, 'undone', new Date());
    }
    await ledger.recordAction(id, { incidentId, attempt: 1, action: 'scaleOutAsg', target: id, at: new Date().toISOString(), result: 'pending' }, new Date());

    // Act
    const result = await invoke(
      handler,
      event({
        incident: testIncident({ incidentId, resource: { kind: 'autoscaling-group', name: 'api', id } }),
        undo: { undone: true },
        flapGuard: { ...DEFAULT_FLAP_GUARD, circuitFailureThreshold: 3 },
      }),
    );

    // Assess
    expect(result).toMatchObject({ result: 'undone', failuresInWindow: 3, circuit: 'open', circuitOpened: true });
    expect(await ledger.circuit(id)).toMatchObject({ status: 'open', openedBy: incidentId });
  });

  it('announces the circuit it opened, with the command that resets it', async () => {
    // Prepare: a fresh resource with one failed attempt already in the window, and a topic to tell.
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    process.env.NOTIFICATION_TOPIC_ARN = TOPIC_ARN;
    const id = 'autoscaling-group/batch';
    await ledger.recordAction(id, { incidentId: 'inc-b0000000000000000001', attempt: 1, action: 'scaleOutAsg', target: id, at: new Date().toISOString(), result: 'pending' }, new Date());
    await ledger.setResult(id, 'inc-b0000000000000000001', 1, 'unhealthy', new Date());
    await ledger.recordAction(id, { incidentId, attempt: 1, action: 'scaleOutAsg', target: id, at: new Date().toISOString(), result: 'pending' }, new Date());

    try {
      // Act
      const result = await invoke(
        handler,
        event({
          incident: testIncident({ incidentId, resource: { kind: 'autoscaling-group', name: 'batch', id } }),
          flapGuard: { ...DEFAULT_FLAP_GUARD, circuitFailureThreshold: 2 },
        }),
      );

      // Assess
      expect(result).toMatchObject({ circuit: 'open', circuitOpened: true });
      const publishes = sns.commandCalls(PublishCommand);
      expect(publishes).toHaveLength(1);
      expect(publishes[0]!.args[0].input.MessageAttributes?.type?.StringValue).toBe('circuit-opened');
      expect(JSON.parse(publishes[0]!.args[0].input.Message!)).toMatchObject({
        type: 'circuit-opened',
        incidentId,
        resourceId: id,
        summary: expect.stringContaining('circuit opened on autoscaling-group/batch'),
        details: { failuresInWindow: 2, threshold: 2, attempt: 1, reset: expect.stringContaining(`npx self-heal circuit reset ${id}`) },
      });
    } finally {
      delete process.env.NOTIFICATION_TOPIC_ARN;
      sns.restore();
    }
  });

  it('refuses an undo without its outcome as MalformedEventError, writing nothing', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, event({ undo: { summary: 'no undone flag' } })));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(/undo\.undone: /);
    expect(await resultOnLedger()).toBe('pending');
  });
});
