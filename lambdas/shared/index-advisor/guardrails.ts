import * as z from 'zod';
import { relationKey, sameRelation, type TableStats } from './advisor-schemas.js';

/**
 * Whether an index may be built on a table now. An index build reads the
 * whole table and every later write maintains the index, so big tables,
 * write-heavy tables and tables that already carry many indexes are left to
 * a human; so is any time outside the maintenance window, when one is set.
 */

export const MaintenanceWindowSchema = z
  .object({
    /** UTC days the window opens on, 0 = Sunday. @default every day */
    days: z.array(z.number().int().min(0).max(6)).min(1).optional(),
    /** UTC hour the window opens (inclusive). */
    startHourUtc: z.number().int().min(0).max(23),
    /** UTC hour the window closes (exclusive); at or before the start, the window runs past midnight. */
    endHourUtc: z.number().int().min(1).max(24),
  })
  .strict();
export type MaintenanceWindow = z.infer<typeof MaintenanceWindowSchema>;

export const DEFAULT_GUARDRAILS = {
  /** 20 GiB: a concurrent build reads the table at least twice. */
  maxTableBytes: 20 * 1024 ** 3,
  /** Inserted + updated + deleted rows per second. */
  maxWritesPerSecond: 1_000,
  maxIndexesPerTable: 10,
} as const;

export const GuardrailSettingsSchema = z
  .object({
    maxTableBytes: z.number().int().min(0).default(DEFAULT_GUARDRAILS.maxTableBytes),
    maxWritesPerSecond: z.number().min(0).default(DEFAULT_GUARDRAILS.maxWritesPerSecond),
    maxIndexesPerTable: z.number().int().min(0).default(DEFAULT_GUARDRAILS.maxIndexesPerTable),
    maintenanceWindow: MaintenanceWindowSchema.optional(),
  })
  .strict();
/** Settings with every default filled in. */
export type GuardrailSettings = z.infer<typeof GuardrailSettingsSchema>;
/** Settings as given: any field may be left to its default. */
export type GuardrailSettingsInput = z.input<typeof GuardrailSettingsSchema>;

export const GUARDRAIL_REASONS = [
  'table-too-large',
  'write-heavy-table',
  'write-rate-unknown',
  'too-many-indexes',
  'outside-maintenance-window',
  'partitioned-table',
] as const;
export type GuardrailReason = (typeof GUARDRAIL_REASONS)[number];

export interface GuardrailFinding {
  readonly reason: GuardrailReason;
  readonly detail: string;
}

export interface GuardrailVerdict {
  readonly allowed: boolean;
  /** Every reason that refuses the build; empty when allowed. */
  readonly findings: readonly GuardrailFinding[];
}

export interface GuardrailInput {
  readonly table: TableStats;
  /** Measured writes per second (see `writeRatePerSecond`); undefined when it could not be measured. */
  readonly writesPerSecond: number | undefined;
  readonly now: Date;
}

const GIB = 1024 ** 3;

/** Rows written per second between two samples of the same table; undefined if the counters were reset or no time passed. */
export function writeRatePerSecond(earlier: TableStats, later: TableStats): number | undefined {
  if (!sameRelation(earlier.relation, later.relation)) {
    throw new RangeError(`write rate needs two samples of one table, got ${relationKey(earlier.relation)} and ${relationKey(later.relation)}`);
  }
  const seconds = (Date.parse(later.sampledAt) - Date.parse(earlier.sampledAt)) / 1_000;
  if (!(seconds > 0)) return undefined;
  const deltas = [later.nTupIns - earlier.nTupIns, later.nTupUpd - earlier.nTupUpd, later.nTupDel - earlier.nTupDel];
  if (deltas.some((delta) => delta < 0)) return undefined;
  return deltas.reduce((sum, delta) => sum + delta, 0) / seconds;
}

/** Whether `now` falls inside the window. */
export function insideMaintenanceWindow(window: MaintenanceWindow, now: Date): boolean {
  const day = now.getUTCDay();
  const hour = now.getUTCHours();
  const opensOn = (weekday: number) => window.days === undefined || window.days.includes(weekday);
  if (window.startHourUtc < window.endHourUtc) return opensOn(day) && hour >= window.startHourUtc && hour < window.endHourUtc;
  // Past midnight: the evening part belongs to today's window, the morning part to yesterday's.
  return (opensOn(day) && hour >= window.startHourUtc) || (opensOn((day + 6) % 7) && hour < window.endHourUtc);
}

export function checkGuardrails(input: GuardrailInput, settings: GuardrailSettingsInput = {}): GuardrailVerdict {
  const limits = GuardrailSettingsSchema.parse(settings);
  const { table, writesPerSecond, now } = input;
  const findings: GuardrailFinding[] = [];
  if (table.partitioned) {
    findings.push({ reason: 'partitioned-table', detail: 'indexes on a partitioned table cannot be built concurrently' });
  }
  if (table.totalBytes > limits.maxTableBytes) {
    findings.push({
      reason: 'table-too-large',
      detail: `${(table.totalBytes / GIB).toFixed(1)} GiB is over the ${(limits.maxTableBytes / GIB).toFixed(1)} GiB limit`,
    });
  }
  if (writesPerSecond === undefined || !Number.isFinite(writesPerSecond)) {
    findings.push({ reason: 'write-rate-unknown', detail: 'the write rate could not be measured (statistics reset, or no interval)' });
  } else if (writesPerSecond > limits.maxWritesPerSecond) {
    findings.push({
      reason: 'write-heavy-table',
      detail: `${Math.round(writesPerSecond)} rows written per second is over the limit of ${limits.maxWritesPerSecond}`,
    });
  }
  if (table.indexCount >= limits.maxIndexesPerTable) {
    findings.push({ reason: 'too-many-indexes', detail: `the table has ${table.indexCount} indexes; the limit is ${limits.maxIndexesPerTable}` });
  }
  if (limits.maintenanceWindow !== undefined && !insideMaintenanceWindow(limits.maintenanceWindow, now)) {
    const { startHourUtc, endHourUtc } = limits.maintenanceWindow;
    findings.push({ reason: 'outside-maintenance-window', detail: `${now.toISOString()} is outside the window ${startHourUtc}:00–${endHourUtc}:00 UTC` });
  }
  return { allowed: findings.length === 0, findings };
}
