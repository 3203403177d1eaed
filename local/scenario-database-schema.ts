import * as z from 'zod';

/**
 * The database of a PostgreSQL scenario: an orders table whose lookup by
 * customer has no index, and an application that keeps running that
 * lookup. Run on the local PostgreSQL when SELF_HEAL_PG_URL and
 * SELF_HEAL_PG_READER_URL are set (a table of its own, in a unique schema
 * dropped afterwards), else on the simulated database.
 */
export const ScenarioDatabaseSchema = z.object({
  /** The `rds-postgres` resource the database stands behind. */
  resource: z.string(),
  /** Rows of the orders table (real PostgreSQL). */
  rows: z.number().int().min(10_000).max(2_000_000).default(200_000),
  /** Whether the local PostgreSQL is used when one is configured; false always simulates (e.g. an index the planner overrates). */
  realPostgres: z.boolean().default(true),
  /** The simulated lookup: its mean time without and with the index, and the planner cost drop HypoPG would estimate. */
  simulated: z
    .object({
      meanMs: z.number().min(0).default(95),
      meanMsWithIndex: z.number().min(0).default(1.2),
      plannedCostReduction: z.number().min(0).max(1).default(0.99),
    })
    .prefault({}),
  /** How many runs of the lookup make one batch of the application's traffic. */
  callsPerBatch: z.number().int().min(20).max(200).default(25),
  /** Slow-statement lines written to the resource's log group before the signals. */
  slowLogLines: z.number().int().min(1).max(50).default(5),
});
export type ScenarioDatabaseConfig = z.infer<typeof ScenarioDatabaseSchema>;
