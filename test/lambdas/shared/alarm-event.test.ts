import { describe, expect, it } from 'vitest';
import {
  type AlarmStateChangeEvent,
  AlarmStateChangeEventSchema,
  incidentFromAlarmEvent,
  incidentIdFor,
} from '../../../lambdas/shared/alarm-event.js';
import { IncidentSchema } from '../../../lambdas/shared/incident.js';
import { alarmEvent, alarmSignalOf, testScope } from '../../support/fixtures.js';

const web = testScope().resources[0]!;

/** The fixture event, parsed as intake parses it, with optional edits to the raw event first. */
function parsedEvent(
  overrides: Parameters<typeof alarmEvent>[0] = {},
  edit: (raw: ReturnType<typeof alarmEvent>) => void = () => undefined,
): AlarmStateChangeEvent {
  const raw = alarmEvent(overrides);
  edit(raw);
  return AlarmStateChangeEventSchema.parse(raw);
}

describe('AlarmStateChangeEventSchema', () => {
  it.each([
    '2026-11-27T10:00:00.000+0000',
    '2026-11-27T10:00:00+0000',
    '2026-11-27T10:00:00.123+00:00',
    '2026-11-27T10:00:00.123Z',
    '2026-11-27T12:00:00.123456+0200',
  ])('accepts the state timestamp %s', (timestamp) => {
    // Act
    const result = AlarmStateChangeEventSchema.safeParse(alarmEvent({ timestamp }));

    // Assess
    expect(result.success).toBe(true);
  });

  it.each(['2026-11-27T10:00:00.000', '2026-11-27 10:00:00+0000', '2026-13-01T10:00:00.000+0000', 'yesterday', ''])(
    'refuses the state timestamp %j',
    (timestamp) => {
      // Act
      const result = AlarmStateChangeEventSchema.safeParse(alarmEvent({ timestamp }));

      // Assess
      expect(result.success).toBe(false);
      expect(result.error?.issues.some((issue) => issue.path.join('.') === 'detail.state.timestamp')).toBe(true);
    },
  );

  it('refuses an event from another account format or with no resources', () => {
    // Act
    const badAccount = AlarmStateChangeEventSchema.safeParse({ ...alarmEvent(), account: 'acme' });
    const noResources = AlarmStateChangeEventSchema.safeParse({ ...alarmEvent(), resources: [] });

    // Assess
    expect(badAccount.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['account']);
    expect(noResources.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['resources']);
  });
});

describe('incidentFromAlarmEvent', () => {
  it('normalises the event into a valid incident for the registered resource', () => {
    // Prepare
    const event = parsedEvent();

    // Act
    const incident = incidentFromAlarmEvent(event, web);

    // Assess
    expect(IncidentSchema.safeParse(incident).success).toBe(true);
    expect(incident.resource).toEqual({ kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' });
    expect(incident.signal).toEqual({
      source: 'cloudwatch-alarm',
      alarmName: 'web-cpu-high',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-cpu-high',
      state: 'ALARM',
      previousState: 'OK',
      reason: 'Threshold Crossed: 1 datapoint [95.0] was greater than the threshold (70.0).',
      metricName: 'CPUUtilization',
      namespace: 'AWS/EC2',
    });
    expect(incident.account).toBe('123456789012');
    expect(incident.region).toBe('us-east-1');
  });

  it('reads the onset from the colon-less +0000 state timestamp as ISO UTC', () => {
    // Act
    const incident = incidentFromAlarmEvent(parsedEvent({ timestamp: '2026-11-27T10:00:00.000+0000' }), web);

    // Assess
    expect(incident.onsetAt).toBe('2026-11-27T10:00:00.000Z');
    expect(incident.detectedAt).toBe('2026-11-27T10:00:01.000Z');
  });

  it('applies a non-zero offset when converting the onset to UTC', () => {
    // Act
    const colonless = incidentFromAlarmEvent(parsedEvent({ timestamp: '2026-11-27T12:30:00.000+0230' }), web);
    const withColon = incidentFromAlarmEvent(parsedEvent({ timestamp: '2026-11-27T05:00:00.000-05:00' }), web);

    // Assess
    expect(colonless.onsetAt).toBe('2026-11-27T10:00:00.000Z');
    expect(withColon.onsetAt).toBe('2026-11-27T10:00:00.000Z');
  });

  it('takes the metric from the first metric-stat in the alarm configuration', () => {
    // Prepare
    const event = parsedEvent({}, (raw) => {
      raw.detail.configuration.metrics.unshift({ id: 'e1', expression: 'm1 * 2', returnData: false } as never);
    });

    // Act
    const incident = incidentFromAlarmEvent(event, web);

    // Assess
    expect(alarmSignalOf(incident).metricName).toBe('CPUUtilization');
    expect(alarmSignalOf(incident).namespace).toBe('AWS/EC2');
  });

  it('leaves the metric unset when the configuration has none', () => {
    // Prepare
    const event = parsedEvent({}, (raw) => {
      delete (raw.detail as { configuration?: unknown }).configuration;
    });

    // Act
    const incident = incidentFromAlarmEvent(event, web);

    // Assess
    expect(alarmSignalOf(incident).metricName).toBeUndefined();
    expect(alarmSignalOf(incident).namespace).toBeUndefined();
    expect(IncidentSchema.safeParse(incident).success).toBe(true);
  });

  it('keeps the event id and the parsed reason data as evidence', () => {
    // Act
    const incident = incidentFromAlarmEvent(parsedEvent({ cpu: 97.5 }), web);

    // Assess
    expect(incident.evidence).toHaveLength(1);
    const [evidence] = incident.evidence;
    expect(evidence!.kind).toBe('alarm-state-change');
    expect(evidence!.at).toBe(incident.onsetAt);
    expect(evidence!.summary).toContain('web-cpu-high: OK → ALARM.');
    expect(evidence!.data).toEqual({
      eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      version: '1.0',
      recentDatapoints: [97.5],
      threshold: 70,
    });
  });

  it.each([
    ['not JSON', 'datapoints: 95'],
    ['a JSON array', '[95, 96]'],
    ['a JSON scalar', '95'],
  ])('keeps reason data that is %s as text', (_kind, reasonData) => {
    // Prepare
    const event = parsedEvent({}, (raw) => {
      raw.detail.state.reasonData = reasonData;
    });

    // Act
    const incident = incidentFromAlarmEvent(event, web);

    // Assess
    expect(incident.evidence[0]!.data).toEqual({ eventId: event.id, reasonData });
  });

  it('truncates a long reason so the incident stays within its schema', () => {
    // Prepare
    const reason = `Threshold Crossed: ${'x'.repeat(5_000)}`;
    const event = parsedEvent({}, (raw) => {
      raw.detail.state.reason = reason;
    });

    // Act
    const incident = incidentFromAlarmEvent(event, web);

    // Assess
    expect(alarmSignalOf(incident).reason).toHaveLength(1_000);
    expect(alarmSignalOf(incident).reason.endsWith('…')).toBe(true);
    expect(reason.startsWith(alarmSignalOf(incident).reason.slice(0, -1))).toBe(true);
    expect(incident.evidence[0]!.summary.length).toBeLessThanOrEqual(1_000);
    expect(IncidentSchema.safeParse(incident).success).toBe(true);
  });

  it('keeps a reason of exactly the limit untouched', () => {
    // Prepare
    const reason = 'r'.repeat(1_000);
    const event = parsedEvent({}, (raw) => {
      raw.detail.state.reason = reason;
    });

    // Act
    const incident = incidentFromAlarmEvent(event, web);

    // Assess
    expect(alarmSignalOf(incident).reason).toBe(reason);
  });
});

describe('incidentIdFor', () => {
  it('is the same for every delivery of one transition, whatever the event id and delivery time', () => {
    // Prepare
    const first = parsedEvent();
    const redelivered = parsedEvent({}, (raw) => {
      raw.id = '00000000-0000-0000-0000-000000000000';
      raw.time = '2026-11-27T10:05:00Z';
    });

    // Act
    const ids = [incidentIdFor(first), incidentIdFor(redelivered)];

    // Assess
    expect(ids[0]).toMatch(/^inc-[0-9a-f]{20}$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it('differs for a different state timestamp, alarm, region or account', () => {
    // Prepare
    const base = incidentIdFor(parsedEvent());
    const variants = [
      parsedEvent({ timestamp: '2026-11-27T10:00:00.001+0000' }),
      parsedEvent({ alarmName: 'web-cpu-high-2' }),
      parsedEvent({}, (raw) => {
        raw.region = 'eu-west-1';
      }),
      parsedEvent({}, (raw) => {
        raw.account = '210987654321';
      }),
    ];

    // Act
    const ids = variants.map(incidentIdFor);

    // Assess
    expect(new Set([base, ...ids]).size).toBe(5);
  });
});
