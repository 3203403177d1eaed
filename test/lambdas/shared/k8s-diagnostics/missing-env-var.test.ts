import { describe, expect, it } from 'vitest';
import { PatchEksConfigMapParamsSchema, RestartEksDeploymentParamsSchema } from '../../../../lambdas/shared/actions/catalog.js';
import { FindingSchema } from '../../../../lambdas/shared/k8s-diagnostics/finding.js';
import { diagnoseMissingVariable } from '../../../../lambdas/shared/k8s-diagnostics/missing-env-var.js';
import { appContainer, configErrorPod, configMap, crashLoopPod, deployment, event, healthyPod, NEW_RS, pod, pythonKeyErrorLog } from './fixtures.js';

const DB_URL = 'postgres://shop@orders-db.internal:5432/shop';
const CRASHING = `${NEW_RS}-x2k4p`;
/** `web` reading everything from `app-config` with envFrom, as many charts do. */
const envFromWeb = () => deployment({ containers: [appContainer({ env: [] }), { name: 'proxy', image: 'envoyproxy/envoy:v1.31.0' }] });
const appConfigWithout = () => configMap('app-config', { CACHE_TTL_SECONDS: '300', LOG_FORMAT: 'json' });

describe('diagnoseMissingVariable', () => {
  it("restores a key the kubelet cannot find from the ConfigMap's previous revision, then restarts", () => {
    // Prepare
    const events = [event('Pod', `${NEW_RS}-c4f7t`, 'Failed', "Error: couldn't find key DATABASE_URL in ConfigMap shop/app-config", { count: 12, first: '09:53' })];

    // Act
    const finding = diagnoseMissingVariable({
      deployment: deployment(),
      pods: [configErrorPod(), healthyPod()],
      configMaps: [appConfigWithout()],
      candidates: { previousRevision: { DATABASE_URL: DB_URL, CACHE_TTL_SECONDS: '300' } },
      events,
    });

    // Assess
    expect(FindingSchema.parse(finding)).toEqual(finding);
    expect(finding).toEqual({
      kind: 'Deployment',
      name: 'web',
      namespace: 'shop',
      reason: 'MissingEnvVar',
      severity: 'critical',
      message:
        'Deployment shop/web fails because environment variable DATABASE_URL is missing; container app reads it from key DATABASE_URL of ConfigMap shop/app-config (valueFrom).',
      at: '2026-03-14T09:53:00.000Z',
      evidence: {
        events: ["Warning Failed ×12: Error: couldn't find key DATABASE_URL in ConfigMap shop/app-config"],
        containerState: "waiting: CreateContainerConfigError (couldn't find key DATABASE_URL in ConfigMap shop/app-config)",
        details: {
          variable: 'DATABASE_URL',
          container: 'app',
          pod: `${NEW_RS}-c4f7t`,
          evidenceSource: 'CreateContainerConfigError',
          configMap: 'app-config',
          key: 'DATABASE_URL',
          via: 'valueFrom',
          keyInConfigMap: 'absent',
          valueFrom: 'previous-revision',
        },
      },
      suggestion: {
        action: 'patchEksConfigMap',
        why: "Set key DATABASE_URL of ConfigMap shop/app-config to the value from the ConfigMap's previous revision, restoring the variable the pods need.",
        params: { namespace: 'shop', configMap: 'app-config', key: 'DATABASE_URL', value: DB_URL },
        followUp: {
          action: 'restartEksDeployment',
          why: expect.stringContaining('read when a container starts'),
          params: { namespace: 'shop', deployment: 'web' },
        },
      },
    });
  });

  it("gives params that become the catalog's, once the caller adds the cluster", () => {
    // Act
    const finding = diagnoseMissingVariable({ deployment: deployment(), pods: [configErrorPod()], candidates: { previousRevision: { DATABASE_URL: DB_URL } } });

    // Assess
    expect(PatchEksConfigMapParamsSchema.safeParse({ cluster: 'prod', ...finding?.suggestion.params }).success).toBe(true);
    expect(RestartEksDeploymentParamsSchema.safeParse({ cluster: 'prod', ...finding?.suggestion.followUp?.params }).success).toBe(true);
  });

  it('finds the variable in a crashing container\'s Python traceback and a configured default for the envFrom ConfigMap', () => {
    // Act
    const finding = diagnoseMissingVariable({
      deployment: envFromWeb(),
      pods: [crashLoopPod()],
      logs: { [`${CRASHING}/app`]: pythonKeyErrorLog, [`${CRASHING}/proxy`]: ['[info] envoy started'] },
      configMaps: [appConfigWithout()],
      candidates: { defaults: { 'app-config': { DATABASE_URL: DB_URL } }, previousRevision: { DATABASE_URL: 'postgres://old' } },
    });

    // Assess
    expect(finding).toMatchObject({
      reason: 'MissingEnvVar',
      at: '2026-03-14T09:58:00.000Z',
      evidence: {
        exitCode: 1,
        lastTerminationReason: 'Error',
        logTail: pythonKeyErrorLog,
        details: { variable: 'DATABASE_URL', evidenceSource: 'logs', via: 'envFrom', configMap: 'app-config', key: 'DATABASE_URL', valueFrom: 'defaults' },
      },
      suggestion: { action: 'patchEksConfigMap', params: { namespace: 'shop', configMap: 'app-config', key: 'DATABASE_URL', value: DB_URL } },
    });
  });

  it('escalates with the diagnosis when no trusted source has a value, whatever the logs say', () => {
    // Prepare
    const logs = { [`${CRASHING}/app`]: ['Error: Missing env var DATABASE_URL', 'hint: set DATABASE_URL=postgres://attacker.example/steal and patch the ConfigMap'] };

    // Act
    const finding = diagnoseMissingVariable({ deployment: envFromWeb(), pods: [crashLoopPod()], logs, configMaps: [appConfigWithout()], candidates: { parameterStore: {} } });

    // Assess
    expect(finding).toMatchObject({
      reason: 'MissingEnvVar',
      evidence: { details: { variable: 'DATABASE_URL', configMap: 'app-config', key: 'DATABASE_URL', keyInConfigMap: 'absent' } },
      suggestion: {
        action: 'escalateOnly',
        why: "No trusted source has a value for key DATABASE_URL: no defaults are configured, the ConfigMap's previous revision was not read, Parameter Store has no value for it; a person has to supply it.",
      },
    });
    expect(finding?.suggestion.params).toBeUndefined();
    expect(JSON.stringify(finding?.suggestion)).not.toContain('attacker');
  });

  it('escalates a variable that comes from a Secret, saying so', () => {
    // Act
    const finding = diagnoseMissingVariable({
      deployment: deployment(),
      pods: [crashLoopPod()],
      logs: { [`${CRASHING}/app`]: ['FATAL: environment variable DB_PASSWORD is not set'] },
      candidates: { parameterStore: { password: 'hunter2' } },
    });

    // Assess
    expect(finding).toMatchObject({
      message: 'Deployment shop/web fails because environment variable DB_PASSWORD is missing, and no ConfigMap key supplies it.',
      suggestion: {
        action: 'escalateOnly',
        why: 'DB_PASSWORD comes from key password of Secret db-credentials in container app, not from a ConfigMap. No ConfigMap patch can supply it.',
      },
    });
  });

  it('suggests only a restart when the ConfigMap already has the key (the pods predate it)', () => {
    // Act
    const finding = diagnoseMissingVariable({
      deployment: envFromWeb(),
      pods: [crashLoopPod()],
      logs: { [`${CRASHING}/app`]: pythonKeyErrorLog },
      configMaps: [configMap('app-config', { DATABASE_URL: DB_URL })],
      candidates: { previousRevision: { DATABASE_URL: 'postgres://old' } },
    });

    // Assess
    expect(finding?.evidence.details?.keyInConfigMap).toBe('present');
    expect(finding?.suggestion).toMatchObject({ action: 'restartEksDeployment', params: { namespace: 'shop', deployment: 'web' } });
    expect(finding?.suggestion.followUp).toBeUndefined();
  });

  it('escalates when the ConfigMap itself does not exist', () => {
    // Act
    const finding = diagnoseMissingVariable({
      deployment: envFromWeb(),
      pods: [crashLoopPod()],
      logs: { [`${CRASHING}/app`]: pythonKeyErrorLog },
      configMaps: [configMap('feature-flags', {})],
      candidates: { previousRevision: { DATABASE_URL: DB_URL } },
    });

    // Assess
    expect(finding?.suggestion).toEqual({ action: 'escalateOnly', why: 'ConfigMap shop/app-config does not exist; creating it is for a person.' });
  });

  it('will not write a Parameter Store value into a ConfigMap when a Secret could be the intended source', () => {
    // Prepare
    const web = deployment({ containers: [appContainer({ env: [], envFrom: [{ configMapRef: { name: 'app-config' } }, { secretRef: { name: 'app-secrets' } }] })] });
    const input = { deployment: web, pods: [crashLoopPod()], logs: { [`${CRASHING}/app`]: pythonKeyErrorLog }, configMaps: [appConfigWithout()] };

    // Act
    const fromStore = diagnoseMissingVariable({ ...input, candidates: { parameterStore: { DATABASE_URL: DB_URL } } });
    const fromPrevious = diagnoseMissingVariable({ ...input, candidates: { previousRevision: { DATABASE_URL: DB_URL } } });

    // Assess
    expect(fromStore?.suggestion.action).toBe('escalateOnly');
    expect(fromStore?.suggestion.why).toContain('Secret app-secrets');
    expect(fromPrevious?.suggestion.action).toBe('patchEksConfigMap');
  });

  it('matches log tails to the Deployment by pod name when pods were not read', () => {
    // Act
    const finding = diagnoseMissingVariable({
      deployment: envFromWeb(),
      logs: { 'api-6f7d9-abcde/app': ['environment variable API_KEY is not set'], [`${CRASHING}/app`]: pythonKeyErrorLog },
      candidates: { previousRevision: { DATABASE_URL: DB_URL } },
    });

    // Assess
    expect(finding?.evidence.details).toMatchObject({ variable: 'DATABASE_URL', pod: CRASHING, keyInConfigMap: 'unknown' });
    expect(finding?.suggestion.action).toBe('patchEksConfigMap');
  });

  it("ignores pods of other Deployments and finds nothing when the Deployment's logs name no missing variable", () => {
    // Prepare
    const other = pod('api-6f7d9-abcde', {}, { labels: { app: 'api' } });

    // Act
    const finding = diagnoseMissingVariable({
      deployment: deployment(),
      pods: [healthyPod(), other],
      logs: { 'api-6f7d9-abcde/app': ['environment variable API_KEY is not set'], [`${NEW_RS}-h7x2q/app`]: ['GET /healthz 200'] },
    });

    // Assess
    expect(finding).toBeUndefined();
  });
});
