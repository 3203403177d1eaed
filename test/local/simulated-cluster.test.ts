import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetNotFoundError } from '../../lambdas/shared/errors.js';
import { PatchEksConfigMapExecutor } from '../../lambdas/shared/eks/configmap-executor.js';
import { RestartEksDeploymentExecutor, RollbackEksDeploymentExecutor } from '../../lambdas/shared/eks/deployment-executors.js';
import { KubeAccessDeniedError } from '../../lambdas/shared/eks/eks-errors.js';
import { buildKubeConfig, callKube, eksKubeApis, KubeConnector, kubeApisFrom } from '../../lambdas/shared/eks/kube-client.js';
import { loopbackTls } from '../../local/loopback-tls.js';
import { SimulatedWorld, type WorldConfig, WorldSchema } from '../../local/simulated-world.js';

/**
 * The EKS part of the simulated world, driven through the production path:
 * `KubeConnector` with its defaults (EKS DescribeCluster, an IAM bearer
 * token presigned with the credentials in the environment, `eksKubeApis`
 * verifying TLS against the cluster CA) and the real executors.
 */

const LOG_GROUP = '/aws/containerinsights/prod/application';
const declared = [{ name: 'prod', namespaces: ['shop'] }];
const deps = () => ({ eks: new EKSClient({ region: 'us-east-1' }), clusters: declared });
const applyContext = (incidentId: string) => ({ incidentId, attempt: 1, reason: 'the pods crash-loop', now: new Date() });

function eksWorld(cluster: Record<string, unknown>, alarms: unknown[] = [{ name: 'web-pods-failing', source: 'deployment', cluster: 'prod', namespace: 'shop', deployment: 'web' }]): WorldConfig {
  return WorldSchema.parse({ autoScalingGroups: [], alarms, clusters: [{ name: 'prod', logGroupName: LOG_GROUP, ...cluster }] });
}

/** A release of web:2.4 that panics; revision 1 ran web:2.3 fine. */
const brokenDeploy = {
  brokenImages: ['shop/web:2.4'],
  deployments: [{ namespace: 'shop', name: 'web', image: 'shop/web:2.4', history: [{ image: 'shop/web:2.3' }], replicas: 3 }],
};

/** web:2.5 needs DATABASE_URL, which the ConfigMap lacks. */
const missingKey = {
  configMaps: [{ namespace: 'shop', name: 'web-config', data: { LOG_LEVEL: 'info' } }],
  deployments: [
    {
      namespace: 'shop',
      name: 'web',
      image: 'shop/web:2.5',
      env: [{ name: 'DATABASE_URL', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'DATABASE_URL' } } }],
      envFrom: [{ configMapRef: { name: 'web-config' } }],
      history: [{ image: 'shop/web:2.4', envFrom: [{ configMapRef: { name: 'web-config' } }] }],
    },
  ],
};

async function readLogs(filterPattern?: string): Promise<string[]> {
  const page = await new CloudWatchLogsClient({ region: 'us-east-1' }).send(
    new FilterLogEventsCommand({ logGroupName: LOG_GROUP, startTime: Date.now() - 3_600_000, ...(filterPattern ? { filterPattern } : {}) }),
  );
  return (page.events ?? []).map((event) => event.message ?? '');
}

const transitions = (world: SimulatedWorld, alarm: string) => world.alarmHistory(alarm).map(({ from, to }) => `${from}→${to}`);

describe('simulated EKS cluster', () => {
  let world: SimulatedWorld | undefined;
  const start = async (config: WorldConfig): Promise<SimulatedWorld> => {
    world = new SimulatedWorld(config);
    await world.start();
    world.install(() => undefined);
    return world;
  };
  afterEach(async () => {
    world?.uninstall();
    await world?.stop();
    world = undefined;
  });

  it('is CREATING with no endpoint until the world starts, then ACTIVE behind https with its own CA', async () => {
    // Prepare
    world = new SimulatedWorld(eksWorld(brokenDeploy));
    world.install(() => undefined);
    const eks = new EKSClient({ region: 'us-east-1' });

    // Act
    const before = await eks.send(new DescribeClusterCommand({ name: 'prod' }));
    const refused = await new KubeConnector(deps()).connect('prod', 'shop').catch((error: unknown) => error);
    await world.start();
    const after = await eks.send(new DescribeClusterCommand({ name: 'prod' }));
    const unknown = await eks.send(new DescribeClusterCommand({ name: 'staging' })).catch((error: unknown) => error);

    // Assess
    expect(before.cluster).toMatchObject({ name: 'prod', status: 'CREATING' });
    expect(before.cluster?.endpoint).toBeUndefined();
    expect(refused).toBeInstanceOf(TargetNotFoundError);
    expect(after.cluster).toMatchObject({
      name: 'prod',
      arn: 'arn:aws:eks:us-east-1:123456789012:cluster/prod',
      status: 'ACTIVE',
      version: '1.31',
      endpoint: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(Buffer.from(after.cluster?.certificateAuthority?.data ?? '', 'base64').toString('utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
  });

  it('lets the production connector in: DescribeCluster, a presigned EKS token from the environment\'s credentials, TLS verified against the CA', async () => {
    // Prepare
    const sim = await start(eksWorld(brokenDeploy));

    // Act
    const apis = await new KubeConnector(deps()).connect('prod', 'shop');
    const deployment = await apis.apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    const described = await new EKSClient({ region: 'us-east-1' }).send(new DescribeClusterCommand({ name: 'prod' }));
    const wrongToken = eksKubeApis({ name: 'prod', endpoint: described.cluster!.endpoint!, certificateAuthority: described.cluster!.certificateAuthority!.data!, token: 'not-an-eks-token' });
    const unauthorized = await callKube('read web', () => wrongToken.apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })).catch((error: unknown) => error);
    // Another cluster's CA: the server's certificate does not chain to it.
    const otherCa = kubeApisFrom(
      buildKubeConfig({ name: 'prod', server: described.cluster!.endpoint!, caData: Buffer.from(loopbackTls().caPem).toString('base64'), token: 't' }),
    );
    const untrusted = await otherCa.apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' }).catch((error: unknown) => error);

    // Assess
    expect(deployment.spec?.template?.spec?.containers?.[0]?.image).toBe('shop/web:2.4');
    expect(sim.cluster('prod').api.requests[0]?.authorization).toMatch(/^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    expect(unauthorized).toBeInstanceOf(KubeAccessDeniedError);
    expect(String((untrusted as Error).message)).toMatch(/certificate/);
    expect(sim.calls.filter((call) => call.operation === 'DescribeCluster')).toHaveLength(2);
  });

  it('crash-loops the pods of a broken image: the deployment alarm is in ALARM, the pods and the log group show why', async () => {
    // Prepare
    const sim = await start(eksWorld(brokenDeploy));
    const apis = await new KubeConnector(deps()).connect('prod', 'shop');

    // Act
    const pods = await apis.core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web' });
    const deployment = await apis.apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    const alarm = (await new CloudWatchClient({ region: 'us-east-1' }).send(new DescribeAlarmsCommand({ AlarmNames: ['web-pods-failing'] }))).MetricAlarms?.[0];
    const lines = await readLogs('?ERROR ?Error ?error ?Exception ?refused ?timeout ?OOM ?Killed ?BackOff');

    // Assess
    expect(sim.alarmState('web-pods-failing')).toBe('ALARM');
    expect(alarm).toMatchObject({
      StateValue: 'ALARM',
      MetricName: 'pod_number_of_container_restarts',
      Namespace: 'ContainerInsights',
      Threshold: 0,
      Dimensions: [
        { Name: 'ClusterName', Value: 'prod' },
        { Name: 'Namespace', Value: 'shop' },
        { Name: 'PodName', Value: 'web' },
      ],
    });
    expect(pods.items).toHaveLength(3);
    for (const pod of pods.items) {
      const status = pod.status?.containerStatuses?.[0];
      expect(status?.state?.waiting?.reason).toBe('CrashLoopBackOff');
      expect(status?.ready).toBe(false);
      expect(status?.restartCount).toBe(5);
      expect(status?.lastState?.terminated?.exitCode).toBe(1);
      expect(pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('False');
    }
    expect(deployment.status).toMatchObject({ replicas: 3, unavailableReplicas: 3 });
    expect(deployment.status?.conditions?.find((condition) => condition.type === 'Progressing')?.reason).toBe('ProgressDeadlineExceeded');
    // Three pods, six crashes each in ten minutes (after 0, 10, 30, 70, 150 and 310 s).
    expect(lines.filter((line) => line.startsWith('panic:'))).toHaveLength(18);
    expect(new Set(lines)).toEqual(new Set(['panic: dial tcp 10.0.3.17:5432: connect: connection refused']));
  });

  it('heals the broken image by the real RollbackEksDeploymentExecutor: revision 1\'s ReplicaSet comes back, pods run, the alarm goes ALARM→OK', async () => {
    // Prepare
    const sim = await start(eksWorld(brokenDeploy));
    const rollback = new RollbackEksDeploymentExecutor(deps());
    const params = { cluster: 'prod', namespace: 'shop', deployment: 'web' };

    // Act
    const before = await rollback.readBefore(params);
    const applied = await rollback.apply(params, before, applyContext('inc-rollback'));

    // Assess
    expect(before.rollbackTo).toMatchObject({ fromRevision: 2, toRevision: 1, images: [{ container: 'web', image: 'shop/web:2.3' }] });
    expect(before.pods).toEqual({ total: 3, ready: 0 });
    expect(applied).toMatchObject({ fromRevision: 2, toRevision: 1, alreadyApplied: false });
    expect(sim.deploymentImage('prod', 'shop', 'web')).toBe('shop/web:2.3');
    expect(sim.alarmState('web-pods-failing')).toBe('OK');
    expect(transitions(sim, 'web-pods-failing')).toEqual(['INSUFFICIENT_DATA→ALARM', 'ALARM→OK']);
    const api = sim.cluster('prod').api;
    const deployment = api.get('deployments', 'shop', 'web')!;
    // The rolled-back template's ReplicaSet is reused and renumbered, as the controller does.
    expect(deployment.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(deployment.status).toMatchObject({ observedGeneration: deployment.metadata.generation, readyReplicas: 3, availableReplicas: 3 });
    expect(api.list('replicasets', 'shop').map((replicaSet) => [replicaSet.spec.template.spec.containers[0].image, replicaSet.spec.replicas])).toEqual(
      expect.arrayContaining([
        ['shop/web:2.3', 3],
        ['shop/web:2.4', 0],
      ]),
    );
    const pods = sim.pods('prod', 'shop');
    expect(pods).toHaveLength(3);
    expect(pods.every((pod) => pod.status.phase === 'Running' && pod.status.containerStatuses[0].ready === true && pod.spec.containers[0].image === 'shop/web:2.3')).toBe(true);
    expect(await readLogs('?refused')).toEqual([]);
    expect(await readLogs()).toEqual(Array(3).fill('web listening on :8080'));
  });

  it('crash-loops on a missing ConfigMap key; a patch alone heals nothing, the restart after it does', async () => {
    // Prepare
    const sim = await start(eksWorld(missingKey));
    const connector = { ...deps() };
    const patch = new PatchEksConfigMapExecutor(connector);
    const restart = new RestartEksDeploymentExecutor(connector);
    const patchParams = { cluster: 'prod', namespace: 'shop', configMap: 'web-config', key: 'DATABASE_URL', value: 'postgres://db.shop.internal:5432/shop' };
    const deploymentParams = { cluster: 'prod', namespace: 'shop', deployment: 'web' };
    const errorsBefore = await readLogs('?Error');

    // Act
    await patch.apply(patchParams, await patch.readBefore(patchParams), applyContext('inc-config'));
    const afterPatch = sim.alarmState('web-pods-failing');
    const podsAfterPatch = sim.pods('prod', 'shop');
    await restart.apply(deploymentParams, await restart.readBefore(deploymentParams), applyContext('inc-config'));

    // Assess
    expect(errorsBefore).toContain('Error: environment variable DATABASE_URL is not set');
    expect(afterPatch).toBe('ALARM');
    expect(podsAfterPatch.every((pod) => pod.status.containerStatuses[0].state.waiting?.reason === 'CrashLoopBackOff')).toBe(true);
    expect(sim.configMapData('prod', 'shop', 'web-config')).toEqual({ LOG_LEVEL: 'info', DATABASE_URL: 'postgres://db.shop.internal:5432/shop' });
    expect(sim.alarmState('web-pods-failing')).toBe('OK');
    expect(transitions(sim, 'web-pods-failing')).toEqual(['INSUFFICIENT_DATA→ALARM', 'ALARM→OK']);
    expect(sim.deploymentImage('prod', 'shop', 'web')).toBe('shop/web:2.5');
    expect(sim.pods('prod', 'shop').every((pod) => pod.status.containerStatuses[0].ready === true)).toBe(true);
    expect(await readLogs('?Error')).toEqual([]);
    const history = await new CloudWatchClient({ region: 'us-east-1' }).send(new DescribeAlarmHistoryCommand({ AlarmName: 'web-pods-failing', ScanBy: 'TimestampAscending' }));
    expect(history.AlarmHistoryItems?.map((item) => item.HistorySummary)).toEqual(['Alarm updated from INSUFFICIENT_DATA to ALARM', 'Alarm updated from ALARM to OK']);
  });

  it('needs the keys an image requires through envFrom, and cannot create the container without its ConfigMap', async () => {
    // Prepare
    const sim = await start(
      eksWorld(
        {
          configMaps: [{ namespace: 'shop', name: 'api-config', data: { LOG_LEVEL: 'info' } }],
          deployments: [
            { namespace: 'shop', name: 'api', image: 'shop/api:7', envFrom: [{ configMapRef: { name: 'api-config' } }], requiredKeys: ['REDIS_URL'] },
            { namespace: 'shop', name: 'worker', image: 'shop/worker:3', envFrom: [{ configMapRef: { name: 'worker-config' } }], replicas: 1 },
          ],
        },
        [
          { name: 'api-pods-failing', source: 'deployment', cluster: 'prod', namespace: 'shop', deployment: 'api' },
          { name: 'worker-pods-failing', source: 'deployment', cluster: 'prod', namespace: 'shop', deployment: 'worker' },
        ],
      ),
    );

    // Act
    const api = sim.deploymentHealth('prod', 'shop', 'api');
    const worker = sim.pods('prod', 'shop').find((pod) => pod.metadata.labels.app === 'worker');
    const lines = await readLogs();

    // Assess
    expect(api).toMatchObject({ healthy: false, reason: 'CrashLoopBackOff', message: 'environment variable REDIS_URL is not set' });
    expect(worker?.status).toMatchObject({ phase: 'Pending', containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "worker-config" not found' } } }] });
    expect([sim.alarmState('api-pods-failing'), sim.alarmState('worker-pods-failing')]).toEqual(['ALARM', 'ALARM']);
    expect(lines).toContain('Error: environment variable REDIS_URL is not set');
    expect(lines.some((line) => line.includes('worker'))).toBe(false);
  });

  it('serves the deployment alarm\'s restarts metric from the rollout on, and keeps the objects readable after the world stops', async () => {
    // Prepare
    const sim = await start(eksWorld(brokenDeploy));
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);

    // Act
    const result = await new CloudWatchClient({ region: 'us-east-1' }).send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 15 * 60_000),
        EndTime: end,
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          {
            Id: 'restarts',
            MetricStat: {
              Metric: {
                Namespace: 'ContainerInsights',
                MetricName: 'pod_number_of_container_restarts',
                Dimensions: [
                  { Name: 'ClusterName', Value: 'prod' },
                  { Name: 'Namespace', Value: 'shop' },
                  { Name: 'PodName', Value: 'web' },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    sim.uninstall();
    await sim.stop();

    // Assess
    const values = result.MetricDataResults?.[0]?.Values ?? [];
    expect(values).toHaveLength(15);
    expect(values.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(values.slice(-5).every((value) => value >= 3)).toBe(true);
    expect(sim.deploymentImage('prod', 'shop', 'web')).toBe('shop/web:2.4');
    expect(sim.pods('prod', 'shop')).toHaveLength(3);
  });
});
