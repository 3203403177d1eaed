import { describe, expect, it } from 'vitest';
import { routeAlarmEvent } from '../../../lambdas/intake/route-alarm-event.js';
import { type AlarmStateChangeEvent, AlarmStateChangeEventSchema } from '../../../lambdas/shared/alarm-event.js';
import { executionNameFor } from '../../../lambdas/shared/execution-name.js';
import { IncidentSchema } from '../../../lambdas/shared/incident.js';
import type { Scope } from '../../../lambdas/shared/scope.js';
import { alarmEvent, alarmSignalOf, testScope } from '../../support/fixtures.js';

function parsedEvent(
  overrides: Parameters<typeof alarmEvent>[0] = {},
  edit: (raw: ReturnType<typeof alarmEvent>) => void = () => undefined,
): AlarmStateChangeEvent {
  const raw = alarmEvent(overrides);
  edit(raw);
  return AlarmStateChangeEventSchema.parse(raw);
}

/** The fixture scope plus a second group, `api`, watched by two alarms of its own. */
function twoGroupScope(): Scope {
  const scope = testScope();
  return {
    ...scope,
    resources: [...scope.resources, { ...scope.resources[0]!, name: 'api', alarmNames: ['api-cpu-high', 'api-latency'] }],
  };
}

function incidentOf(route: ReturnType<typeof routeAlarmEvent>) {
  if (route.kind !== 'incident') throw new Error(`expected an incident, got: ${route.reason}`);
  return route;
}

describe('routeAlarmEvent', () => {
  it('opens an incident for a registered alarm going into ALARM', () => {
    // Act
    const route = incidentOf(routeAlarmEvent(parsedEvent(), testScope()));

    // Assess
    expect(IncidentSchema.safeParse(route.incident).success).toBe(true);
    expect(route.incident.resource.id).toBe('autoscaling-group/web');
    expect(route.incident.onsetAt).toBe('2026-11-27T10:00:00.000Z');
    expect(alarmSignalOf(route.incident).metricName).toBe('CPUUtilization');
    expect(route.incident.evidence[0]!.data).toMatchObject({ eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92', recentDatapoints: [95] });
    expect(route.executionName).toBe(executionNameFor(route.incident.incidentId, 'web'));
  });

  it('routes each alarm to the resource that registered it', () => {
    // Act
    const web = incidentOf(routeAlarmEvent(parsedEvent(), twoGroupScope()));
    const api = incidentOf(routeAlarmEvent(parsedEvent({ alarmName: 'api-latency' }), twoGroupScope()));

    // Assess
    expect(web.incident.resource.id).toBe('autoscaling-group/web');
    expect(api.incident.resource).toEqual({ kind: 'autoscaling-group', name: 'api', id: 'autoscaling-group/api' });
    expect(api.executionName.startsWith('api-inc-')).toBe(true);
  });

  it('gives every delivery of one transition the same incident and execution name', () => {
    // Prepare
    const redelivered = parsedEvent({}, (raw) => {
      raw.id = 'a-different-delivery-id';
    });

    // Act
    const first = incidentOf(routeAlarmEvent(parsedEvent(), testScope()));
    const second = incidentOf(routeAlarmEvent(redelivered, testScope()));

    // Assess
    expect(second.incident.incidentId).toBe(first.incident.incidentId);
    expect(second.executionName).toBe(first.executionName);
    expect(second.incident.evidence[0]!.data.eventId).toBe('a-different-delivery-id');
  });

  it('opens a new incident for a later transition into ALARM', () => {
    // Act
    const first = incidentOf(routeAlarmEvent(parsedEvent(), testScope()));
    const later = incidentOf(routeAlarmEvent(parsedEvent({ timestamp: '2026-11-27T12:00:00.000+0000' }), testScope()));

    // Assess
    expect(later.incident.incidentId).not.toBe(first.incident.incidentId);
    expect(later.executionName).not.toBe(first.executionName);
  });

  it('truncates a long reason instead of rejecting the incident', () => {
    // Prepare
    const event = parsedEvent({}, (raw) => {
      raw.detail.state.reason = 'y'.repeat(9_000);
    });

    // Act
    const route = incidentOf(routeAlarmEvent(event, testScope()));

    // Assess
    expect(alarmSignalOf(route.incident).reason).toHaveLength(1_000);
    expect(alarmSignalOf(route.incident).reason.endsWith('…')).toBe(true);
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('ignores a transition to %s', (value) => {
    // Act
    const route = routeAlarmEvent(parsedEvent({ value }), testScope());

    // Assess
    expect(route).toEqual({ kind: 'ignored', reason: `alarm web-cpu-high went to ${value}, not ALARM` });
  });

  it('ignores an alarm that no resource registered', () => {
    // Act
    const route = routeAlarmEvent(parsedEvent({ alarmName: 'db-disk-full' }), testScope());

    // Assess
    expect(route).toEqual({ kind: 'ignored', reason: 'alarm db-disk-full is not registered for any resource' });
  });

  it('ignores everything when the scope registers nothing', () => {
    // Act
    const route = routeAlarmEvent(parsedEvent(), { ...testScope(), resources: [] });

    // Assess
    expect(route.kind).toBe('ignored');
  });
});
