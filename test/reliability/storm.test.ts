import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { handler as IntakeHandler } from '../../lambdas/intake/index.js';
import { ScopeSchema } from '../../lambdas/shared/scope.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { createStateTable, type LocalDynamoDb, startLocalDynamoDb } from '../../local/local-dynamodb.js';
import { alarmEvent } from '../support/fixtures.js';
import { report } from './reliability-figures.js';

/**
 * An alarm storm: 1,000 alarm state changes about 50 resources arrive at
 * once — metric alarms and composite alarms, several transitions each, and
 * redeliveries — into the real intake handler against dynalite, where the
 * conditional writes are really evaluated. Exactly one run per resource
 * may start; every other signal is grouped into it or recognised as a
 * duplicate, and none is lost.
 */
const RESOURCES = 50;
const TABLE = 'storm-state';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediate-incident';
const name = (index: number) => `web-${String(index).padStart(2, '0')}`;
const ALARM_KINDS = ['cpu-high', 'latency-high', 'errors-high', 'health'] as const;

describe('reliability: alarm storm', () => {
  let db: LocalDynamoDb;
  let handler: typeof IntakeHandler;
  const sfn = mockClient(SFNClient);
  const started = new Map<string, string>();

  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createStateTable(db.endpoint, TABLE);
    const scope = ScopeSchema.parse({
      mode: 'auto',
      resources: Array.from({ length: RESOURCES }, (_, index) => ({
        kind: 'autoscaling-group',
        name: name(index),
        alarmNames: ALARM_KINDS.map((kind) => `${name(index)}-${kind}`),
        maxStep: 2,
        maxAttempts: 3,
        leaseSeconds: 1_800,
        cooldownSeconds: 900,
        verifyAfterSeconds: 300,
      })),
    });
    Object.assign(process.env, {
      RESOURCE_SCOPE: JSON.stringify(scope),
      TABLE_NAME: TABLE,
      STATE_MACHINE_ARN,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    });
    // Step Functions as a Standard workflow answers: a new name starts a run; the
    // same name with the same input is the same run; with other input, a conflict.
    sfn.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
      const existing = started.get(input.name ?? '');
      if (existing !== undefined && existing !== input.input) {
        throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } });
      }
      started.set(input.name ?? '', input.input ?? '');
      return { executionArn: `${STATE_MACHINE_ARN}:${input.name}`, startDate: new Date() };
    });
    ({ handler } = await import('../../lambdas/intake/index.js'));
  });

  afterAll(async () => {
    sfn.restore();
    await db.stop();
  });

  /** 20 signals per resource: 4 alarms (one composite) × 4 transitions, and 4 redeliveries. */
  function signalsFor(index: number): unknown[] {
    const events: unknown[] = [];
    for (const kind of ALARM_KINDS) {
      for (let transition = 0; transition < 4; transition += 1) {
        const event = alarmEvent({ alarmName: `${name(index)}-${kind}`, timestamp: `2026-11-27T10:00:${String(10 + transition * 5)}.000+0000` });
        if (kind === 'health') {
          // A composite alarm's event carries its rule, not metrics.
          event.detail.configuration = { alarmRule: `ALARM("${name(index)}-cpu-high") OR ALARM("${name(index)}-errors-high")` } as never;
        }
        events.push(event);
      }
    }
    return [...events, ...events.slice(0, 4).map((event) => structuredClone(event))];
  }

  it('starts exactly one run per resource for 1,000 simultaneous signals, and groups or dedupes every other one', async ({ task }) => {
    const signals = Array.from({ length: RESOURCES }, (_, index) => signalsFor(index)).flat();
    expect(signals).toHaveLength(1_000);

    const results = await Promise.all(signals.map((event) => handler(event as never, localLambdaContext('intake', 30_000))));

    const byStatus = (status: string) => results.filter((result) => result.status === status);
    const startedRuns = byStatus('started');
    expect(started.size).toBe(RESOURCES);
    expect(startedRuns).toHaveLength(RESOURCES);
    expect(byStatus('grouped').length + byStatus('duplicate').length).toBe(1_000 - RESOURCES);
    expect(byStatus('grouped').length).toBe(RESOURCES * 15);

    // Every grouped signal is kept as evidence on its resource's one open incident.
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: db.endpoint }));
    const items = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    documents.destroy();
    expect(items.filter((item) => item.type === 'incident')).toHaveLength(RESOURCES);
    expect(items.filter((item) => item.type === 'open-incident')).toHaveLength(RESOURCES);
    expect(items.filter((item) => item.type === 'grouped-signal')).toHaveLength(RESOURCES * 15);

    report(task.meta, { storm: { executions: started.size, resources: RESOURCES, signals: signals.length } });
    console.log(`storm: ${signals.length} signals over ${RESOURCES} resources → ${started.size} executions, ${byStatus('grouped').length} grouped, ${byStatus('duplicate').length} duplicates`);
  });
});
