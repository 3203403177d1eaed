import { describe, expect, it } from 'vitest';
import { nearestPrecedingChange, rankMetricsByAnomaly } from '../../../../lambdas/shared/metrics/rank-anomalies.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 27, 9, 0);
const at = (hour: number, minute: number) => new Date(Date.UTC(2026, 10, 27, hour, minute));

/** 90 one-minute points from 09:00 of a quiet wiggle around `level`, shifted by `jump` from `jumpAt` on. */
function metric(level: number, phase: number, jump = 0, jumpAt?: Date): Array<{ timestamp: Date; value: number }> {
  return Array.from({ length: 90 }, (_, index) => {
    const timestamp = new Date(START + index * MINUTE);
    const wiggle = 0.02 * level * (Math.sin(index * 1.7 + phase) + 0.5 * Math.cos(index * 0.9 + phase));
    const shifted = jumpAt !== undefined && timestamp >= jumpAt ? jump : 0;
    return { timestamp, value: level + wiggle + shifted };
  });
}

describe('rankMetricsByAnomaly', () => {
  it('puts the metric that deviated first on top and links each onset to the change just before it', () => {
    // Prepare
    const series = [
      { name: 'ALB HTTPCode_Target_5XX_Count', points: metric(4, 1, 40, at(10, 12)) },
      { name: 'EC2 CPUUtilization', points: metric(35, 2, 40, at(10, 5)) },
      { name: 'ALB TargetResponseTime', points: metric(0.2, 3) },
    ];
    const changes = [
      { at: '2026-11-27T08:30:00Z', kind: 'ScalingActivity', summary: 'Launching a new EC2 instance' },
      { at: at(10, 3), kind: 'deploy', summary: 'StartInstanceRefresh: launch template v42' },
      { at: at(10, 10).getTime(), kind: 'config', summary: 'UpdateAutoScalingGroup: MaxSize 4 -> 6' },
    ];

    // Act
    const ranked = rankMetricsByAnomaly(series, changes);

    // Assess
    expect(ranked.map((metric) => metric.name)).toEqual([
      'EC2 CPUUtilization',
      'ALB HTTPCode_Target_5XX_Count',
      'ALB TargetResponseTime',
    ]);
    const [cpu, errors, latency] = ranked;
    expect(cpu).toMatchObject({ anomalous: true, onsetAt: at(10, 5) });
    expect(cpu!.likelyCause).toEqual({ change: changes[1], leadMs: 2 * MINUTE });
    expect(errors).toMatchObject({ anomalous: true, onsetAt: at(10, 12) });
    expect(errors!.likelyCause).toEqual({ change: changes[2], leadMs: 2 * MINUTE });
    expect(latency!.anomalous).toBe(false);
    expect(latency!.onsetAt).toBeUndefined();
    expect(latency!.likelyCause).toBeUndefined();
    for (const metric of ranked) expect(metric.score).toBeGreaterThanOrEqual(0);
    expect(latency!.score).toBeLessThan(cpu!.score);
  });

  it('links no change older than the link window, and ranks the same whatever the input order', () => {
    // Prepare
    const series = [
      { name: 'b', points: metric(50, 2, 30, at(10, 20)) },
      { name: 'a', points: metric(50, 1, 30, at(10, 10)) },
    ];
    const changes = [{ at: at(9, 5), kind: 'deploy', summary: 'too early to matter' }];

    // Act
    const ranked = rankMetricsByAnomaly(series, changes, { linkWindowMs: 60 * MINUTE });
    const reversed = rankMetricsByAnomaly([...series].reverse(), changes, { linkWindowMs: 60 * MINUTE });

    // Assess
    expect(ranked.map((metric) => metric.name)).toEqual(['a', 'b']);
    expect(reversed).toEqual(ranked);
    expect(ranked.every((metric) => metric.likelyCause === undefined)).toBe(true);
  });
});

describe('nearestPrecedingChange', () => {
  const onset = at(10, 0).getTime();
  const change = (minutesBefore: number) => ({ at: onset - minutesBefore * MINUTE, kind: 'deploy', summary: `${minutesBefore}` });

  it('picks the latest change at or before the onset within the window', () => {
    const changes = [change(50), change(10), change(70)];
    expect(nearestPrecedingChange(onset, changes, 60 * MINUTE)).toEqual({ change: changes[1], leadMs: 10 * MINUTE });
  });

  it('accepts a change up to one sampling interval after the onset, as the point stamped with its period start shows it', () => {
    expect(nearestPrecedingChange(onset, [change(-0.5)], 60 * MINUTE, MINUTE)).toEqual({ change: change(-0.5), leadMs: -0.5 * MINUTE });
    expect(nearestPrecedingChange(onset, [change(-1.5)], 60 * MINUTE, MINUTE)).toBeUndefined();
  });

  it('ignores changes whose time cannot be read', () => {
    expect(nearestPrecedingChange(onset, [{ at: 'yesterday', kind: 'deploy', summary: '' }], 60 * MINUTE)).toBeUndefined();
  });
});
