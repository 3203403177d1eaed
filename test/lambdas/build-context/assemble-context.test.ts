import { describe, expect, it } from 'vitest';
import { assembleContext, type ContextParts, limitsOf } from '../../../lambdas/build-context/assemble-context.js';
import { IncidentContextSchema } from '../../../lambdas/shared/workflow.js';
import { testContext, testScope } from '../../support/fixtures.js';

const NOW = new Date('2026-11-27T10:00:05.000Z');
const resource = testScope({ maxCapacity: 12 }).resources[0]!;
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
    });
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
