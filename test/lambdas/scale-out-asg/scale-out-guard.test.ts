import { describe, expect, it } from 'vitest';
import { checkScaleOut } from '../../../lambdas/scale-out-asg/scale-out-guard.js';
import type { ScaleOutParams } from '../../../lambdas/scale-out-asg/scale-out-guard.js';
import type { AutoScalingGroupState } from '../../../lambdas/shared/workflow.js';
import { testIncident, testScope } from '../../support/fixtures.js';

const web = testScope().resources[0]!; // maxStep 2, no maxCapacity

function group(overrides: Partial<AutoScalingGroupState> = {}): AutoScalingGroupState {
  return { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4, ...overrides };
}

function plan(overrides: Partial<ScaleOutParams> = {}): ScaleOutParams {
  return { autoScalingGroupName: 'web', fromCapacity: 4, targetCapacity: 6, ...overrides };
}

function refusal(check: () => unknown): Error {
  try {
    const result = check();
    throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  } catch (error) {
    return error as Error;
  }
}

describe('checkScaleOut', () => {
  it('allows a bounded scale-out of the incident\'s own group', () => {
    // Act
    const step = checkScaleOut(plan(), testIncident(), web, group());

    // Assess
    expect(step).toEqual({ change: true, targetCapacity: 6 });
  });

  it('allows a step of exactly maxStep up to exactly the ceiling', () => {
    // Act
    const step = checkScaleOut(
      plan({ fromCapacity: 8, targetCapacity: 10 }),
      testIncident(),
      { ...web, maxCapacity: 10 },
      group({ desiredCapacity: 8, maxSize: 10 }),
    );

    // Assess
    expect(step).toEqual({ change: true, targetCapacity: 10 });
  });

  it('is a no-op when the group already has the target capacity', () => {
    // Act
    const step = checkScaleOut(plan(), testIncident(), web, group({ desiredCapacity: 6 }));

    // Assess
    expect(step.change).toBe(false);
    expect(step).toMatchObject({ reason: 'web already has desired capacity 6' });
  });

  it('is a no-op when the group has grown past the target since the plan', () => {
    // Act
    const step = checkScaleOut(plan(), testIncident(), web, group({ desiredCapacity: 7 }));

    // Assess
    expect(step.change).toBe(false);
  });

  it('still raises a group that grew a little since the plan, to the planned target', () => {
    // Act
    const step = checkScaleOut(plan(), testIncident(), web, group({ desiredCapacity: 5 }));

    // Assess
    expect(step).toEqual({ change: true, targetCapacity: 6 });
  });

  describe('refusals', () => {
    const cases: Array<{ title: string; run: () => unknown; name: string; message: string }> = [
      {
        title: 'a resource that is not registered',
        run: () => checkScaleOut(plan(), testIncident(), undefined, group()),
        name: 'OutOfScopeError',
        message: 'autoscaling-group/web is not a registered Auto Scaling group',
      },
      {
        title: 'a plan that targets another group',
        run: () => checkScaleOut(plan({ autoScalingGroupName: 'payments' }), testIncident(), web, group({ name: 'payments' })),
        name: 'OutOfScopeError',
        message: 'plan targets payments but the incident is about web',
      },
      {
        title: 'an incident about another group than the registered resource',
        run: () =>
          checkScaleOut(
            plan(),
            testIncident({ resource: { kind: 'autoscaling-group', name: 'api', id: 'autoscaling-group/api' } }),
            web,
            group(),
          ),
        name: 'OutOfScopeError',
        message: 'the incident is about api',
      },
      {
        title: "a target above the group's MaxSize",
        run: () => checkScaleOut(plan({ targetCapacity: 6 }), testIncident(), web, group({ maxSize: 5 })),
        name: 'OutOfScopeError',
        message: 'target capacity 6 exceeds the ceiling of 5 for web',
      },
      {
        title: "a target above the scope's maxCapacity",
        run: () => checkScaleOut(plan({ targetCapacity: 6 }), testIncident(), { ...web, maxCapacity: 5 }, group({ maxSize: 20 })),
        name: 'OutOfScopeError',
        message: 'target capacity 6 exceeds the ceiling of 5 for web',
      },
      {
        title: 'a step larger than maxStep',
        run: () => checkScaleOut(plan({ targetCapacity: 7 }), testIncident(), web, group()),
        name: 'OutOfScopeError',
        message: 'step of 3 exceeds the maximum step of 2 for web',
      },
      {
        title: 'a target equal to the starting capacity',
        run: () => checkScaleOut(plan({ targetCapacity: 4 }), testIncident(), web, group()),
        name: 'OutOfScopeError',
        message: 'a scale-out must raise capacity (4 → 4)',
      },
      {
        title: 'a target below the starting capacity',
        run: () => checkScaleOut(plan({ targetCapacity: 3 }), testIncident(), web, group()),
        name: 'OutOfScopeError',
        message: 'a scale-out must raise capacity (4 → 3)',
      },
      {
        title: 'a group scaled in since the plan was made',
        run: () => checkScaleOut(plan(), testIncident(), web, group({ desiredCapacity: 3 })),
        name: 'StalePlanError',
        message: 'web was scaled in to 3 since the plan was made at 4',
      },
    ];

    it.each(cases)('refuses $title with $name', ({ run, name, message }) => {
      // Act
      const error = refusal(run);

      // Assess
      expect(error.name).toBe(name);
      expect(error.message).toContain(message);
    });
  });

  it('never allows more than maxStep above the live capacity, nor past the ceiling', () => {
    // Act & Assess
    for (const maxCapacity of [undefined, 3, 8]) {
      const resource = { ...web, maxCapacity };
      for (let maxSize = 1; maxSize <= 10; maxSize += 1) {
        for (let desired = 0; desired <= maxSize; desired += 1) {
          for (let from = 0; from <= maxSize; from += 1) {
            for (let target = 0; target <= maxSize + 3; target += 1) {
              const label = JSON.stringify({ maxCapacity, maxSize, desired, from, target });
              let step;
              try {
                step = checkScaleOut(
                  plan({ fromCapacity: from, targetCapacity: target }),
                  testIncident(),
                  resource,
                  group({ maxSize, desiredCapacity: desired }),
                );
              } catch (error) {
                expect(['OutOfScopeError', 'StalePlanError'], label).toContain((error as Error).name);
                continue;
              }
              if (step.change) {
                expect(step.targetCapacity, label).toBeLessThanOrEqual(Math.min(maxSize, maxCapacity ?? Infinity));
                expect(step.targetCapacity - desired, label).toBeGreaterThanOrEqual(1);
                expect(step.targetCapacity - desired, label).toBeLessThanOrEqual(resource.maxStep);
              } else {
                expect(desired, label).toBeGreaterThanOrEqual(target);
              }
            }
          }
        }
      }
    }
  });
});
