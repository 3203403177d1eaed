import type { BurstOptions } from './burst-detector.js';
import type { FloodOptions } from '../shared/access-logs/flood-detector.js';
import { type CompiledSignature, parseSignaturesSetting } from './signatures.js';

/**
 * The log intake's settings, read from its environment once per cold start.
 * A setting that is present but wrong fails the cold start with a message
 * naming it, rather than running with a default nobody chose.
 */
export interface LogIntakeSettings {
  readonly tableName: string;
  readonly eventBusName: string;
  readonly signatures: readonly CompiledSignature[];
  readonly flood: FloodOptions;
  readonly burst: BurstOptions;
  readonly maxDetections: number;
}

export function readLogIntakeSettings(env: Readonly<Record<string, string | undefined>>): LogIntakeSettings {
  return {
    tableName: required(env, 'TABLE_NAME'),
    eventBusName: required(env, 'EVENT_BUS_NAME'),
    signatures: parseSignaturesSetting(env.SIGNATURES),
    flood: { thresholdPerMinute: positive(env, 'FLOOD_THRESHOLD_PER_MINUTE', 300) },
    burst: {
      minCount: positive(env, 'BURST_MIN_COUNT', 20),
      stdDevs: positive(env, 'BURST_STD_DEVS', 4),
    },
    maxDetections: positive(env, 'MAX_DETECTIONS_PER_BATCH', 20),
  };
}

function required(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is required but not set`);
  return value;
}

function positive(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a number above 0, not ${JSON.stringify(text)}`);
  return value;
}
