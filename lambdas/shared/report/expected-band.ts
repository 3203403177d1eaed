import { AnomalyDetector } from '../metrics/index.js';

/** Standard deviations either side of the baseline: CloudWatch's default anomaly band width, so the two read alike. */
export const EXPECTED_BAND_WIDTH = 2;
/** Points the detector learns from before it draws a band. */
const WARMUP_POINTS = 5;

export interface ExpectedBand {
  readonly description: string;
  readonly points: { t: string; lower: number; upper: number }[];
}

/**
 * The range each point was expected in, by the workflow's own anomaly
 * detector: its baseline (the rolling median before the point) ± 2 noise
 * standard deviations. Drawn when an alarm has no static threshold (an
 * anomaly-detection alarm whose band the context does not carry), so the
 * picture still shows what normal looked like. Undefined for a series too
 * short to learn from.
 */
export function expectedBand(points: readonly { t: string; v: number }[], periodSeconds?: number): ExpectedBand | undefined {
  const detector = new AnomalyDetector({
    ...(periodSeconds === undefined ? {} : { stepMs: periodSeconds * 1_000 }),
    warmupPoints: WARMUP_POINTS,
    daily: false,
    weekly: false,
  });
  const band: ExpectedBand['points'] = [];
  for (const point of points) {
    detector.update(Date.parse(point.t), point.v);
    const detail = detector.lastDetail;
    if (detail === undefined) continue;
    band.push({ t: point.t, lower: detail.baseline - EXPECTED_BAND_WIDTH * detail.spread, upper: detail.baseline + EXPECTED_BAND_WIDTH * detail.spread });
  }
  if (band.length < 2) return undefined;
  return { description: `expected range: the detector's baseline ± ${EXPECTED_BAND_WIDTH} σ`, points: band };
}
