import { type AlarmStateChangeEvent, incidentFromAlarmEvent } from '../shared/alarm-event.js';
import { MalformedEventError } from '../shared/errors.js';
import { describeParseFailure } from '../shared/parse-failure.js';
import { executionNameFor } from '../shared/execution-name.js';
import type { Incident } from '../shared/incident.js';
import { IncidentSchema } from '../shared/incident.js';
import { findResourceByAlarm, type Scope } from '../shared/scope.js';

export type Route =
  | { kind: 'ignored'; reason: string }
  | { kind: 'incident'; incident: Incident; executionName: string };

/**
 * Decides what an alarm event means: an incident for a registered resource,
 * or nothing (an alarm nobody registered, or a transition out of ALARM).
 */
export function routeAlarmEvent(event: AlarmStateChangeEvent, scope: Scope): Route {
  const { alarmName, state } = event.detail;
  if (state.value !== 'ALARM') {
    return { kind: 'ignored', reason: `alarm ${alarmName} went to ${state.value}, not ALARM` };
  }
  const resource = findResourceByAlarm(scope, alarmName);
  if (resource === undefined) {
    return { kind: 'ignored', reason: `alarm ${alarmName} is not registered for any resource` };
  }
  const parsed = IncidentSchema.safeParse(incidentFromAlarmEvent(event, resource));
  if (!parsed.success) {
    throw new MalformedEventError(`alarm event does not make a valid incident: ${describeParseFailure(parsed.error)}`);
  }
  const incident = parsed.data;
  return { kind: 'incident', incident, executionName: executionNameFor(incident.incidentId, resource.name) };
}
