import { describe, expect, it } from 'vitest';
import { toAlarmHistory } from '../../../lambdas/build-context/read-alarm.js';

describe('toAlarmHistory', () => {
  it('lists the state changes newest first, up to the cap', () => {
    // Prepare
    const item = (at: string, summary: string) => ({ Timestamp: new Date(at), HistoryItemType: 'StateUpdate' as const, HistorySummary: summary });

    // Act
    const history = toAlarmHistory(
      [
        item('2026-11-27T09:40:00.000Z', 'Alarm updated from OK to ALARM'),
        item('2026-11-27T09:50:00.000Z', 'Alarm updated from ALARM to OK'),
        item('2026-11-27T10:00:00.000Z', 'Alarm updated from OK to ALARM'),
        { HistorySummary: 'no time' },
      ],
      2,
    );

    // Assess
    expect(history).toEqual([
      { at: '2026-11-27T10:00:00.000Z', summary: 'Alarm updated from OK to ALARM' },
      { at: '2026-11-27T09:50:00.000Z', summary: 'Alarm updated from ALARM to OK' },
    ]);
  });
});
