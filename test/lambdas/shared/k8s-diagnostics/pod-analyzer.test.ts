import { describe, expect, it } from 'vitest';
import { FindingSchema } from '../../../../lambdas/shared/k8s-diagnostics/finding.js';
import { analyzePods } from '../../../../lambdas/shared/k8s-diagnostics/pod-analyzer.js';
import {
  completedPod,
  configErrorPod,
  crashLoopPod,
  deployment,
  event,
  healthyPod,
  imagePullPod,
  NEW_RS,
  OLD_RS,
  oomPod,
  pendingPod,
  pod,
  pythonKeyErrorLog,
  recoveredOomPod,
  replicaSets,
} from './fixtures.js';

const related = { deployments: [deployment()], replicaSets: replicaSets() };

describe('analyzePods', () => {
  it('finds nothing wrong with running, ready and completed pods', () => {
    // Act
    const findings = analyzePods([healthyPod(), completedPod()], related);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports CrashLoopBackOff with the last exit code, the Warning events and the previous log tail, and suggests rolling back the newest revision', () => {
    // Prepare
    const name = `${NEW_RS}-x2k4p`;
    const events = [
      event('Pod', name, 'BackOff', 'Back-off restarting failed container app in pod', { count: 14, first: '09:53', last: '09:59' }),
      event('Pod', name, 'Pulled', 'Successfully pulled image', { type: 'Normal', first: '09:52' }),
    ];

    // Act
    const [finding, ...rest] = analyzePods([crashLoopPod()], { ...related, events, logs: { [`${name}/app`]: pythonKeyErrorLog } });

    // Assess
    expect(rest).toEqual([]);
    expect(FindingSchema.parse(finding)).toEqual(finding);
    expect(finding).toMatchObject({
      kind: 'Pod',
      name,
      namespace: 'shop',
      reason: 'CrashLoopBackOff',
      severity: 'high',
      message: `Container app of pod shop/${name} is in CrashLoopBackOff after 6 restarts; it last exited with code 1 (Error).`,
      at: '2026-03-14T09:53:00.000Z',
      evidence: {
        events: ['Warning BackOff ×14: Back-off restarting failed container app in pod'],
        exitCode: 1,
        lastTerminationReason: 'Error',
        logTail: pythonKeyErrorLog,
        details: { container: 'app', replicaSet: NEW_RS, deployment: 'web', revision: '5', restarts: '6' },
      },
      suggestion: { action: 'rollbackEksDeployment', params: { namespace: 'shop', deployment: 'web' } },
    });
    expect(finding?.evidence.containerState).toMatch(/^waiting: CrashLoopBackOff \(back-off 2m40s/);
    expect(finding?.suggestion.why).toContain('revision 4');
  });

  it('dates a crash loop by the last termination when there are no events', () => {
    // Act
    const [finding] = analyzePods([crashLoopPod()], related);

    // Assess
    expect(finding?.at).toBe('2026-03-14T09:58:00.000Z');
    expect(finding?.evidence.events).toBeUndefined();
    expect(finding?.evidence.logTail).toBeUndefined();
  });

  it('escalates a crash loop in an old revision: rolling back would not reach it', () => {
    // Prepare
    const old = crashLoopPod(`${OLD_RS}-a1b2c`);
    old.metadata!.ownerReferences![0]!.name = OLD_RS;
    old.metadata!.ownerReferences![0]!.uid = 'b1f2e3d4-0000-4000-8000-000000000004';

    // Act
    const [finding] = analyzePods([old], related);

    // Assess
    expect(finding).toMatchObject({ reason: 'CrashLoopBackOff', suggestion: { action: 'escalateOnly' }, evidence: { details: { revision: '4' } } });
  });

  it('escalates when the Deployment has only one revision', () => {
    // Act
    const [finding] = analyzePods([crashLoopPod()], { deployments: [deployment({ revision: '1' })], replicaSets: [replicaSets()[0]!] });

    // Assess
    expect(finding?.suggestion.action).toBe('escalateOnly');
  });

  it('names OOMKilled rather than the crash loop it causes, with exit code 137', () => {
    // Act
    const [finding] = analyzePods([oomPod()], related);

    // Assess
    expect(finding).toMatchObject({ reason: 'OOMKilled', severity: 'high', evidence: { exitCode: 137, lastTerminationReason: 'OOMKilled' } });
    expect(finding?.message).toContain('exceeding its memory limit');
  });

  it('reports a container running again after an OOM kill as low severity and escalates it', () => {
    // Act
    const [finding] = analyzePods([recoveredOomPod()], related);

    // Assess
    expect(finding).toMatchObject({ reason: 'OOMKilled', severity: 'low', at: '2026-03-14T09:39:00.000Z', suggestion: { action: 'escalateOnly' } });
  });

  it('reports ImagePullBackOff and ErrImagePull as ImagePullBackOff with the image', () => {
    // Prepare
    const errImagePull = pod(`${NEW_RS}-e3r4t`, { ready: false, state: { waiting: { reason: 'ErrImagePull', message: 'rpc error: code = NotFound' } } });

    // Act
    const findings = analyzePods([imagePullPod(), errImagePull], related);

    // Assess
    expect(findings.map((finding) => [finding.reason, finding.evidence.details?.waitingReason])).toEqual([
      ['ImagePullBackOff', 'ImagePullBackOff'],
      ['ImagePullBackOff', 'ErrImagePull'],
    ]);
    expect(findings[0]?.message).toContain('shop/web:2.4.1-typo');
    expect(findings[0]?.suggestion.action).toBe('rollbackEksDeployment');
  });

  it('reports CreateContainerConfigError with the ConfigMap and key it names', () => {
    // Act
    const [finding] = analyzePods([configErrorPod()], related);

    // Assess
    expect(finding).toMatchObject({
      reason: 'CreateContainerConfigError',
      severity: 'high',
      evidence: { details: { configMap: 'app-config', key: 'DATABASE_URL', configNamespace: 'shop' } },
      suggestion: { action: 'escalateOnly' },
    });
    expect(finding?.message).toBe(
      `Container app of pod shop/${NEW_RS}-c4f7t cannot be created from its configuration: couldn't find key DATABASE_URL in ConfigMap shop/app-config.`,
    );
  });

  it('reports a Pending pod that cannot be scheduled, with the scheduler event', () => {
    // Prepare
    const name = `${NEW_RS}-s5n6b`;
    const events = [event('Pod', name, 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.', { count: 5, first: '09:55' })];

    // Act
    const [finding] = analyzePods([pendingPod()], { ...related, events });

    // Assess
    expect(finding).toMatchObject({
      reason: 'FailedScheduling',
      severity: 'high',
      message: `Pod shop/${name} is Pending because it cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu.`,
      at: '2026-03-14T09:55:00.000Z',
      evidence: { events: ['Warning FailedScheduling ×5: 0/3 nodes are available: 3 Insufficient cpu.'] },
      suggestion: { action: 'escalateOnly' },
    });
  });

  it('reports an unschedulable pod from its PodScheduled condition when events were not read', () => {
    // Act
    const [finding] = analyzePods([pendingPod()], related);

    // Assess
    expect(finding?.reason).toBe('FailedScheduling');
    expect(finding?.message).toContain('3 Insufficient cpu');
  });

  it('does not report a Pending pod that is merely starting', () => {
    // Prepare
    const starting = pod('web-new', { ready: false, state: { waiting: { reason: 'ContainerCreating' } } }, { phase: 'Pending' });

    // Act
    const findings = analyzePods([starting], related);

    // Assess
    expect(findings).toEqual([]);
  });

  it('accepts timestamps as RFC 3339 strings, as a JSON snapshot carries them', () => {
    // Prepare
    const json = JSON.parse(JSON.stringify(crashLoopPod()));

    // Act
    const [finding] = analyzePods([json], related);

    // Assess
    expect(finding?.at).toBe('2026-03-14T09:58:00.000Z');
  });
});
