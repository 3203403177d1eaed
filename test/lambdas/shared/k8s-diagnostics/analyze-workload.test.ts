import { describe, expect, it } from 'vitest';
import { analyzeWorkload, collectFindings } from '../../../../lambdas/shared/k8s-diagnostics/analyze-workload.js';
import { FindingSchema } from '../../../../lambdas/shared/k8s-diagnostics/finding.js';
import type { WorkloadSnapshot } from '../../../../lambdas/shared/k8s-diagnostics/snapshot.js';
import {
  configMap,
  crashLoopPod,
  deployment,
  endpoints,
  event,
  healthyPod,
  hpa,
  ingress,
  NEW_RS,
  node,
  ONSET,
  pvc,
  pythonKeyErrorLog,
  replicaSets,
  service,
  stuckStatus,
} from './fixtures.js';

const DB_URL = 'postgres://shop@orders-db.internal:5432/shop';
const crashing = [`${NEW_RS}-x2k4p`, `${NEW_RS}-k8j5d`, `${NEW_RS}-w1q9n`];

/** The incident: revision 5 of `web` lost DATABASE_URL; its three new pods crash, the rollout is stuck, and a node went away at 06:00. */
function incident(): WorkloadSnapshot {
  const lostNode = node('ip-10-0-3-77.eu-west-1.compute.internal', { Ready: 'Unknown' });
  lostNode.status!.conditions!.find((condition) => condition.type === 'Ready')!.lastTransitionTime = new Date('2026-03-14T06:00:00Z');
  return {
    deployments: [deployment({ status: stuckStatus, containers: [{ name: 'app', image: 'shop/web:2.4.0', envFrom: [{ configMapRef: { name: 'app-config' } }] }] })],
    replicaSets: replicaSets(),
    pods: [...crashing.map((name) => crashLoopPod(name)), healthyPod(`web-5c8d7f9a1-aaaaa`)],
    events: [
      ...crashing.map((name) => event('Pod', name, 'BackOff', 'Back-off restarting failed container app', { count: 12, first: '09:53' })),
      event('Ingress', 'shop', 'FailedDeployModel', 'Failed deploy model due to AccessDenied', { first: '07:10' }),
      event('Pod', 'web-5c8d7f9a1-aaaaa', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', { count: 2, first: '09:56' }),
    ],
    services: [service('web', { app: 'web' })],
    endpoints: [endpoints('web', ['10.0.1.57'])],
    ingresses: [ingress([{ service: 'web', port: 80 }])],
    pvcs: [pvc('uploads', 'Bound')],
    nodes: [node('ip-10-0-1-23.eu-west-1.compute.internal'), lostNode],
    hpas: [hpa(3, false)],
    jobs: [],
    cronJobs: [],
    configMaps: [configMap('app-config', { LOG_FORMAT: 'json' })],
    logs: { [`${crashing[1]}/app`]: pythonKeyErrorLog },
  };
}

describe('analyzeWorkload', () => {
  it('finds nothing in a healthy workload', () => {
    // Prepare
    const snapshot: WorkloadSnapshot = {
      deployments: [deployment()],
      replicaSets: replicaSets(),
      pods: [healthyPod()],
      events: [event('Pod', `${NEW_RS}-h7x2q`, 'Pulled', 'Successfully pulled image', { type: 'Normal' })],
      services: [service('web', { app: 'web' })],
      endpoints: [endpoints('web', ['10.0.1.57'])],
      ingresses: [ingress([{ service: 'web', port: 80 }])],
      pvcs: [pvc('uploads', 'Bound')],
      nodes: [node('ip-10-0-1-23.eu-west-1.compute.internal')],
      hpas: [hpa(3, false)],
      configMaps: [configMap('app-config', { DATABASE_URL: DB_URL })],
      logs: { [`${NEW_RS}-h7x2q/app`]: ['GET /healthz 200'] },
    };

    // Act
    const analysis = analyzeWorkload(snapshot, { targetDeployment: 'web', onsetAt: ONSET });

    // Assess
    expect(analysis).toEqual({ findings: [], total: 0, trimmed: 0, compacted: 0 });
  });

  it('puts the missing-variable diagnosis first, then ranks by severity and closeness to the onset', () => {
    // The stuck rollout (10:02) is closer to the 10:00 onset than the crash loop (09:53); the lost node (06:00) is critical.
    // Act
    const analysis = analyzeWorkload(incident(), {
      targetDeployment: { name: 'web', namespace: 'shop' },
      onsetAt: ONSET,
      candidates: { previousRevision: { DATABASE_URL: DB_URL } },
    });

    // Assess
    expect(analysis.findings.map((finding) => [finding.severity, finding.kind, finding.reason, finding.name])).toEqual([
      ['critical', 'Deployment', 'MissingEnvVar', 'web'],
      ['critical', 'Node', 'NodeNotReady', 'ip-10-0-3-77.eu-west-1.compute.internal'],
      ['high', 'Deployment', 'ProgressDeadlineExceeded', 'web'],
      ['high', 'Pod', 'CrashLoopBackOff', crashing[1]],
      ['low', 'Event', 'WarningEvent', 'Pod/web-5c8d7f9a1-aaaaa'],
      ['low', 'Event', 'WarningEvent', 'Ingress/shop'],
    ]);
    expect(analysis.findings[0]?.suggestion).toMatchObject({
      action: 'patchEksConfigMap',
      params: { namespace: 'shop', configMap: 'app-config', key: 'DATABASE_URL', value: DB_URL },
      followUp: { action: 'restartEksDeployment' },
    });
    expect(analysis).toMatchObject({ total: 6, trimmed: 0 });
    for (const finding of analysis.findings) expect(FindingSchema.parse(finding)).toEqual(finding);
  });

  it('folds the three crashing replicas into one finding, keeping the one with a log tail', () => {
    // Act
    const { findings } = analyzeWorkload(incident(), { onsetAt: ONSET });

    // Assess
    const crashes = findings.filter((finding) => finding.reason === 'CrashLoopBackOff');
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({
      name: crashing[1],
      evidence: { logTail: pythonKeyErrorLog, details: { affectedPods: '3', otherPods: `${crashing[0]},${crashing[2]}` } },
    });
  });

  it('leaves Warning events to the finding about their object', () => {
    // Act
    const all = collectFindings(incident());

    // Assess
    const events = all.filter((finding) => finding.reason === 'WarningEvent').map((finding) => finding.name);
    expect(events).toEqual(['Pod/web-5c8d7f9a1-aaaaa', 'Ingress/shop']);
  });

  it('runs the missing-variable diagnosis only for the target Deployment', () => {
    // Act
    const analysis = analyzeWorkload(incident(), { targetDeployment: 'checkout' });

    // Assess
    expect(analysis.findings.some((finding) => finding.reason === 'MissingEnvVar')).toBe(false);
  });

  it('trims to the finding budget and reports how many were left out', () => {
    // Act
    const analysis = analyzeWorkload(incident(), { onsetAt: ONSET, maxFindings: 2 });

    // Assess
    expect(analysis.findings.map((finding) => finding.reason)).toEqual(['MissingEnvVar', 'NodeNotReady']);
    expect(analysis).toMatchObject({ total: 6, trimmed: 4 });
  });

  it('fits the character budget by shortening evidence, then dropping the lowest-ranked findings', () => {
    // Act
    const roomy = analyzeWorkload(incident(), { onsetAt: ONSET });
    const tight = analyzeWorkload(incident(), { onsetAt: ONSET, maxChars: 2_000 });

    // Assess
    expect(JSON.stringify(roomy.findings).length).toBeLessThanOrEqual(6_000);
    expect(JSON.stringify(tight.findings).length).toBeLessThanOrEqual(2_000);
    expect(tight.findings[0]?.reason).toBe('MissingEnvVar');
    expect(tight.compacted).toBeGreaterThan(0);
    expect(tight.trimmed).toBe(tight.total - tight.findings.length);
    expect(tight.trimmed).toBeGreaterThan(0);
  });
});
