/** Formatting shared by the timeline picture and the page: times are UTC, durations human-sized. */

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `2026-11-28 01:06:14 UTC` */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${formatClock(date.getTime(), 'seconds')} UTC`;
}

/** `01:06`, `01:06:14` or `01:06:14.336`, UTC. */
export function formatClock(ms: number, precision: 'minutes' | 'seconds' | 'millis' = 'seconds'): string {
  const date = new Date(ms);
  const minutes = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  if (precision === 'minutes') return minutes;
  const seconds = `${minutes}:${pad(date.getUTCSeconds())}`;
  return precision === 'seconds' ? seconds : `${seconds}.${pad(date.getUTCMilliseconds(), 3)}`;
}

/** `12 ms`, `1.2 s`, `45 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const sign = ms < 0 ? '−' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 10_000) return `${sign}${(abs / 1_000).toFixed(1)} s`;
  if (abs < 60_000) return `${sign}${Math.round(abs / 1_000)} s`;
  if (abs < 3_600_000) {
    const minutes = Math.floor(abs / 60_000);
    const seconds = Math.round((abs - minutes * 60_000) / 1_000);
    return seconds === 0 || minutes >= 10 ? `${sign}${minutes} min` : `${sign}${minutes} min ${seconds} s`;
  }
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.round((abs - hours * 3_600_000) / 60_000);
  return minutes === 0 ? `${sign}${hours} h` : `${sign}${hours} h ${minutes} min`;
}

/** A number as people read it on a chart: `95`, `63.3`, `6,210`, `0.012`. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}
