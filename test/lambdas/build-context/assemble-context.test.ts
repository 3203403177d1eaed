import { describe, expect, it } from 'vitest';
import { assembleContext, type ContextParts, limitsOf } from '../../../lambdas/build-context/assemble-context.js';
import { IncidentContextSchema } from '../../../lambdas/shared/workflow.js';
import { testContext, testScope } from '../../support/fixtures.js';
import { logExcerpt, metricSeries } from './context-fixtures.js';

const NOW = new Date('2026-11-27T10:00:05.000Z');
const resource = testScope({ maxCapacity: 12, dependencies: ['waf-ip-set/REGIONAL/site-blocklist'] }).resources[0]!;
const pastIncident = {
  incidentId: 'inc-ffffffffffffffffffff',
  outcome: 'resolved',
  action: 'scaleOutAsg',
  attempts: 1,
  closedAt: '2026-11-26T09:00:00.000Z',
  summary: 'resolved after 1 attempt(s)',
};

function parts(overrides: Partial<ContextParts> = {}): ContextParts {
  const context = testContext();
  return {
    mode: 'auto',
    resource,
    autoScalingGroup: context.autoScalingGroup,
    alarm: { ok: true, value: context.alarm },
    recentIncidents: { ok: true, value: [pastIncident] },
    now: NOW,
    ...overrides,
  };
}

describe('limitsOf', () => {
  it("copies the resource's limits", () => {
    // Act & Assess
    expect(limitsOf(resource)).toEqual({
      maxStep: 2,
      maxCapacity: 12,
      maxAttempts: 3,
      leaseSeconds: 1_800,
      cooldownSeconds: 900,
      verifyAfterSeconds: 300,
      approvalTimeoutSeconds: 3_600,
      flapGuard: resource.flapGuard,
    });
    expect(limitsOf(resource).flapGuard).toEqual({ attemptBudget: 3, budgetWindowSeconds: 21_600, circuitFailureThreshold: 3, maxCooldownSeconds: 21_600 });
  });
});

describe('assembleContext', () => {
  it('puts every gathered part in the context, with no gaps', () => {
    // Act
    const context = assembleContext(parts());

    // Assess
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
    expect(context.gaps).toEqual([]);
    expect(context.mode).toBe('auto');
    expect(context.limits.maxCapacity).toBe(12);
    expect(context.alarm?.name).toBe('web-cpu-high');
    expect(context.recentIncidents).toEqual([pastIncident]);
    expect(context.gatheredAt).toBe('2026-11-27T10:00:05.000Z');
    expect(context.resource).toEqual({ id: 'autoscaling-group/web', dependencies: ['waf-ip-set/REGIONAL/site-blocklist'] });
    expect(context.limits.approvalTimeoutSeconds).toBe(3_600);
    expect([context.alarmHistory, context.metrics, context.logs, context.changes, context.trimmed]).toEqual([[], [], [], [], []]);
  });

  it('puts the alarm history, the metrics, the log excerpts and the changes in the context', () => {
    // Prepare
    const series = metricSeries('AWS/EC2 CPUUtilization Average', 5, 'alarm');
    const excerpt = logExcerpt('/app/web', 2);
    const change = (at: string, source: string) => ({ at, source, event: 'ScalingActivity', summary: 's' });

    // Act
    const context = assembleContext(
      parts({
        alarmHistory: { ok: true, value: [{ at: '2026-11-27T10:00:00.000Z', summary: 'Alarm updated from OK to ALARM' }] },
        metrics: { ok: true, value: { series: [series], issues: [] } },
        logs: [{ ok: true, value: excerpt }],
        changes: [
          { ok: true, value: [change('2026-11-27T09:10:00.000Z', 'autoscaling')] },
          { ok: true, value: [change('2026-11-27T09:50:00.000Z', 'cloudtrail')] },
        ],
      }),
    );

    // Assess
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
    expect(context.alarmHistory).toHaveLength(1);
    expect(context.metrics).toEqual([series]);
    expect(context.logs).toEqual([excerpt]);
    expect(context.changes.map((c) => c.source)).toEqual(['cloudtrail', 'autoscaling']);
    expect(context.gaps).toEqual([]);
  });

  it('ranks the metrics by anomaly and links each deviation to the latest change before it', () => {
    // Prepare: the alarm's CPU deviated at 09:52, the latency first at 09:50; a deploy at 09:49, a scale-out at 09:51:30
    const cpu = { ...metricSeries('AWS/EC2 CPUUtilization Average', 5, 'alarm'), anomalyScore: 1, deviatedAt: '2026-11-27T09:52:00Z', direction: 'up' as const };
    const memory = { ...metricSeries('Related 1', 5), anomalyScore: 0.2 };
    const latency = { ...metricSeries('Related 2', 5), anomalyScore: 0.97, deviatedAt: '2026-11-27T09:50:00Z', direction: 'up' as const };
    const deploy = { at: '2026-11-27T09:49:00.000Z', source: 'cloudtrail', event: 'StartInstanceRefresh', actor: 'ci', summary: 'refresh' };
    const scaleOut = { at: '2026-11-27T09:51:30.000Z', source: 'autoscaling', event: 'ScalingActivity', summary: 'launch' };

    // Act
    const context = assembleContext(
      parts({
        metrics: { ok: true, value: { series: [cpu, memory, latency], issues: [] } },
        changes: [{ ok: true, value: [scaleOut] }, { ok: true, value: [deploy] }],
      }),
    );

    // Assess
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
    expect(context.metrics.map((series) => [series.label, series.role, series.likelyCause?.event])).toEqual([
      ['Related 2', 'related', 'StartInstanceRefresh'],
      ['AWS/EC2 CPUUtilization Average', 'alarm', 'ScalingActivity'],
      ['Related 1', 'related', undefined],
    ]);
    expect(context.metrics[0]!.likelyCause).toEqual({ at: deploy.at, source: 'cloudtrail', event: 'StartInstanceRefresh', summary: 'refresh' });
  });

  it('names a gap for each missing log group and change reader, and for series CloudWatch could not answer', () => {
    // Act
    const context = assembleContext(
      parts({
        alarmHistory: { ok: false, gap: 'alarmHistory: timed out after 4000 ms' },
        metrics: { ok: true, value: { series: [], issues: ['Related 1: Forbidden'] } },
        logs: [{ ok: true, value: logExcerpt('/app/web', 1) }, { ok: false, gap: 'logs /app/worker: ResourceNotFoundException: gone' }],
        changes: [{ ok: false, gap: 'changes cloudtrail: TransientAwsError: throttled' }, { ok: true, value: [] }],
      }),
    );

    // Assess
    expect(context.gaps).toEqual([
      'alarmHistory: timed out after 4000 ms',
      'metrics: Related 1: Forbidden',
      'logs /app/worker: ResourceNotFoundException: gone',
      'changes cloudtrail: TransientAwsError: throttled',
    ]);
    expect(context.logs.map((group) => group.logGroupName)).toEqual(['/app/web']);
  });

  it('keeps at most maxChanges changes, newest first', () => {
    // Prepare
    const changes = Array.from({ length: 5 }, (_, i) => ({ at: `2026-11-27T09:0${i}:00.000Z`, source: 'autoscaling', event: 'e', summary: 's' }));

    // Act
    const context = assembleContext(parts({ changes: [{ ok: true, value: changes }], maxChanges: 2 }));

    // Assess
    expect(context.changes.map((c) => c.at)).toEqual(['2026-11-27T09:04:00.000Z', '2026-11-27T09:03:00.000Z']);
  });

  it('leaves out an alarm it could not read and names the gap', () => {
    // Act
    const context = assembleContext(parts({ alarm: { ok: false, gap: 'alarm: TransientAwsError: DescribeAlarms failed' } }));

    // Assess
    expect(context.alarm).toBeUndefined();
    expect(context.gaps).toEqual(['alarm: TransientAwsError: DescribeAlarms failed']);
    expect(context.recentIncidents).toEqual([pastIncident]);
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
  });

  it('uses an empty history when it could not be read, and names the gap', () => {
    // Act
    const context = assembleContext(parts({ recentIncidents: { ok: false, gap: 'history: AccessDeniedException: no' } }));

    // Assess
    expect(context.recentIncidents).toEqual([]);
    expect(context.gaps).toEqual(['history: AccessDeniedException: no']);
    expect(context.alarm).toBeDefined();
  });

  it('names every gap, in order', () => {
    // Act
    const context = assembleContext(
      parts({ alarm: { ok: false, gap: 'alarm: a' }, recentIncidents: { ok: false, gap: 'history: b' } }),
    );

    // Assess
    expect(context.gaps).toEqual(['alarm: a', 'history: b']);
  });

  it('does not count an alarm that was read and found missing as a gap', () => {
    // Act
    const context = assembleContext(parts({ alarm: { ok: true, value: undefined } }));

    // Assess
    expect(context.alarm).toBeUndefined();
    expect(context.gaps).toEqual([]);
  });

  it('carries the dry-run mode through', () => {
    // Act & Assess
    expect(assembleContext(parts({ mode: 'dry-run' })).mode).toBe('dry-run');
  });
});
