import { describe, expect, it } from 'vitest';
import {
  findResourceByAlarm,
  findResourceById,
  parseScope,
  resourceIdOf,
  type Scope,
} from '../../../lambdas/shared/scope.js';
import { testScope } from '../../support/fixtures.js';

function withResources(...resources: Array<Partial<Scope['resources'][number]>>): Scope {
  const [template] = testScope().resources;
  return { ...testScope(), resources: resources.map((resource) => ({ ...template!, ...resource })) };
}

function parseError(json: string, source?: string): Error {
  try {
    parseScope(json, source);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseScope to throw');
}

describe('parseScope', () => {
  it('returns the scope it was given', () => {
    // Prepare
    const scope = testScope({ maxCapacity: 12 }, 'dry-run');

    // Act
    const parsed = parseScope(JSON.stringify(scope));

    // Assess
    expect(parsed).toEqual(scope);
  });

  it('refuses text that is not JSON, naming the variable', () => {
    // Act
    const error = parseError('{ mode: auto');

    // Assess
    expect(error.message).toMatch(/^RESOURCE_SCOPE is not valid JSON: /);
  });

  it('names another source when given one', () => {
    // Act
    const error = parseError('', 'scenarios/cpu-saturation.json');

    // Assess
    expect(error.message).toMatch(/^scenarios\/cpu-saturation\.json is not valid JSON/);
  });

  it.each([
    ['an unknown mode', { ...testScope(), mode: 'yolo' }, /mode/],
    ['a missing resources list', { mode: 'auto' }, /resources/],
    ['a step of zero', testScope({ maxStep: 0 }), /maxStep/],
    ['a lease shorter than a minute', testScope({ leaseSeconds: 10 }), /leaseSeconds/],
    ['no alarms', testScope({ alarmNames: [] }), /alarmNames/],
    ['an unsupported resource kind', { mode: 'auto', resources: [{ ...testScope().resources[0], kind: 'ecs-service' }] }, /kind/],
    ['not an object', ['web'], /expected object/],
  ])('refuses a scope with %s, naming the field', (_title, raw, field) => {
    // Act
    const error = parseError(JSON.stringify(raw));

    // Assess
    expect(error.message).toMatch(/^RESOURCE_SCOPE is invalid: /);
    expect(error.message).toMatch(field);
  });

  it('refuses an alarm registered for two groups', () => {
    // Prepare
    const scope = withResources(
      { name: 'web', alarmNames: ['web-cpu-high', 'shared-cpu-high'] },
      { name: 'api', alarmNames: ['shared-cpu-high'] },
    );

    // Act
    const error = parseError(JSON.stringify(scope));

    // Assess
    expect(error.message).toMatch(/^RESOURCE_SCOPE is invalid: /);
    expect(error.message).toContain('alarm "shared-cpu-high" is registered for both "web" and "api"');
  });

  it('accepts an alarm listed twice for the same group', () => {
    // Prepare
    const scope = withResources({ name: 'web', alarmNames: ['web-cpu-high', 'web-cpu-high'] });

    // Act
    const parsed = parseScope(JSON.stringify(scope));

    // Assess
    expect(parsed.resources[0]!.alarmNames).toEqual(['web-cpu-high', 'web-cpu-high']);
  });
});

describe('scope look-ups', () => {
  const scope = withResources({ name: 'web', alarmNames: ['web-cpu-high'] }, { name: 'api', alarmNames: ['api-cpu-high'] });

  it('identifies a resource by kind and name', () => {
    // Act & Assess
    expect(resourceIdOf({ kind: 'autoscaling-group', name: 'web' })).toBe('autoscaling-group/web');
  });

  it('finds the resource that owns an alarm', () => {
    // Act & Assess
    expect(findResourceByAlarm(scope, 'api-cpu-high')?.name).toBe('api');
    expect(findResourceByAlarm(scope, 'web-cpu-high')?.name).toBe('web');
    expect(findResourceByAlarm(scope, 'db-cpu-high')).toBeUndefined();
  });

  it('finds a resource by its id only', () => {
    // Act & Assess
    expect(findResourceById(scope, 'autoscaling-group/api')?.name).toBe('api');
    expect(findResourceById(scope, 'api')).toBeUndefined();
    expect(findResourceById(scope, 'autoscaling-group/db')).toBeUndefined();
  });
});
