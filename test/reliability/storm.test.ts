import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { handler as IntakeHandler } from '../../lambdas/intake/index.js';
import { ScopeSchema } from '../../lambdas/shared/scope.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { createStateTable, type LocalDynamoDb, startLocalDynamoDb } from '../../local/local-dynamodb.js';
import { LOG_DETECTION_SOURCE, type LogDetectionKind } from '../../lambdas/shared/log-detection.js';
import { alarmEvent } from '../support/fixtures.js';
import { logDetection, logDetectionEvent } from './log-detection-events.js';
import { report } from './reliability-figures.js';

/**
 * A storm of alarm and log signals: 1,000 signals about 50 resources arrive
 * at once into the real intake handler against dynalite, where the
 * conditional writes are really evaluated. Per resource: metric and
 * composite alarms, several transitions each; detections of the log intake
 * about the resource's own log group, every kind of them; and redeliveries
 * of both, including a detection the log intake published twice (a batch
 * mined again after a failed publish: a new EventBridge event, the same
 * detection id). Exactly one run per resource may start, whichever signal
 * wins; every other signal is grouped into it or recognised as a
 * duplicate, and none is lost.
 */
const RESOURCES = 50;
const TABLE = 'storm-state';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediate-incident';
const name = (index: number) => `web-${String(index).padStart(2, '0')}`;
const logGroupOf = (index: number) => `/app/${name(index)}`;
/** The composite alarm `health` watches the other two. */
const ALARM_KINDS = ['cpu-high', 'latency-high', 'health'] as const;
const TRANSITIONS = 4;
const DETECTION_KINDS: readonly LogDetectionKind[] = ['error-burst', 'new-error-template', 'signature', 'client-flood'];

/** A seeded Fisher–Yates shuffle (mulberry32): the same order on every run. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

describe('reliability: alarm and log signal storm', () => {
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
        logGroupNames: [logGroupOf(index)],
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

  /**
   * 20 signals per resource: 3 alarms (one composite) × 4 transitions; 4
   * log detections, one of each kind; and 4 repeats — two alarm events
   * redelivered, a detection event redelivered, and a detection published
   * again under a new event id.
   */
  function signalsFor(index: number): { alarms: unknown[]; logs: unknown[] } {
    const alarms: unknown[] = [];
    for (const kind of ALARM_KINDS) {
      for (let transition = 0; transition < TRANSITIONS; transition += 1) {
        const event = alarmEvent({ alarmName: `${name(index)}-${kind}`, timestamp: `2026-11-27T10:00:${String(10 + transition * 5)}.000+0000` });
        if (kind === 'health') {
          // A composite alarm's event carries its rule, not metrics.
          event.detail.configuration = { alarmRule: `ALARM("${name(index)}-cpu-high") OR ALARM("${name(index)}-latency-high")` } as never;
        }
        alarms.push(event);
      }
    }
    const detections = DETECTION_KINDS.map((kind, at) =>
      logDetection(kind, {
        logGroup: logGroupOf(index),
        eventId: `3${String(index).padStart(3, '0')}${String(at).padStart(52, '0')}`,
        at: `2026-11-27T10:00:${String(12 + at * 5)}.000Z`,
      }),
    );
    const logs = detections.map((detection) => logDetectionEvent(detection));
    return {
      alarms: [...alarms, ...alarms.slice(0, 2).map((event) => structuredClone(event))],
      logs: [...logs, structuredClone(logs[0]), logDetectionEvent(detections[1]!, `evt-republished-${index}`)],
    };
  }

  it('starts exactly one run per resource for 1,000 simultaneous alarm and log signals, and groups or dedupes every other one', async ({ task }) => {
    const perResource = Array.from({ length: RESOURCES }, (_, index) => signalsFor(index));
    const alarmSignals = perResource.flatMap((signals) => signals.alarms);
    const logSignals = perResource.flatMap((signals) => signals.logs);
    // Shuffled (seeded), so that alarms and detections about one resource race each other and either may open the incident.
    const signals = shuffled([...alarmSignals, ...logSignals], 2026);
    expect(signals).toHaveLength(1_000);
    expect(logSignals.length).toBeGreaterThanOrEqual(300);

    const results = await Promise.all(signals.map((event) => handler(event as never, localLambdaContext('intake', 30_000))));

    const byStatus = (status: string) => results.filter((result) => result.status === status);
    const startedRuns = byStatus('started');
    expect(byStatus('ignored')).toEqual([]);
    expect(started.size).toBe(RESOURCES);
    expect(startedRuns).toHaveLength(RESOURCES);
    expect(byStatus('grouped').length + byStatus('duplicate').length).toBe(1_000 - RESOURCES);
    expect(byStatus('grouped').length).toBe(RESOURCES * 15);
    expect(byStatus('duplicate').length).toBe(RESOURCES * 4);

    // One run per resource, each about its own resource, whichever kind of signal opened it.
    const runs = [...started.values()].map((input) => JSON.parse(input) as { incident: { resource: { name: string }; signal: { source: string } } });
    expect(new Set(runs.map((run) => run.incident.resource.name)).size).toBe(RESOURCES);
    const openedByLogs = runs.filter((run) => run.incident.signal.source === 'log-detection').length;
    // Both kinds of signal opened incidents, and the other kind grouped into them.
    expect(openedByLogs).toBeGreaterThan(0);
    expect(openedByLogs).toBeLessThan(RESOURCES);

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
    const grouped = items.filter((item) => item.type === 'grouped-signal');
    expect(grouped).toHaveLength(RESOURCES * 15);
    // 4 distinct detections per resource: all grouped, but for those that opened a run.
    const groupedDetections = grouped.filter((item) => (item.evidence as { kind?: string }[] | undefined)?.some((evidence) => evidence.kind === 'log-detection'));
    expect(groupedDetections).toHaveLength(RESOURCES * DETECTION_KINDS.length - openedByLogs);
    // Each grouped signal sits on the incident of its own resource.
    const resourceOfIncident = new Map(items.filter((item) => item.type === 'incident').map((item) => [item.incidentId as string, (item.incident as { resource: { name: string } }).resource.name]));
    for (const item of grouped) {
      const evidence = (item.evidence as { data?: { logStream?: string }; summary?: string }[] | undefined) ?? [];
      const resource = resourceOfIncident.get(item.incidentId as string);
      expect(resource, `grouped signal ${String(item.signalId)} on an unknown incident`).toBeDefined();
      expect(evidence.map((entry) => entry.summary ?? '').join(' '), `grouped signal ${String(item.signalId)}`).toContain(resource!);
    }

    const alarms = alarmSignals.length;
    const logs = logSignals.filter((event) => (event as { source?: string }).source === LOG_DETECTION_SOURCE).length;
    report(task.meta, { storm: { executions: started.size, resources: RESOURCES, signals: signals.length, alarmSignals: alarms, logSignals: logs } });
    console.log(
      `storm: ${signals.length} signals (${alarms} alarm, ${logs} log) over ${RESOURCES} resources → ${started.size} executions ` +
        `(${RESOURCES - openedByLogs} opened by an alarm, ${openedByLogs} by a log detection), ${byStatus('grouped').length} grouped, ${byStatus('duplicate').length} duplicates`,
    );
  });
});
