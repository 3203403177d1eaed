import './polyfills.js';
import type { Context } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { runbooksJson } from '../lib/runbook-files.js';
import { handlerEntry } from '../lib/workflow-functions.js';
import { StateStore } from '../lambdas/shared/state-store.js';
import { scriptedReplies, startFakeBedrock } from './fake-bedrock.js';
import { localFunctionArn, localLambdaContext } from './lambda-context.js';
import type { WafSettings } from '../lambdas/shared/waf/waf-settings.js';
import { encodeLogPayload } from '../lambdas/log-intake/decode-payload.js';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { createStateTable, LOCAL_AWS_ENV, startLocalDynamoDb } from './local-dynamodb.js';
import { installDynamoDbChaos } from './dynamodb-chaos.js';
import { type LocalRun, LocalWorkflow, type LocalWorkflowOptions } from './local-workflow.js';
import { resourceIdByName, type Scenario, scenarioSecretArn, scopeOf } from './scenario.js';
import { openScenarioDatabase, type ScenarioDatabase } from './scenario-database.js';
import type { Scope } from '../lambdas/shared/scope.js';
import { LOCAL_APPROVAL_URL, SimulatedApprover } from './simulated-approver.js';
import { SimulatedWorld } from './simulated-world.js';
import { formatTimeline, statePath } from './timeline.js';

import { main as cli } from '../cli/self-heal.js';
import { circuitResetCommand } from '../lambdas/shared/circuit-commands.js';
import type { CircuitState } from '../lambdas/shared/flap-guard.js';
import { SafetyLedger } from '../lambdas/shared/safety-ledger.js';

export const LOCAL_TABLE_NAME = 'self-healing-state';

type IntakeHandler = (event: unknown, context: Context) => Promise<{ status: string; incidentId?: string; executionName?: string; reason?: string }>;

export interface SignalResult {
  description: string;
  status: 'started' | 'grouped' | 'duplicate' | 'ignored' | 'rejected';
  incidentId?: string;
  executionName?: string;
  detail?: string;
}

export interface ExecutionResult {
  name: string;
  run: LocalRun;
  path: string[];
}

export interface IncidentResult {
  incidentId: string;
  resource: string;
  status: string;
  attempts?: number;
  summary?: string;
}

export interface ScenarioReport {
  scenario: string;
  passed: boolean;
  mismatches: string[];
  /** Leases still held by this scenario's incidents after every run ended: always a defect. */
  leakedLeases: string[];
  signals: SignalResult[];
  executions: ExecutionResult[];
  incidents: IncidentResult[];
  world: SimulatedWorld;
  /** The PostgreSQL the scenario ran against, when it has one: real (local) or simulated. */
  database?: { kind: ScenarioDatabase['kind']; description: string };
}

export interface RunScenarioOptions extends Pick<LocalWorkflowOptions, 'taskOverrides'> {
  /** Receives the human-readable progress lines. */
  print?: (line: string) => void;
  /** Shows the handlers' own structured logs. */
  verbose?: boolean;
}

/**
 * Runs one scenario end to end in this process: dynalite for DynamoDB, the
 * simulated world for every other AWS API, the real intake handler for each
 * signal, and the real state machine definition with the real handlers for
 * each execution it starts. Handler modules read their environment when
 * imported, so a process (or a test with fresh modules) runs one scenario.
 */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions = {}): Promise<ScenarioReport> {
  const print = options.print ?? (() => undefined);
  const db = await startLocalDynamoDb();
  const world = new SimulatedWorld(scenario.world);
  // The model, when the scenario scripts one: the real Bedrock client talks to a fake Converse endpoint.
  const model = scenario.model === undefined ? undefined : await startFakeBedrock(scriptedReplies(...scenario.model.replies));
  let database: ScenarioDatabase | undefined;
  try {
    await world.start();
    if (scenario.database !== undefined) database = await openScenarioDatabase(scenario.database);
    await createStateTable(db.endpoint, LOCAL_TABLE_NAME);
    Object.assign(process.env, LOCAL_AWS_ENV, {
      AWS_REGION: world.region,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_NAME: LOCAL_TABLE_NAME,
      RESOURCE_SCOPE: JSON.stringify(scopeWithDatabase(scopeOf(scenario), scenario, database)),
      WAF_SETTINGS: JSON.stringify(wafSettingsOf(scenario, world)),
      EVENT_BUS_NAME: 'default',
      STATE_MACHINE_ARN: world.remediationStateMachineArn,
      RUNBOOKS_JSON: runbooksJson(),
      TOPIC_ARN: `arn:aws:sns:${world.region}:${world.account}:self-healing-notifications`,
      APPROVAL_KEY_ID: world.approvalKeyArn,
      APPROVAL_URL: LOCAL_APPROVAL_URL,
      BEDROCK_MODEL_ID: scenario.model?.modelId ?? '',
      BEDROCK_ENDPOINT: model?.endpoint ?? '',
      BEDROCK_TIMEOUT_MS: String(scenario.model?.timeoutMs ?? 5_000),
      POWERTOOLS_SERVICE_NAME: 'self-healing-local',
      POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      // The side-effecting steps are idempotent here as deployed, persisted in dynalite.
      POWERTOOLS_IDEMPOTENCY_DISABLED: 'false',
    });

    if (database !== undefined) await attachDatabase(scenario, world, database, print);

    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: db.endpoint, region: world.region }));
    const store = new StateStore(documents, LOCAL_TABLE_NAME);
    for (const lease of scenario.leases) {
      const resource = scenario.resources.find((candidate) => candidate.name === lease.resource);
      if (resource === undefined) throw new Error(`lease for unknown resource ${lease.resource}`);
      const granted = new Date(Date.now() + (lease.expiresInSeconds - 60) * 1000);
      await store.acquireLease(resourceIdByName(scenario, resource.name), lease.holder, 60, granted);
    }

    const workflow = await LocalWorkflow.load();
    if (scenario.world.chaos?.dynamoDb !== undefined) await installDynamoDbChaos(world);
    const intake = ((await import(handlerEntry('intake'))) as { handler: IntakeHandler }).handler;
    const approver = await SimulatedApprover.load(world, scenario.approvals, print);

    const executions: ExecutionResult[] = [];
    const running: Promise<void>[] = [];
    world.install((execution) => {
      running.push(
        workflow
          .run(JSON.parse(execution.input), execution.name, execution.executionArn, {
            taskOverrides: options.taskOverrides,
            taskCallbacks: world,
            onTaskWaiting: approver.onTaskWaiting,
          })
          .then((run) => {
            const result = { name: execution.name, run, path: statePath(run) };
            executions.push(result);
            print(`  ┌ execution ${execution.name}`);
            for (const line of formatTimeline(run, '  │ ')) print(line);
          }),
      );
    });

    const settle = async () => {
      while (running.length > executions.length) await Promise.all(running);
    };
    const signals: SignalResult[] = [];
    for (const signal of scenario.signals) {
      if ('resetCircuit' in signal) {
        await settle();
        await resetCircuitAsHuman(scenario, signal.resetCircuit, signal.by, db.endpoint, print);
        continue;
      }
      if ('traffic' in signal) {
        await settle();
        for (const [ip, rate] of Object.entries(signal.traffic)) world.setClientTraffic(ip, rate);
        print(`  traffic changes: ${Object.entries(signal.traffic).map(([ip, rate]) => `${ip} → ${rate}/min`).join(', ')}`);
        continue;
      }
      if ('expireBlocks' in signal) {
        await settle();
        await expireBlocks(world, print);
        continue;
      }
      if ('alarm' in signal) {
        if (signal.afterRunsSettle) await settle();
        for (const [group, demand] of Object.entries(signal.setCpuDemand)) world.setCpuDemand(group, demand);
      }
      if ('logs' in signal) {
        const detections = await deliverLogBatch(world, signal.logs, print);
        for (const detection of detections) {
          const label = `log detection ${detection.detail.kind}${detection.detail.signatureId ? ` ${detection.detail.signatureId}` : ''} in ${signal.logs}`;
          try {
            const result = await deliverWithRetries(() => intake(structuredClone(detection), localLambdaContext('intake', 30_000)), label, print);
            signals.push({ description: label, status: result.status as SignalResult['status'], incidentId: result.incidentId, executionName: result.executionName, detail: result.reason });
            print(`  signal ${label}: intake ${result.status}${result.executionName ? ` ${result.executionName}` : ''}${result.reason ? ` (${result.reason})` : ''}`);
          } catch (error) {
            signals.push({ description: label, status: 'rejected', detail: `${(error as Error).name}: ${(error as Error).message}` });
            print(`  signal ${label}: intake rejected it — ${(error as Error).name}: ${(error as Error).message.split('\n')[0]}`);
          }
        }
        continue;
      }
      const deliveries = 'alarm' in signal ? signal.deliveries : 1;
      const event = 'alarm' in signal ? world.alarmEvent(signal.alarm) : signal.event;
      const description = 'alarm' in signal ? `alarm ${signal.alarm} → ALARM` : 'raw event';
      for (let delivery = 1; delivery <= deliveries; delivery += 1) {
        const label = deliveries > 1 ? `${description} (delivery ${delivery}/${deliveries})` : description;
        try {
          const result = await deliverWithRetries(() => intake(structuredClone(event), localLambdaContext('intake', 30_000)), label, print);
          signals.push({ description: label, status: result.status as SignalResult['status'], incidentId: result.incidentId, executionName: result.executionName, detail: result.reason });
          print(`  signal ${label}: intake ${result.status}${result.executionName ? ` ${result.executionName}` : ''}${result.reason ? ` (${result.reason})` : ''}`);
        } catch (error) {
          signals.push({ description: label, status: 'rejected', detail: `${(error as Error).name}: ${(error as Error).message}` });
          print(`  signal ${label}: intake rejected it — ${(error as Error).name}: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
    await settle();
    await approver.settled();

    const incidents: IncidentResult[] = [];
    // One per run started: a redelivery after a lost response reports `duplicate` for the run it started.
    const opened = signals.filter(
      (candidate, index) =>
        (candidate.status === 'started' || candidate.status === 'duplicate') &&
        signals.findIndex((other) => other.incidentId === candidate.incidentId) === index,
    );
    for (const signal of opened) {
      const record = await store.getIncident(signal.incidentId ?? '');
      incidents.push({
        incidentId: signal.incidentId ?? '',
        resource: String((record?.incident as { resource?: { name?: string } } | undefined)?.resource?.name ?? '?'),
        status: String(record?.status ?? 'missing'),
        attempts: record?.attempts === undefined ? undefined : Number(record.attempts),
        summary: (record?.outcome as { summary?: string } | undefined)?.summary,
      });
    }

    const leakedLeases = await findLeakedLeases(scenario, incidents, store);
    const ledger = new SafetyLedger(documents, LOCAL_TABLE_NAME);
    const circuits = new Map<string, CircuitState>();
    for (const resource of scenario.resources) {
      const circuit = await ledger.circuit(resourceIdByName(scenario, resource.name));
      circuits.set(resource.name, circuit);
      if (circuit.status === 'open' || circuit.resetAt !== undefined) {
        print(`  circuit of ${resource.name}: ${circuit.status.toUpperCase()}${circuit.status === 'open' ? ` — ${circuit.reason}` : ` (reset by ${circuit.resetBy})`}`);
        if (circuit.status === 'open') print(`    reset with: ${circuitResetCommand(resourceIdByName(scenario, resource.name), LOCAL_TABLE_NAME)}`);
      }
    }
    const scan = await documents.send(new ScanCommand({ TableName: LOCAL_TABLE_NAME }));
    const incidentRecords = (scan.Items ?? []).filter((item) => item.type === 'incident').length;
    const ownIndexes = await database?.ownIndexes();
    if (ownIndexes !== undefined) print(`  database ${scenario.database!.resource}: own indexes at the end: ${ownIndexes.length === 0 ? 'none' : ownIndexes.join(', ')}`);
    const mismatches = [
      ...compare(scenario, { signals, executions, incidents, world, incidentRecords, circuits }),
      ...(scenario.expect.ownIndexes === undefined || ownIndexes?.length === scenario.expect.ownIndexes
        ? []
        : [`own indexes in the database: expected ${scenario.expect.ownIndexes}, got ${ownIndexes === undefined ? 'no database' : ownIndexes.length}`]),
      ...leakedLeases,
      ...approver.finalProblems(),
    ];
    return {
      scenario: scenario.name,
      passed: mismatches.length === 0,
      mismatches,
      leakedLeases,
      signals,
      executions,
      incidents,
      world,
      ...(database === undefined ? {} : { database: { kind: database.kind, description: database.description } }),
    };
  } finally {
    await database?.close();
    world.uninstall();
    await world.stop();
    await model?.stop();
    await db.stop();
  }
}

/**
 * Puts the scenario's database behind its rds-postgres resource: the
 * PostgreSQL functions reach it (and its logins), the latency alarm
 * watches its lookup, and its slow-statement lines are in the resource's
 * log groups for the log intake to find.
 */
async function attachDatabase(scenario: Scenario, world: SimulatedWorld, database: ScenarioDatabase, print: (line: string) => void): Promise<void> {
  const config = scenario.database!;
  const resource = scenario.resources.find((candidate) => candidate.name === config.resource && candidate.kind === 'rds-postgres');
  if (resource === undefined) throw new Error(`scenario ${scenario.name}: its database is for ${config.resource}, which is not an rds-postgres resource of it`);
  print(`  database ${resource.name}: ${database.kind === 'postgres' ? 'REAL' : 'SIMULATED'} — ${database.description}`);
  await database.install({ reader: scenarioSecretArn(resource.name, 'reader'), actor: scenarioSecretArn(resource.name, 'actor') });
  world.attachQueryLatency(resource.name, () => database.latencyMs());
  for (const logGroupName of resource.logGroupNames) {
    world.logs.set(logGroupName, [...(world.logs.get(logGroupName) ?? []), ...database.slowStatementLines(config.slowLogLines)]);
  }
}

/** The scope with the database's real name and schema on its resource (a real run uses a schema of its own). */
function scopeWithDatabase(scope: Scope, scenario: Scenario, database: ScenarioDatabase | undefined): Scope {
  if (database === undefined) return scope;
  return {
    ...scope,
    resources: scope.resources.map((resource) =>
      resource.kind === 'rds-postgres' && resource.name === scenario.database!.resource ? { ...resource, database: database.database, schemas: [database.schema] } : resource,
    ),
  };
}

interface Observed {
  signals: SignalResult[];
  executions: ExecutionResult[];
  incidents: IncidentResult[];
  world: SimulatedWorld;
  /** Incident records in the table: one per started run, none for ignored or rejected signals. */
  incidentRecords: number;
  circuits: Map<string, CircuitState>;
}

/** Every way the observed end state differs from the scenario's expectations. */
function compare(scenario: Scenario, observed: Observed): string[] {
  const { expect } = scenario;
  const mismatches: string[] = [];
  const check = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      mismatches.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  check('executions started', observed.world.executions.size, expect.executions);
  check('signals rejected', observed.signals.filter((signal) => signal.status === 'rejected').length, expect.rejected);
  check('signals ignored', observed.signals.filter((signal) => signal.status === 'ignored').length, expect.ignored);
  check('signals grouped', observed.signals.filter((signal) => signal.status === 'grouped').length, expect.grouped);
  check('escalations published', observed.world.notifications.length, expect.notifications);
  check('incident count', observed.incidents.length, expect.incidents.length);
  check('incident records written', observed.incidentRecords, expect.incidents.length);
  expect.incidents.forEach((wanted, index) => {
    const actual = observed.incidents[index];
    check(`incident ${index + 1} resource`, actual?.resource, wanted.resource);
    check(`incident ${index + 1} status`, actual?.status, wanted.status);
    if (wanted.attempts !== undefined) check(`incident ${index + 1} attempts`, actual?.attempts, wanted.attempts);
  });
  for (const [name, wanted] of Object.entries(expect.groups)) {
    check(`group ${name} desired capacity`, observed.world.groups.get(name)?.desiredCapacity, wanted.desiredCapacity);
  }
  for (const [name, wanted] of Object.entries(expect.alarms)) {
    check(`alarm ${name} state`, observed.world.alarmState(name), wanted);
  }
  for (const [name, wanted] of Object.entries(expect.circuits)) {
    check(`circuit of ${name}`, observed.circuits.get(name)?.status, wanted);
  }
  for (const [key, wanted] of Object.entries(expect.ipSets)) {
    const [scope, ...name] = key.split('/');
    check(`IP set ${key} addresses`, [...observed.world.ipSetAddresses(scope as 'REGIONAL' | 'CLOUDFRONT', name.join('/'))].sort(), [...wanted].sort());
  }
  for (const [key, wanted] of Object.entries(expect.deployments)) {
    const [cluster, namespace, name] = key.split('/');
    check(`deployment ${key} image`, observed.world.deploymentImage(cluster!, namespace!, name!), wanted);
  }
  for (const [key, keys] of Object.entries(expect.configMaps)) {
    const [cluster, namespace, name] = key.split('/');
    const data = observed.world.configMapData(cluster!, namespace!, name!);
    for (const [dataKey, wanted] of Object.entries(keys)) check(`ConfigMap ${key} key ${dataKey}`, data[dataKey] ?? null, wanted);
  }
  if (expect.pendingSchedules !== undefined) check('expiry schedules pending', observed.world.schedules().length, expect.pendingSchedules);
  return mismatches;
}

/**
 * EventBridge retries a target that failed (the intake rule allows 8
 * retries); only a transient failure is worth it, so only that is retried here.
 */
async function deliverWithRetries<T>(deliver: () => Promise<T>, label: string, print: (line: string) => void): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await deliver();
    } catch (error) {
      if ((error as Error).name !== 'TransientAwsError' || retry >= INTAKE_RETRY_ATTEMPTS) throw error;
      print(`  signal ${label}: intake failed transiently, EventBridge redelivers (${retry + 1}/${INTAKE_RETRY_ATTEMPTS})`);
    }
  }
}

/** Retries of the intake rule's target, as `AlarmIntake` configures them. */
const INTAKE_RETRY_ATTEMPTS = 8;

interface DetectionEvent {
  detail: { kind: string; signatureId?: string };
}

/**
 * One subscription delivery: the log group's lines as the world has them now
 * go to the real log intake function; what it publishes with PutEvents is
 * captured and returned as the EventBridge events the intake rule delivers.
 */
async function deliverLogBatch(world: SimulatedWorld, logGroupName: string, print: (line: string) => void): Promise<DetectionEvent[]> {
  const now = Date.now();
  const read = await new CloudWatchLogsClient({ region: world.region }).send(
    new FilterLogEventsCommand({ logGroupName, startTime: now - 15 * 60_000, endTime: now, limit: 10_000 }),
  );
  const events = (read.events ?? []).map((event, index) => ({ id: event.eventId ?? `${now}-${index}`, timestamp: event.timestamp ?? now, message: event.message ?? '' }));
  const published: DetectionEvent[] = [];
  const bus = mockClient(EventBridgeClient);
  bus.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
    for (const entry of input.Entries ?? []) {
      published.push({
        version: '0',
        id: `evt-detection-${published.length + 1}-${now}`,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: world.account,
        time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: world.region,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail ?? '{}'),
      } as DetectionEvent);
    }
    return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, index) => ({ EventId: `evt-${index}` })) };
  });
  try {
    const logIntake = ((await import(handlerEntry('log-intake'))) as { handler: (event: unknown, context: Context) => Promise<{ status: string; detections: number }> }).handler;
    // CloudWatch Logs delivers each stream's events in batches of their own.
    const streams = new Map<string, typeof events>();
    (read.events ?? []).forEach((event, index) => {
      const stream = event.logStreamName ?? 'stream';
      streams.set(stream, [...(streams.get(stream) ?? []), events[index]!]);
    });
    for (const [logStream, logEvents] of streams) {
      const payload = encodeLogPayload({ messageType: 'DATA_MESSAGE', owner: world.account, logGroup: logGroupName, logStream, subscriptionFilters: ['self-healing'], logEvents });
      const result = await logIntake(payload, localLambdaContext('log-intake', 60_000));
      print(`  logs: ${logEvents.length} line(s) of ${logGroupName} ${logStream} reach the log intake — ${result.status}, ${result.detections} detection(s) published`);
    }
  } finally {
    bus.restore();
  }
  return published;
}

/** What the WAF functions are deployed with, for the world's IP sets. */
function wafSettingsOf(scenario: Scenario, world: SimulatedWorld): WafSettings {
  return {
    ipSets: scenario.world.wafIpSets.map((ipSet) => ({
      name: ipSet.name,
      id: ipSet.id,
      scope: ipSet.scope,
      arn: `arn:aws:wafv2:${world.region}:${world.account}:${ipSet.scope === 'CLOUDFRONT' ? 'global' : 'regional'}/ipset/${ipSet.name}/${ipSet.id}`,
    })),
    limits: { maxPerHour: 20, maxTotal: 500 },
    schedule: {
      groupName: 'self-healing-blocks',
      targetArn: localFunctionArn('expire-ip-block', world.region, world.account),
      roleArn: `arn:aws:iam::${world.account}:role/self-healing-block-expiry`,
    },
  };
}

/** Every due expiry schedule fires: the real expiry function runs with the schedule's payload. */
async function expireBlocks(world: SimulatedWorld, print: (line: string) => void): Promise<void> {
  const expire = ((await import(handlerEntry('expire-ip-block'))) as { handler: (event: unknown, context: Context) => Promise<{ summary: string }> }).handler;
  const later = new Date(Date.now() + 48 * 3_600_000);
  for (const schedule of world.dueSchedules(later)) {
    const result = await expire(structuredClone(schedule.input), localLambdaContext('expire-ip-block', 30_000));
    world.completeSchedule(schedule.name, schedule.groupName);
    print(`  time passes: schedule ${schedule.name} fires — ${result.summary}`);
  }
}

/** Runs the documented reset command, as the on-call human would, against the local table. */
async function resetCircuitAsHuman(scenario: Scenario, resourceName: string, by: string, endpoint: string, print: (line: string) => void): Promise<void> {
  const resourceId = resourceIdByName(scenario, resourceName);
  const args = ['circuit', 'reset', resourceId, '--table', LOCAL_TABLE_NAME, '--by', by];
  print(`  human: npx self-heal ${args.join(' ')}`);
  const code = await cli([...args, '--endpoint', endpoint], { out: (line) => print(`    ${line}`), err: (line) => print(`    ${line}`) });
  if (code !== 0) throw new Error(`the circuit reset command failed with exit code ${code}`);
}

async function findLeakedLeases(scenario: Scenario, incidents: IncidentResult[], store: StateStore): Promise<string[]> {
  const ours = new Set(incidents.map((incident) => incident.incidentId));
  const leaked: string[] = [];
  for (const resource of scenario.resources) {
    const lease = await store.getLease(resourceIdByName(scenario, resource.name));
    if (lease?.holder !== undefined && ours.has(lease.holder)) {
      leaked.push(`lease on ${resource.name} leaked: still held by ${lease.holder}`);
    }
  }
  return leaked;
}
