import type { IncidentContext, LogExcerpt, MetricSeries } from '../../../lambdas/shared/workflow.js';
import { testContext } from '../../support/fixtures.js';

/**
 * Contexts of a chosen size for the build-context tests: every part filled,
 * so trimming has something to cut. Not a test file itself.
 */
export interface ContextSizes {
  logGroups?: number;
  linesPerGroup?: number;
  lineChars?: number;
  series?: number;
  pointsPerSeries?: number;
  changes?: number;
  alarmHistory?: number;
  recentIncidents?: number;
  dependencies?: number;
}

const at = (minute: number) => new Date(Date.parse('2026-11-27T09:00:00.000Z') + minute * 60_000).toISOString();

export function logExcerpt(name: string, lines: number, lineChars = 200): LogExcerpt {
  return {
    logGroupName: name,
    matchedLines: lines * 3,
    moreAvailable: false,
    lines: Array.from({ length: lines }, (_, i) => ({
      at: at(i % 60),
      stream: 'web/i-0123456789abcdef0',
      message: `ERROR ${i} `.padEnd(lineChars, 'x'),
    })),
  };
}

export function metricSeries(label: string, points: number, role: MetricSeries['role'] = 'related'): MetricSeries {
  return {
    label,
    role,
    unit: 'Percent',
    periodSeconds: 60,
    points: Array.from({ length: points }, (_, i) => ({ t: at(i).replace('.000Z', 'Z'), v: 40 + (i % 50) })),
    min: 40,
    max: 89,
    last: 40 + ((points - 1) % 50),
    baseline: 52.5,
  };
}

export function sizedContext(sizes: ContextSizes = {}): IncidentContext {
  return {
    mode: 'auto',
    limits: testContext().limits,
    resource: {
      id: 'autoscaling-group/web',
      dependencies: Array.from({ length: sizes.dependencies ?? 1 }, (_, i) => `waf-ip-set/REGIONAL/blocklist-${i}`),
    },
    autoScalingGroup: { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4 },
    alarm: {
      name: 'web-cpu-high',
      state: 'ALARM',
      metricName: 'CPUUtilization',
      namespace: 'AWS/EC2',
      threshold: 70,
      comparisonOperator: 'GreaterThanThreshold',
      latestValue: 95,
    },
    alarmHistory: Array.from({ length: sizes.alarmHistory ?? 10 }, (_, i) => ({
      at: at(59 - i),
      summary: i % 2 === 0 ? 'Alarm updated from OK to ALARM' : 'Alarm updated from ALARM to OK',
    })),
    metrics: Array.from({ length: sizes.series ?? 3 }, (_, i) =>
      metricSeries(i === 0 ? 'AWS/EC2 CPUUtilization Average' : `Related ${i}`, sizes.pointsPerSeries ?? 60, i === 0 ? 'alarm' : 'related'),
    ),
    logs: Array.from({ length: sizes.logGroups ?? 2 }, (_, i) => logExcerpt(`/app/group-${i}`, sizes.linesPerGroup ?? 20, sizes.lineChars)),
    changes: Array.from({ length: sizes.changes ?? 20 }, (_, i) => ({
      at: at(59 - i),
      source: i % 2 === 0 ? 'autoscaling' : 'cloudtrail',
      event: i % 2 === 0 ? 'ScalingActivity' : 'UpdateAutoScalingGroup',
      actor: 'deployer',
      summary: `[Successful] change number ${i} `.padEnd(150, '.'),
    })),
    recentIncidents: Array.from({ length: sizes.recentIncidents ?? 5 }, (_, i) => ({
      incidentId: `inc-${String(i).padStart(20, '0')}`,
      outcome: 'resolved',
      action: 'scaleOutAsg',
      attempts: 1,
      closedAt: at(i),
      summary: 'resolved after 1 attempt(s): scaled web 2 → 4',
    })),
    gatheredAt: '2026-11-27T10:05:00.000Z',
    gaps: [],
    trimmed: [],
  };
}
