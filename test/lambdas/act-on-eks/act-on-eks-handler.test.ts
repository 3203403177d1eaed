import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as ActOnEksHandler } from '../../../lambdas/act-on-eks/index.js';
import type { ActionResult, UndoResult } from '../../../lambdas/shared/actions/action-step.js';
import type { Decision } from '../../../lambdas/shared/workflow.js';
// The fake Kubernetes API moved from test/support/ to local/ (the simulated world's clusters use it too).
import { type FakeKubeApi, seedDeploymentHistory, startFakeKubeApi } from '../../../local/fake-kube-api.js';
import { loopbackTls } from '../../../local/loopback-tls.js';
import { scopeWith, testEksIncident, testEksResource } from '../../support/fixtures.js';
import { useLocalTables } from '../../support/local-tables.js';
import { EXECUTION_ARN, invoke, rejectionOf } from '../harness.js';

/**
 * The act-on-eks handler end to end: the real executors and the production
 * Kubernetes client (TLS verified against the cluster CA, an IAM bearer
 * token), a fake API server on loopback, EKS DescribeCluster mocked, and the
 * attempt records and safety ledger in dynalite.
 */
describe('act-on-eks handler', () => {
  const tables = useLocalTables('eks');
  const eks = mockClient(EKSClient);
  const tls = loopbackTls();
  let fake: FakeKubeApi;
  let table: string;
  let handler: typeof ActOnEksHandler;

  beforeAll(async () => {
    // Only a request carrying an EKS bearer token gets in, as on a real cluster.
    fake = await startFakeKubeApi({ tls: { cert: tls.certPem, key: tls.keyPem }, authenticate: (authorization) => authorization?.startsWith('Bearer k8s-aws-v1.') === true });
    table = await tables.freshTable();
    Object.assign(process.env, {
      TABLE_NAME: table,
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
      RESOURCE_SCOPE: JSON.stringify(scopeWith([testEksResource()], { allowedNamespaces: ['shop'] })),
    });
    ({ handler } = await import('../../../lambdas/act-on-eks/index.js'));
  });
  afterAll(async () => {
    eks.restore();
    await fake.stop();
  });

  let n = 0;
  let incidentId: string;
  beforeEach(() => {
    n += 1;
    incidentId = `inc-${String(n).padStart(20, 'e')}`;
    fake.reset();
    eks.reset();
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod', endpoint: fake.url, certificateAuthority: { data: Buffer.from(tls.caPem).toString('base64') }, status: 'ACTIVE' },
    });
  });

  const seedCheckout = (annotations: Record<string, string> = {}) =>
    seedDeploymentHistory(fake, { namespace: 'shop', name: 'checkout', images: ['checkout:1', 'checkout:2'], annotations });
  const liveImage = () => fake.get('deployments', 'shop', 'checkout')!.spec.template.spec.containers[0].image as string;

  function decision(action: Decision['action'], params: Record<string, unknown>, target: string): Decision {
    return { action, params, target, rationale: 'errors began with the rollout of checkout:2', confidence: 0.9, evidence: [], source: 'runbook' };
  }
  const rollback = (namespace = 'shop') =>
    decision('rollbackEksDeployment', { cluster: 'prod', namespace, deployment: 'checkout' }, `eks-deployment/prod/${namespace}/checkout`);
  const patch = () =>
    decision(
      'patchEksConfigMap',
      { cluster: 'prod', namespace: 'shop', configMap: 'checkout-config', key: 'DB_POOL_SIZE', value: '20', restartDeployment: 'checkout' },
      'eks-configmap/prod/shop/checkout-config',
    );
  const applyEvent = (plan: Decision) => ({ operation: 'apply', incident: testEksIncident({ incidentId }), attempt: 1, decision: plan, executionId: EXECUTION_ARN });
  const undoEvent = (plan: Decision, action: ActionResult) => ({ ...applyEvent(plan), operation: 'undo', action, reason: 'not recovered' });

  const attemptRecord = async () =>
    (await tables.client.send(new GetCommand({ TableName: table, Key: { pk: `INCIDENT#${incidentId}`, sk: 'ATTEMPT#0001' }, ConsistentRead: true }))).Item;
  const ledgerEntry = async () =>
    (
      await tables.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': 'RESOURCE#eks-deployment/prod/shop/checkout', ':sk': `ACTION#${incidentId}#0001` },
          ConsistentRead: true,
        }),
      )
    ).Items?.[0];

  it('records the before-state and a pending ledger entry, then rolls back over TLS with a bearer token', async () => {
    // Prepare
    const { deployment } = seedCheckout();

    // Act
    const result = (await invoke(handler, applyEvent(rollback()))) as ActionResult;

    // Assess
    expect(liveImage()).toBe('checkout:1');
    expect(fake.requests.every((request) => request.authorization?.startsWith('Bearer k8s-aws-v1.'))).toBe(true);
    expect(eks.commandCalls(DescribeClusterCommand)[0]!.args[0].input).toEqual({ name: 'prod' });
    expect(result).toMatchObject({
      attempt: 1,
      action: 'rollbackEksDeployment',
      target: 'eks-deployment/prod/shop/checkout',
      changed: true,
      undoable: true,
      summary: 'rolled shop/checkout back from revision 2 to 1 (checkout=checkout:1)',
      before: { uid: deployment.metadata.uid, resourceVersion: deployment.metadata.resourceVersion, revision: 2, images: [{ container: 'checkout', image: 'checkout:2' }] },
      applied: { fromRevision: 2, toRevision: 1, alreadyApplied: false },
    });
    expect(await attemptRecord()).toMatchObject({
      type: 'attempt',
      action: 'rollbackEksDeployment',
      executionId: EXECUTION_ARN,
      params: { cluster: 'prod', namespace: 'shop', deployment: 'checkout' },
      before: { resourceVersion: deployment.metadata.resourceVersion, revision: 2, rollbackTo: { toRevision: 1 } },
    });
    expect(await ledgerEntry()).toMatchObject({ action: 'rollbackEksDeployment', target: 'eks-deployment/prod/shop/checkout', result: 'pending' });
  });

  it('has the before-state on record even when the change then fails', async () => {
    // Prepare: someone deploys checkout:3 just as the rollback writes
    seedCheckout();
    fake.beforeNextWrite(() => {
      fake.update('deployments', 'shop', 'checkout', (object) => {
        object.spec.template.spec.containers[0].image = 'checkout:3';
      });
    });

    // Act
    const error = await rejectionOf(invoke(handler, applyEvent(rollback())));

    // Assess
    expect(error.name).toBe('StalePlanError');
    expect(liveImage()).toBe('checkout:3');
    expect(await attemptRecord()).toMatchObject({ action: 'rollbackEksDeployment', before: { revision: 2, images: [{ container: 'checkout', image: 'checkout:2' }] } });
    expect(await ledgerEntry()).toMatchObject({ result: 'pending' });
  });

  it("undo rolls forward to the recorded template and marks the attempt 'undone'", async () => {
    // Prepare
    seedCheckout();
    const applied = (await invoke(handler, applyEvent(rollback()))) as ActionResult;

    // Act
    const undone = (await invoke(handler, undoEvent(rollback(), applied))) as UndoResult;

    // Assess
    expect(liveImage()).toBe('checkout:2');
    expect(undone).toMatchObject({
      action: 'rollbackEksDeployment',
      target: 'eks-deployment/prod/shop/checkout',
      undone: true,
      summary: 'rolled forward to the revision live before the rollback (checkout=checkout:2)',
    });
    expect(await ledgerEntry()).toMatchObject({ result: 'undone' });
  });

  it('patches the ConfigMap and restarts the Deployment; undo removes the key again and restarts', async () => {
    // Prepare
    seedCheckout();
    fake.seed('configmaps', { metadata: { name: 'checkout-config', namespace: 'shop' }, data: { OTHER: 'x' } });

    // Act
    const applied = (await invoke(handler, applyEvent(patch()))) as ActionResult;

    // Assess
    expect(fake.get('configmaps', 'shop', 'checkout-config')!.data).toEqual({ OTHER: 'x', DB_POOL_SIZE: '20' });
    expect(applied).toMatchObject({
      action: 'patchEksConfigMap',
      target: 'eks-configmap/prod/shop/checkout-config',
      changed: true,
      summary: 'set DB_POOL_SIZE in ConfigMap shop/checkout-config (was absent), then restarted checkout',
      before: { configMap: { previous: { present: false } }, deployment: { deployment: 'checkout' } },
    });
    expect(await attemptRecord()).toMatchObject({ before: { configMap: { key: 'DB_POOL_SIZE', previous: { present: false } } } });

    // Act
    const undone = (await invoke(handler, undoEvent(patch(), applied))) as UndoResult;

    // Assess
    expect(fake.get('configmaps', 'shop', 'checkout-config')!.data).toEqual({ OTHER: 'x' });
    expect(undone).toMatchObject({ undone: true, summary: 'restored key DB_POOL_SIZE (key removed) and restarted the Deployment' });
    expect(await ledgerEntry()).toMatchObject({ result: 'undone' });
  });

  it('refuses a GitOps-managed Deployment with GitOpsManagedError and writes nothing, in the cluster or the table', async () => {
    // Prepare
    seedCheckout({ 'argocd.argoproj.io/tracking-id': 'shop-checkout:apps/Deployment:shop/checkout' });

    // Act
    const error = await rejectionOf(invoke(handler, applyEvent(rollback())));

    // Assess
    expect(error.name).toBe('GitOpsManagedError');
    expect(error.message).toContain('Argo CD');
    expect(fake.writes()).toEqual([]);
    expect(await attemptRecord()).toBeUndefined();
    expect(await ledgerEntry()).toBeUndefined();
  });

  it('refuses a namespace outside the allowlist without any call', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, applyEvent(rollback('kube-system'))));

    // Assess
    expect(error.name).toBe('OutOfScopeError');
    // The handler's own target check refuses it before the executor's allowlist would.
    expect(error.message).toContain('eks-deployment/prod/kube-system/');
    expect(eks.calls()).toHaveLength(0);
    expect(fake.requests).toEqual([]);
    expect(await attemptRecord()).toBeUndefined();
  });

  it('refuses a cluster that no registered Deployment runs on without any call', async () => {
    // Act
    const plan = decision('restartEksDeployment', { cluster: 'staging', namespace: 'shop', deployment: 'checkout' }, 'eks-deployment/staging/shop/checkout');
    const error = await rejectionOf(invoke(handler, applyEvent(plan)));

    // Assess
    expect(error.name).toBe('OutOfScopeError');
    expect(eks.calls()).toHaveLength(0);
    expect(fake.requests).toEqual([]);
  });

  it('refuses a plan that is not an EKS action as MalformedEventError, without any call', async () => {
    // Act
    const plan = decision('scaleOutAsg', { autoScalingGroupName: 'web', targetCapacity: 6 }, 'autoscaling-group/web');
    const error = await rejectionOf(invoke(handler, applyEvent(plan)));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toContain('not scaleOutAsg');
    expect(eks.calls()).toHaveLength(0);
    expect(fake.requests).toEqual([]);
  });
});
