import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReplayDeps, ReplayReport } from '../../cli/replay/replay.js';
import type { PipelineSteps } from '../../cli/replay/run-pipeline.js';
import type { GuardedCall } from '../../lambdas/shared/shadow-mode.js';
import type { FakeKubeApi } from '../../local/fake-kube-api.js';
import type { SimulatedWorld } from '../../local/simulated-world.js';

/**
 * `self-heal replay` offline, on every sample shipped in `samples/`: each
 * shows its decision, and a recorder on the guards proves that every call
 * that reached a client was a read, that nothing else reached the
 * simulated world, and that the world is as it was.
 */

const SAMPLES = path.resolve(__dirname, '..', '..', 'samples');
const sample = (name: string) => path.join(SAMPLES, name);

/** Reads, by an independent rule: AWS read verbs and Bedrock inference; client-node read and list methods. */
const AWS_READ = /^(Describe|Get|List|Query$|Scan$|BatchGet|Lookup|Filter|Converse$)/;
const KUBE_READ = /^(AppsV1Api|CoreV1Api)\.(read|list)[A-Z]/;

interface Expected {
  readonly file: string;
  readonly kind: ReplayReport['input']['kind'];
  readonly resourceId: string;
  readonly action: string;
  readonly source: 'bedrock' | 'runbook';
  readonly autonomy: string;
  readonly path: string;
  readonly wouldDo: RegExp;
}

const EXPECTED: readonly Expected[] = [
  {
    file: 'cpu-alarm-asg.json',
    kind: 'alarm-event',
    resourceId: 'autoscaling-group/web',
    action: 'scaleOutAsg',
    source: 'bedrock',
    autonomy: 'auto',
    path: 'act',
    wouldDo: /AutoScaling SetDesiredCapacity web 4 → 6/,
  },
  {
    file: 'waf-flood-logs.json',
    kind: 'log-payload',
    resourceId: 'waf-web-acl/shop-acl',
    action: 'blockIpInWaf',
    source: 'runbook',
    autonomy: 'auto',
    path: 'act',
    wouldDo: /WAFV2 UpdateIPSet shop-blocklist \(REGIONAL\): add 203\.0\.113\.7\/32/,
  },
  {
    file: 'eks-crashloop-alarm.json',
    kind: 'alarm-event',
    resourceId: 'eks-deployment/prod/shop/orders',
    action: 'patchEksConfigMap',
    source: 'runbook',
    autonomy: 'approve',
    path: 'approve-then-act',
    wouldDo: /PATCH configmaps\/orders-config in prod\/shop \(merge patch\): data\.DATABASE_URL = "postgres:\/\/orders-db\.shop\.svc:5432\/orders"/,
  },
  {
    file: 'captured-incident.json',
    kind: 'incident',
    resourceId: 'eks-deployment/prod/shop/checkout',
    action: 'rollbackEksDeployment',
    source: 'runbook',
    autonomy: 'approve',
    path: 'approve-then-act',
    wouldDo: /PATCH deployments\/checkout in prod\/shop \(JSON patch\): pod template from revision 2 .* back to revision 1 \(registry\.example\.com\/checkout:1\.4\.2\)/,
  },
];

/** Everything a change could touch in the world, as plain data. */
function worldState(world: SimulatedWorld, kubeApis: readonly FakeKubeApi[], fixture: { world: { wafIpSets?: { name: string; scope: 'REGIONAL' | 'CLOUDFRONT' }[] } }) {
  return {
    groups: [...world.groups.values()].map((group) => ({ ...group })),
    capacityChanges: [...world.capacityChanges],
    ipSets: (fixture.world.wafIpSets ?? []).map((ipSet) => world.ipSetAddresses(ipSet.scope, ipSet.name)),
    schedules: world.schedules(),
    notifications: [...world.notifications],
    executions: [...world.executions.keys()],
    // The clusters' API servers, as captured while they ran (they stop with the replay).
    clusters: kubeApis.map((api) => ({
      deployments: api.list('deployments', 'shop').map((object) => ({ name: object.metadata.name, spec: object.spec })),
      configMaps: api.list('configmaps', 'shop').map((object) => ({ name: object.metadata.name, data: (object as { data?: unknown }).data })),
      replicaSets: api.list('replicasets', 'shop').map((object) => object.metadata.name),
    })),
  };
}

interface Observed {
  code: number;
  out: string;
  err: string;
  calls: GuardedCall[];
  world?: SimulatedWorld;
  before?: ReturnType<typeof worldState>;
  kubeApis: FakeKubeApi[];
}

const temporary = mkdtempSync(path.join(tmpdir(), 'replay-test-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

function writeTemp(name: string, content: string): string {
  const file = path.join(temporary, name);
  writeFileSync(file, content);
  return file;
}

describe('self-heal replay', () => {
  beforeEach(() => {
    // The handlers read their environment when imported: each replay gets fresh modules, as a fresh process would.
    vi.resetModules();
  });

  async function replay(args: string[], deps: ReplayDeps = {}): Promise<Observed> {
    const { main } = await import('../../cli/self-heal.js');
    const { onGuardedCall } = await import('../../lambdas/shared/shadow-mode.js');
    const observed: Observed = { code: -1, out: '', err: '', calls: [], kubeApis: [] };
    const out: string[] = [];
    const err: string[] = [];
    const stop = onGuardedCall((call) => observed.calls.push(call));
    const worldFlag = args.indexOf('--world');
    const fixtureFile = worldFlag >= 0 ? args[worldFlag + 1] : args[0]?.replace(/\.json$/, '.world.json');
    try {
      observed.code = await main(['replay', ...args], { out: (line) => out.push(line), err: (line) => err.push(line) }, process.env, {
        replay: {
          hasCredentials: async () => false,
          onOfflineRuntime: (runtime) => {
            observed.world = runtime.world;
            observed.kubeApis = [...runtime.world.clusters.values()].map((cluster) => cluster.api);
            const fixture = fixtureFile === undefined ? { world: {} } : (JSON.parse(readFileSync(fixtureFile, 'utf8')) as { world: object });
            observed.before = worldState(runtime.world, observed.kubeApis, fixture);
          },
          ...deps,
        },
      });
    } finally {
      stop();
    }
    observed.out = out.join('\n');
    observed.err = err.join('\n');
    return observed;
  }

  it('ships a sample of each kind, each with its world, and this test covers every one', () => {
    const events = readdirSync(SAMPLES).filter((file) => file.endsWith('.json') && !file.endsWith('.world.json')).sort();
    expect(events).toEqual(EXPECTED.map((expected) => expected.file).sort());
    for (const event of events) expect(readdirSync(SAMPLES)).toContain(event.replace(/\.json$/, '.world.json'));
  });

  it.each(EXPECTED)('$file: replays offline, shows the decision, and no mutating call reaches any client', async (expected) => {
    const result = await replay([sample(expected.file), '--offline', '--json']);

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as ReplayReport;
    expect(report.mode).toBe('offline');
    expect(report.input.kind).toBe(expected.kind);
    expect(report.intake).toMatchObject({ status: 'incident', resourceId: expected.resourceId });
    expect(report.decision).toMatchObject({ action: expected.action, source: expected.source });
    expect(report.policy).toMatchObject({ allowed: true, autonomy: expected.autonomy });
    expect(report.policy?.checks.every((check) => check.passed)).toBe(true);
    expect(report.wouldDo?.path).toBe(expected.path);
    expect(report.wouldDo?.calls.join('\n')).toMatch(expected.wouldDo);
    expect(report.refused).toBeUndefined();
    expect(report.failure).toBeUndefined();

    // Every call the guards saw was let through, and every one is a read.
    expect(result.calls.length).toBeGreaterThan(3);
    expect(result.calls.filter((call) => !call.allowed)).toEqual([]);
    expect(result.calls.filter((call) => (call.service === 'kubernetes' ? !KUBE_READ.test(call.operation) : !AWS_READ.test(call.operation)))).toEqual([]);
    // The report's call list is the same reads.
    expect(report.calls.reduce((sum, call) => sum + call.count, 0)).toBe(result.calls.length);
    // What reached the simulated world was reads only, and the world is exactly as it was.
    const world = result.world!;
    expect(world.calls.length).toBeGreaterThan(0);
    expect(world.calls.filter((call) => !AWS_READ.test(call.operation))).toEqual([]);
    for (const api of result.kubeApis) expect(api.writes()).toEqual([]);
    const fixture = JSON.parse(readFileSync(sample(expected.file.replace(/\.json$/, '.world.json')), 'utf8')) as { world: object };
    if (result.kubeApis.length > 0) expect(result.before!.clusters[0]!.deployments.length).toBeGreaterThan(0);
    expect(worldState(world, result.kubeApis, fixture)).toEqual(result.before);
  });

  it('prints the context, the decision, the verdict and what would be done, for a human', async () => {
    const result = await replay([sample('cpu-alarm-asg.json'), '--offline']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('shadow mode, offline');
    expect(result.out).toMatch(/group\s+web: desired 4 \(min 2, max 10\), 4 in service/);
    expect(result.out).toMatch(/alarm\s+web-cpu-high ALARM — CPUUtilization 95 \(threshold 70\)/);
    expect(result.out).toContain('Decision by model');
    expect(result.out).toContain('action      scaleOutAsg {"autoScalingGroupName":"web","targetCapacity":6}');
    expect(result.out).toContain('Policy: allowed, autonomy auto');
    expect(result.out).toContain('✓ within-max-step: step 2, maximum 2');
    expect(result.out).toContain('Would do:');
    expect(result.out).toContain('AutoScaling SetDesiredCapacity web 4 → 6');
    expect(result.out).toMatch(/Calls: \d+ read\(s\) reached a client .*; none was refused, nothing was changed\./);
  });

  it('decides with the runbooks when asked to, even where the world scripts a model', async () => {
    const result = await replay([sample('cpu-alarm-asg.json'), '--offline', '--runbooks-only', '--json']);
    const report = JSON.parse(result.out) as ReplayReport;
    expect(report.decision).toMatchObject({ source: 'runbook', runbookId: 'asg-cpu-high-scale-out', action: 'scaleOutAsg' });
    expect(report.calls.some((call) => call.operation === 'Converse')).toBe(false);
  });

  it('lists what the log intake detected, and which detection opens the incident', async () => {
    const result = await replay([sample('waf-flood-logs.json'), '--offline']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/client-flood: Client 203\.0\.113\.7 sent 420 requests in 60 s .* — opens the incident/);
  });

  it('reads the decoded form of a log payload too', async () => {
    const { decodeLogPayload } = await import('../../lambdas/log-intake/decode-payload.js');
    const decoded = decodeLogPayload(JSON.parse(readFileSync(sample('waf-flood-logs.json'), 'utf8')));
    const file = writeTemp('decoded.json', JSON.stringify(decoded.kind === 'data' ? decoded.batch : {}));
    const result = await replay([file, '--offline', '--world', sample('waf-flood-logs.world.json'), '--json']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as ReplayReport;
    expect(report.input).toMatchObject({ kind: 'log-payload', summary: expect.stringContaining('decoded subscription data') });
    expect(report.decision?.params).toMatchObject({ cidr: '203.0.113.7/32' });
  });

  describe('a step that tries to change something', () => {
    async function withBuildContext(buildContext: PipelineSteps['buildContext']): Promise<ReplayDeps> {
      return {
        loadSteps: async () => {
          const { loadPipelineSteps } = await import('../../cli/replay/run-pipeline.js');
          return { ...(await loadPipelineSteps()), buildContext };
        },
      };
    }

    it('is refused before the call is sent; the replay stops with exit code 3 and names the call', async () => {
      const deps = await withBuildContext(async () => {
        // Through the project's own client factory, as a handler would.
        const { autoScaling } = await import('../../lambdas/shared/clients.js');
        const { SetDesiredCapacityCommand } = await import('@aws-sdk/client-auto-scaling');
        await autoScaling().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web', DesiredCapacity: 10 }));
        return {};
      });
      const result = await replay([sample('cpu-alarm-asg.json'), '--offline'], deps);

      expect(result.code).toBe(3);
      expect(result.err).toContain('refused: AutoScaling SetDesiredCapacity (in BuildContext) is not a read; nothing was sent');
      expect(result.out).toContain('REFUSED: BuildContext tried AutoScaling SetDesiredCapacity');
      expect(result.calls).toContainEqual({ service: 'AutoScaling', operation: 'SetDesiredCapacity', allowed: false });
      expect(result.world!.calls.map((call) => call.operation)).not.toContain('SetDesiredCapacity');
      expect(result.world!.groups.get('web')?.desiredCapacity).toBe(4);
    });

    it('is stopped even when the step swallows the refusal', async () => {
      const deps = await withBuildContext(async () => {
        const { documentClient } = await import('../../lambdas/shared/clients.js');
        const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
        await documentClient()
          .send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: { pk: 'x', sk: 'y' } }))
          .catch(() => undefined);
        throw new Error('carried on regardless');
      });
      const result = await replay([sample('cpu-alarm-asg.json'), '--offline', '--json'], deps);

      expect(result.code).toBe(3);
      expect((JSON.parse(result.out) as ReplayReport).refused).toEqual({ step: 'BuildContext', service: 'DynamoDB', operation: 'PutItem' });
    });

    it('is refused on a Kubernetes cluster too, and the cluster sees no write', async () => {
      const deps = await withBuildContext(async () => {
        const { eks } = await import('../../lambdas/shared/clients.js');
        const { KubeConnector } = await import('../../lambdas/shared/eks/kube-client.js');
        const apis = await new KubeConnector({ eks: eks(), clusters: [{ name: 'prod', namespaces: ['shop'] }] }).connect('prod', 'shop');
        await apis.core.patchNamespacedConfigMap({ namespace: 'shop', name: 'orders-config', body: { data: { DATABASE_URL: 'x' } } });
        return {};
      });
      const result = await replay([sample('eks-crashloop-alarm.json'), '--offline'], deps);

      expect(result.code).toBe(3);
      expect(result.err).toContain('refused: kubernetes CoreV1Api.patchNamespacedConfigMap (in BuildContext)');
      for (const api of result.kubeApis) expect(api.writes()).toEqual([]);
      expect(result.world!.configMapData('prod', 'shop', 'orders-config')).toEqual({ LOG_LEVEL: 'info' });
    });
  });

  describe('inputs it cannot replay', () => {
    it.each([
      ['not-json.json', '{ "version": "0", ', /is not JSON/],
      ['array.json', '[1, 2]', /holds an array, not an event/],
      ['unknown.json', '{ "hello": "world" }', /is none of what replay reads; expected a CloudWatch alarm state-change event/],
      ['corrupt-base64.json', '{ "awslogs": { "data": "not*base64!" } }', /not a usable CloudWatch Logs subscription payload: awslogs\.data is not valid base64/],
      ['not-gzip.json', `{ "awslogs": { "data": "${Buffer.from('plain text').toString('base64')}" } }`, /awslogs\.data is not gzip/],
      ['control.json', '{ "messageType": "CONTROL_MESSAGE", "logEvents": [] }', /CONTROL_MESSAGE: it carries no log lines/],
      ['bad-alarm.json', '{ "source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", "detail": {} }', /looks like a CloudWatch alarm state-change event but is not a valid one: .*account/],
      ['bad-incident.json', '{ "incidentId": "nope", "resource": {}, "signal": {} }', /looks like a captured incident but is not a valid one: incidentId/],
    ])('%s: exit code 2 and a clear error', async (name, content, message) => {
      const result = await replay([writeTemp(name, content), '--offline', '--world', sample('cpu-alarm-asg.world.json')]);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(message);
      expect(result.out).toBe('');
      expect(result.calls).toEqual([]);
    });

    it('says so when the event file does not exist', async () => {
      const result = await replay([path.join(temporary, 'missing.json'), '--offline']);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/cannot read the event file .*missing\.json: ENOENT/);
    });

    it('needs a world offline', async () => {
      const file = writeTemp('lonely.json', readFileSync(sample('cpu-alarm-asg.json'), 'utf8'));
      const result = await replay([file, '--offline']);
      expect(result.code).toBe(2);
      expect(result.err).toContain('an offline replay needs a world: --world FILE, or');
    });

    it('needs the deployed scope online', async () => {
      const result = await replay([sample('cpu-alarm-asg.json')], { hasCredentials: async () => true });
      expect(result.code).toBe(2);
      expect(result.err).toContain('an online replay needs --scope FILE');
    });

    it.each([
      [[], /missing EVENT\.json/],
      [['a.json', 'b.json'], /one event at a time, not 2/],
      [['a.json', '--colour'], /Unknown option '--colour'/],
    ])('rejects %j as bad usage', async (args, message) => {
      const result = await replay(args);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(message);
    });
  });

  it('replays offline when no credentials are found, and says so', async () => {
    const result = await replay([sample('cpu-alarm-asg.json'), '--json'], { hasCredentials: async () => false });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.out) as ReplayReport).notes).toContain('no AWS credentials found: replaying offline, against the simulated world');
  });

  it('replays offline when given a world, even with credentials at hand', async () => {
    const result = await replay([sample('cpu-alarm-asg.json'), '--world', sample('cpu-alarm-asg.world.json'), '--json'], { hasCredentials: async () => true });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.out) as ReplayReport).mode).toBe('offline');
  });

  it('online: reads the account with the deployed scope, the table and the model named, and leaves the environment as it was', async () => {
    const scopeFile = writeTemp('scope.json', JSON.stringify((JSON.parse(readFileSync(sample('cpu-alarm-asg.world.json'), 'utf8')) as { scope: unknown }).scope));
    const seen: Record<string, string | undefined>[] = [];
    const envBefore = { ...process.env };
    const context = {
      mode: 'auto',
      limits: { maxStep: 2, maxAttempts: 3, leaseSeconds: 1800, cooldownSeconds: 900, verifyAfterSeconds: 300, approvalTimeoutSeconds: 3600 },
      resource: { id: 'autoscaling-group/web', dependencies: [] },
      autoScalingGroup: { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4 },
      recentIncidents: [],
      gatheredAt: new Date().toISOString(),
      gaps: [],
    };
    const decision = { action: 'scaleOutAsg', params: { autoScalingGroupName: 'web', targetCapacity: 6 }, target: 'autoscaling-group/web', rationale: 'hot', confidence: 0.9, evidence: [], source: 'bedrock' };
    const result = await replay([sample('cpu-alarm-asg.json'), '--scope', scopeFile, '--table', 'prod-state', '--region', 'eu-west-1', '--model', 'my-model', '--json'], {
      hasCredentials: async () => true,
      loadSteps: async () => ({
        buildContext: async () => {
          const { isShadowMode } = await import('../../lambdas/shared/shadow-mode.js');
          seen.push({ shadow: String(isShadowMode()), region: process.env.AWS_REGION, table: process.env.TABLE_NAME, model: process.env.BEDROCK_MODEL_ID, scope: process.env.RESOURCE_SCOPE });
          return context;
        },
        decide: async () => decision,
        checkPolicy: async () => ({ allowed: true, autonomy: 'auto', checks: [], reasons: [], summary: 'allowed' }),
      }),
    });

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as ReplayReport;
    expect(report.mode).toBe('online');
    expect(report.notes).toContain('Bedrock model my-model decides (Converse only reads a model)');
    // Online, the event keeps its own times.
    expect(report.incident?.onsetAt).toBe('2025-06-03T14:21:09.512Z');
    expect(seen).toEqual([{ shadow: 'true', region: 'eu-west-1', table: 'prod-state', model: 'my-model', scope: expect.stringContaining('"web-cpu-high"') }]);
    expect(report.wouldDo?.calls).toContain('AutoScaling SetDesiredCapacity web 4 → 6 (HonorCooldown false)');
    const { isShadowMode } = await import('../../lambdas/shared/shadow-mode.js');
    expect(isShadowMode()).toBe(false);
    expect(process.env).toEqual(envBefore);
  });

  it('reports an event the intake would ignore, and runs nothing', async () => {
    const event = JSON.parse(readFileSync(sample('cpu-alarm-asg.json'), 'utf8')) as { detail: { alarmName: string } };
    event.detail.alarmName = 'someone-elses-alarm';
    const file = writeTemp('foreign-alarm.json', JSON.stringify(event));
    const result = await replay([file, '--offline', '--world', sample('cpu-alarm-asg.world.json')]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Intake: would ignore it — alarm someone-elses-alarm is not registered for any resource');
    expect(result.calls).toEqual([]);
  });

  it('prints its help', async () => {
    const result = await replay(['--help']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('self-heal replay EVENT.json --offline [--world FILE]');
    expect(result.out).toContain('Exit codes: 0 the replay ran');
  });
});
