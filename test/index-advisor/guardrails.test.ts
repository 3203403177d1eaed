import { describe, expect, it } from 'vitest';
import type { TableStats } from '../../lambdas/shared/index-advisor/advisor-schemas.js';
import { checkGuardrails, insideMaintenanceWindow, writeRatePerSecond } from '../../lambdas/shared/index-advisor/guardrails.js';

const relation = { schema: 'app', table: 'orders' };
const GIB = 1024 ** 3;
const stats = (fields: Partial<TableStats> = {}): TableStats => ({
  relation,
  seqScan: 100,
  idxScan: 10,
  nTupIns: 1_000_000,
  nTupUpd: 5_000,
  nTupDel: 100,
  liveTuples: 1_000_000,
  totalBytes: 140 * 1024 ** 2,
  indexCount: 1,
  partitioned: false,
  sampledAt: '2026-11-27T10:00:00.000Z',
  ...fields,
});
const now = new Date('2026-11-27T10:30:00Z'); // a Friday

describe('writeRatePerSecond', () => {
  it('divides the rows written between two samples by the seconds between them', () => {
    // Prepare
    const later = stats({ nTupIns: 1_001_000, nTupUpd: 6_000, nTupDel: 600, sampledAt: '2026-11-27T10:00:05.000Z' });

    // Act & Assess
    expect(writeRatePerSecond(stats(), later)).toBe(500);
  });

  it('is unknown when the counters went down (statistics reset) or no time passed', () => {
    // Act & Assess
    expect(writeRatePerSecond(stats(), stats({ nTupUpd: 0, sampledAt: '2026-11-27T10:00:05.000Z' }))).toBeUndefined();
    expect(writeRatePerSecond(stats(), stats())).toBeUndefined();
    expect(writeRatePerSecond(stats({ sampledAt: '2026-11-27T10:00:05.000Z' }), stats())).toBeUndefined();
  });

  it('refuses samples of two different tables', () => {
    // Act & Assess
    expect(() => writeRatePerSecond(stats(), stats({ relation: { schema: 'app', table: 'events' } }))).toThrow(RangeError);
  });
});

describe('insideMaintenanceWindow', () => {
  it.each([
    [{ startHourUtc: 9, endHourUtc: 12 }, '2026-11-27T10:30:00Z', true],
    [{ startHourUtc: 9, endHourUtc: 12 }, '2026-11-27T12:00:00Z', false],
    [{ startHourUtc: 9, endHourUtc: 12 }, '2026-11-27T09:00:00Z', true],
    [{ startHourUtc: 22, endHourUtc: 4 }, '2026-11-27T23:10:00Z', true],
    [{ startHourUtc: 22, endHourUtc: 4 }, '2026-11-28T03:59:00Z', true],
    [{ startHourUtc: 22, endHourUtc: 4 }, '2026-11-28T04:00:00Z', false],
    [{ startHourUtc: 22, endHourUtc: 4, days: [6] }, '2026-11-28T23:00:00Z', true], // Saturday night
    [{ startHourUtc: 22, endHourUtc: 4, days: [6] }, '2026-11-29T02:00:00Z', true], // Saturday's window, after midnight
    [{ startHourUtc: 22, endHourUtc: 4, days: [6] }, '2026-11-28T02:00:00Z', false], // Friday's night is not in it
    [{ startHourUtc: 0, endHourUtc: 24, days: [0, 6] }, '2026-11-27T10:00:00Z', false], // weekends only
  ])('%j at %s: %s', (window, at, expected) => {
    // Act & Assess
    expect(insideMaintenanceWindow(window, new Date(at))).toBe(expected);
  });
});

describe('checkGuardrails', () => {
  it('allows a quiet, small table', () => {
    // Act
    const verdict = checkGuardrails({ table: stats(), writesPerSecond: 12, now });

    // Assess
    expect(verdict).toEqual({ allowed: true, findings: [] });
  });

  it.each([
    ['write-heavy-table', { writesPerSecond: 5_000 }, {}],
    ['write-rate-unknown', { writesPerSecond: undefined }, {}],
    ['write-rate-unknown', { writesPerSecond: Number.NaN }, {}],
    ['table-too-large', {}, { totalBytes: 25 * GIB }],
    ['too-many-indexes', {}, { indexCount: 10 }],
    ['partitioned-table', {}, { partitioned: true }],
  ] as const)('refuses with %s', (reason, input, tableFields) => {
    // Act
    const verdict = checkGuardrails({ table: stats(tableFields), writesPerSecond: 12, now, ...input });

    // Assess
    expect(verdict.allowed).toBe(false);
    expect(verdict.findings.map((finding) => finding.reason)).toEqual([reason]);
    expect(verdict.findings[0]!.detail).not.toBe('');
  });

  it('refuses outside the maintenance window, and names every reason at once', () => {
    // Act
    const verdict = checkGuardrails(
      { table: stats({ totalBytes: 2 * GIB, indexCount: 4 }), writesPerSecond: 300, now },
      { maxTableBytes: GIB, maxWritesPerSecond: 100, maxIndexesPerTable: 4, maintenanceWindow: { startHourUtc: 1, endHourUtc: 5 } },
    );

    // Assess
    expect(verdict.findings.map((finding) => finding.reason)).toEqual(['table-too-large', 'write-heavy-table', 'too-many-indexes', 'outside-maintenance-window']);
  });

  it('allows inside the maintenance window', () => {
    // Act & Assess
    expect(checkGuardrails({ table: stats(), writesPerSecond: 1, now }, { maintenanceWindow: { startHourUtc: 10, endHourUtc: 11 } }).allowed).toBe(true);
  });

  it('refuses settings that make no sense', () => {
    // Act & Assess
    expect(() => checkGuardrails({ table: stats(), writesPerSecond: 1, now }, { maxWritesPerSecond: -1 })).toThrow();
    expect(() => checkGuardrails({ table: stats(), writesPerSecond: 1, now }, { maintenanceWindow: { startHourUtc: 25, endHourUtc: 2 } })).toThrow();
  });
});
