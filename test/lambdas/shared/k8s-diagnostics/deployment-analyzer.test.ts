import { describe, expect, it } from 'vitest';
import { analyzeDeployments } from '../../../../lambdas/shared/k8s-diagnostics/deployment-analyzer.js';
import { at, deployment, event, NEW_RS, replicaSets, stuckStatus } from './fixtures.js';

describe('analyzeDeployments', () => {
  it('finds nothing wrong with a Deployment whose replicas are all available', () => {
    // Act
    const findings = analyzeDeployments([deployment()], { replicaSets: replicaSets() });

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports a rollout stuck past its progress deadline and suggests rolling back to the kept revision', () => {
    // Prepare
    const events = [event('Deployment', 'web', 'ProgressDeadlineExceeded', 'no progress', { first: '10:02' })];

    // Act
    const findings = analyzeDeployments([deployment({ status: stuckStatus })], { replicaSets: replicaSets(), events });

    // Assess
    expect(findings).toEqual([
      {
        kind: 'Deployment',
        name: 'web',
        namespace: 'shop',
        reason: 'ProgressDeadlineExceeded',
        severity: 'high',
        message: `Deployment shop/web's rollout of revision 5 exceeded its progress deadline with 2 of 3 replicas available (ReplicaSet "${NEW_RS}" has timed out progressing).`,
        at: '2026-03-14T10:02:00.000Z',
        evidence: {
          events: ['Warning ProgressDeadlineExceeded: no progress'],
          details: { desiredReplicas: '3', availableReplicas: '2', updatedReplicas: '2', revision: '5', previousRevision: '4' },
        },
        suggestion: {
          action: 'rollbackEksDeployment',
          why: "The rollout is stuck on revision 5, the Deployment's newest; revision 4 is kept to roll back to.",
          params: { namespace: 'shop', deployment: 'web' },
        },
      },
    ]);
  });

  it('escalates a stuck first rollout: there is nothing to roll back to', () => {
    // Act
    const [finding] = analyzeDeployments([deployment({ status: stuckStatus, revision: '1' })], { replicaSets: [] });

    // Assess
    expect(finding).toMatchObject({ reason: 'ProgressDeadlineExceeded', suggestion: { action: 'escalateOnly' } });
  });

  it('reports unavailable replicas, critical when none is available', () => {
    // Prepare
    const none = deployment({
      status: {
        replicas: 3,
        availableReplicas: 0,
        unavailableReplicas: 3,
        conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', lastTransitionTime: at('09:58') }],
      },
    });
    const some = deployment({ name: 'api', status: { replicas: 3, availableReplicas: 2, unavailableReplicas: 1, conditions: [] } });

    // Act
    const findings = analyzeDeployments([none, some]);

    // Assess
    expect(findings.map((finding) => [finding.name, finding.reason, finding.severity, finding.message, finding.at])).toEqual([
      ['web', 'UnavailableReplicas', 'critical', 'Deployment shop/web has 0 of 3 replicas available.', '2026-03-14T09:58:00.000Z'],
      ['api', 'UnavailableReplicas', 'medium', 'Deployment shop/api has 2 of 3 replicas available.', undefined],
    ]);
  });

  it('does not judge a Deployment scaled to zero', () => {
    // Act
    const findings = analyzeDeployments([deployment({ replicas: 0, status: { replicas: 0 } })]);

    // Assess
    expect(findings).toEqual([]);
  });
});
