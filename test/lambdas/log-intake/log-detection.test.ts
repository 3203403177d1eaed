import { describe, expect, it } from 'vitest';
import {
  detectionIdFor,
  LOG_DETECTION_DETAIL_TYPE,
  LOG_DETECTION_SOURCE,
  type LogDetection,
  LogDetectionEventSchema,
  LogDetectionSchema,
  toPutEventsEntry,
} from '../../../lambdas/shared/log-detection.js';

const detection = (overrides: Partial<LogDetection> = {}): LogDetection => ({
  kind: 'signature',
  logGroup: '/ecs/web',
  logStream: 'web/app/0123',
  at: '2026-03-02T10:00:00.000Z',
  eventId: '37200000000000000000000000000000000000000000000000000000',
  count: 3,
  signatureId: 'missing-env-var',
  severity: 'high',
  sample: 'Error: environment variable DATABASE_URL is not set',
  fields: { variable: 'DATABASE_URL' },
  summary: 'Required environment variable not set in /ecs/web: 3 matching lines (variable DATABASE_URL).',
  ...overrides,
});

describe('LogDetectionSchema', () => {
  it('accepts a detection and requires what each kind is about', () => {
    expect(LogDetectionSchema.parse(detection())).toEqual(detection());
    expect(LogDetectionSchema.safeParse(detection({ signatureId: undefined })).success).toBe(false);
    expect(LogDetectionSchema.safeParse(detection({ kind: 'client-flood', fields: {} })).success).toBe(false);
    expect(LogDetectionSchema.safeParse(detection({ kind: 'client-flood', fields: { ip: '203.0.113.7' } })).success).toBe(true);
    expect(LogDetectionSchema.safeParse(detection({ kind: 'error-burst', templateId: 'abc' })).success).toBe(false);
    expect(LogDetectionSchema.safeParse(detection({ sample: 'x'.repeat(1_025) })).success).toBe(false);
  });
});

describe('detectionIdFor', () => {
  it('is the same for the same detection, whatever the field order', () => {
    const a = detection({ fields: { variable: 'X', other: 'y' } });
    const b = detection({ fields: { other: 'y', variable: 'X' }, summary: 'worded differently', count: 9 });
    expect(detectionIdFor(a)).toMatch(/^ld-[0-9a-f]{32}$/);
    expect(detectionIdFor(a)).toBe(detectionIdFor(b));
  });

  it('differs by log group, kind, subject, fields and first event', () => {
    const ids = new Set([
      detectionIdFor(detection()),
      detectionIdFor(detection({ logGroup: '/ecs/api' })),
      detectionIdFor(detection({ signatureId: 'timeout' })),
      detectionIdFor(detection({ fields: { variable: 'REDIS_URL' } })),
      detectionIdFor(detection({ eventId: '37200000000000000000000000000000000000000000000000000001' })),
      detectionIdFor(detection({ kind: 'new-error-template', templateId: 'a1b2c3d4e5f6', template: 'x' })),
    ]);
    expect(ids.size).toBe(6);
  });
});

describe('toPutEventsEntry', () => {
  it('builds the entry whose delivered event the intake schema accepts', () => {
    // Prepare
    const entry = toPutEventsEntry(detection(), 'self-healing-bus');

    // Act: EventBridge wraps the entry in its envelope
    const delivered = {
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '123456789012',
      time: entry.Time!.toISOString().replace('.000', ''),
      region: 'us-east-1',
      resources: [],
      detail: JSON.parse(entry.Detail) as unknown,
    };
    const parsed = LogDetectionEventSchema.parse(delivered);

    // Assess
    expect(entry).toMatchObject({ Source: LOG_DETECTION_SOURCE, DetailType: LOG_DETECTION_DETAIL_TYPE, EventBusName: 'self-healing-bus' });
    expect(entry.Time).toEqual(new Date('2026-03-02T10:00:00.000Z'));
    expect(parsed.detail).toEqual({ ...detection(), detectionId: detectionIdFor(detection()) });
  });

  it('is refused by the intake schema from another source or with a forged id', () => {
    const entry = toPutEventsEntry(detection(), 'bus');
    const base = { version: '0', id: '1', 'detail-type': entry.DetailType, account: '123456789012', time: '2026-03-02T10:00:00Z', region: 'us-east-1', resources: [] };
    expect(LogDetectionEventSchema.safeParse({ ...base, source: 'aws.logs', detail: JSON.parse(entry.Detail) }).success).toBe(false);
    expect(LogDetectionEventSchema.safeParse({ ...base, source: entry.Source, detail: { ...JSON.parse(entry.Detail), detectionId: 'x' } }).success).toBe(false);
  });
});
