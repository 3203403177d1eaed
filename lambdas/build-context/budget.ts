import * as z from 'zod';

/**
 * How much time and space gathering an incident's context may take.
 *
 * Each value is read from an environment variable of the BuildContext
 * function, with a default:
 *
 * | Field                 | Variable                          | Default |
 * | --------------------- | --------------------------------- | ------- |
 * | `totalTimeMs`         | `CONTEXT_TOTAL_TIME_MS`           | 8000    |
 * | `partTimeMs`          | `CONTEXT_PART_TIME_MS`            | 4000    |
 * | `maxContextChars`     | `CONTEXT_MAX_CHARS`               | 12000   |
 * | `maxLogLinesPerGroup` | `CONTEXT_MAX_LOG_LINES_PER_GROUP` | 20      |
 * | `maxLogLineChars`     | `CONTEXT_MAX_LOG_LINE_CHARS`      | 300     |
 * | `maxMetricPoints`     | `CONTEXT_MAX_METRIC_POINTS`       | 60      |
 * | `maxChanges`          | `CONTEXT_MAX_CHANGES`             | 20      |
 * | `maxAlarmHistory`     | `CONTEXT_MAX_ALARM_HISTORY`       | 10      |
 * | `logFilterPattern`    | `CONTEXT_LOG_FILTER_PATTERN`      | {@link DEFAULT_LOG_FILTER_PATTERN} |
 *
 * A value that is set but invalid fails the cold start, loudly.
 */
export interface ContextBudget {
  /**
   * Wall time for the whole gathering, including the group's required read.
   * @default 8000
   */
  readonly totalTimeMs: number;
  /**
   * Wall time for each optional part; a part still running then becomes a gap.
   * @default 4000
   */
  readonly partTimeMs: number;
  /**
   * Largest serialised (JSON) context; `fitToBudget` trims to fit.
   * @default 12000
   */
  readonly maxContextChars: number;
  /**
   * Log lines kept per log group.
   * @default 20
   */
  readonly maxLogLinesPerGroup: number;
  /**
   * Characters kept of each log line.
   * @default 300
   */
  readonly maxLogLineChars: number;
  /**
   * Points per metric series; a longer window uses a longer period.
   * @default 60
   */
  readonly maxMetricPoints: number;
  /**
   * Changes kept (scaling activities and CloudTrail events together).
   * @default 20
   */
  readonly maxChanges: number;
  /**
   * Alarm state changes kept.
   * @default 10
   */
  readonly maxAlarmHistory: number;
  /**
   * CloudWatch Logs filter pattern for the excerpts; the default favours errors.
   * @default DEFAULT_LOG_FILTER_PATTERN
   */
  readonly logFilterPattern: string;
}

/** Any of these terms matches (`?term` is OR in the CloudWatch Logs filter syntax). */
export const DEFAULT_LOG_FILTER_PATTERN = '?ERROR ?Error ?error ?Exception ?refused ?timeout ?OOM ?Killed ?BackOff';

export const DEFAULT_CONTEXT_BUDGET: ContextBudget = {
  totalTimeMs: 8_000,
  partTimeMs: 4_000,
  maxContextChars: 12_000,
  maxLogLinesPerGroup: 20,
  maxLogLineChars: 300,
  maxMetricPoints: 60,
  maxChanges: 20,
  maxAlarmHistory: 10,
  logFilterPattern: DEFAULT_LOG_FILTER_PATTERN,
};

/** The environment variable that sets each field. */
export const CONTEXT_BUDGET_ENV = {
  totalTimeMs: 'CONTEXT_TOTAL_TIME_MS',
  partTimeMs: 'CONTEXT_PART_TIME_MS',
  maxContextChars: 'CONTEXT_MAX_CHARS',
  maxLogLinesPerGroup: 'CONTEXT_MAX_LOG_LINES_PER_GROUP',
  maxLogLineChars: 'CONTEXT_MAX_LOG_LINE_CHARS',
  maxMetricPoints: 'CONTEXT_MAX_METRIC_POINTS',
  maxChanges: 'CONTEXT_MAX_CHANGES',
  maxAlarmHistory: 'CONTEXT_MAX_ALARM_HISTORY',
  logFilterPattern: 'CONTEXT_LOG_FILTER_PATTERN',
} as const satisfies Record<keyof ContextBudget, string>;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const BudgetSchema = z.object({
  totalTimeMs: integer(100, 300_000),
  partTimeMs: integer(50, 300_000),
  maxContextChars: integer(2_000, 1_000_000),
  maxLogLinesPerGroup: integer(0, 1_000),
  maxLogLineChars: integer(20, 10_000),
  maxMetricPoints: integer(2, 1_440),
  maxChanges: integer(0, 100),
  maxAlarmHistory: integer(0, 100),
  logFilterPattern: z.string().max(1_024),
});

/** The budget from the environment; unset (or empty) variables keep their default. */
export function readContextBudget(env: Record<string, string | undefined> = process.env): ContextBudget {
  const raw: Record<string, unknown> = {};
  for (const [field, variable] of Object.entries(CONTEXT_BUDGET_ENV)) {
    const value = env[variable];
    raw[field] = value === undefined || value === '' ? DEFAULT_CONTEXT_BUDGET[field as keyof ContextBudget] : value;
  }
  const parsed = BudgetSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]) as keyof ContextBudget;
      return `${CONTEXT_BUDGET_ENV[field] ?? field}: ${issue.message}`;
    });
    throw new Error(`invalid context budget: ${issues.join('; ')}`);
  }
  return parsed.data;
}
