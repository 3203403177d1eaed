import { describe, expect, it } from 'vitest';
import { InvalidSignatureError } from '../../../lambdas/log-intake/log-intake-errors.js';
import { readLogIntakeSettings } from '../../../lambdas/log-intake/log-intake-settings.js';
import { BUILT_IN_SIGNATURES } from '../../../lambdas/log-intake/signatures.js';

const required = { TABLE_NAME: 'state', EVENT_BUS_NAME: 'bus' };

describe('readLogIntakeSettings', () => {
  it('applies the defaults', () => {
    const settings = readLogIntakeSettings(required);
    expect(settings).toMatchObject({
      tableName: 'state',
      eventBusName: 'bus',
      flood: { thresholdPerMinute: 300 },
      burst: { minCount: 20, stdDevs: 4 },
      maxDetections: 20,
    });
    expect(settings.signatures).toHaveLength(BUILT_IN_SIGNATURES.length);
  });

  it('reads the optional settings', () => {
    const settings = readLogIntakeSettings({
      ...required,
      FLOOD_THRESHOLD_PER_MINUTE: '120',
      BURST_MIN_COUNT: '50',
      BURST_STD_DEVS: '3.5',
      MAX_DETECTIONS_PER_BATCH: '5',
      SIGNATURES: JSON.stringify([{ id: 'ours', title: 'Ours', pattern: 'ours failed', severity: 'low' }]),
    });
    expect(settings).toMatchObject({ flood: { thresholdPerMinute: 120 }, burst: { minCount: 50, stdDevs: 3.5 }, maxDetections: 5 });
    expect(settings.signatures.at(-1)!.id).toBe('ours');
  });

  it('fails loudly on a missing or wrong setting', () => {
    expect(() => readLogIntakeSettings({ TABLE_NAME: 'state' })).toThrow(/EVENT_BUS_NAME is required/);
    expect(() => readLogIntakeSettings({ ...required, FLOOD_THRESHOLD_PER_MINUTE: 'lots' })).toThrow(/FLOOD_THRESHOLD_PER_MINUTE must be a number above 0, not "lots"/);
    expect(() => readLogIntakeSettings({ ...required, BURST_MIN_COUNT: '0' })).toThrow(/BURST_MIN_COUNT/);
    expect(() => readLogIntakeSettings({ ...required, SIGNATURES: '[{"id":"x"}]' })).toThrow(InvalidSignatureError);
  });
});
