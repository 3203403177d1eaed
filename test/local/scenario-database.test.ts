import { afterEach, describe, expect, it } from 'vitest';
import { postgresEdge } from '../../lambdas/shared/postgres/postgres-edge.js';
import { ScenarioDatabaseSchema } from '../../local/scenario-database-schema.js';
import { localPostgresUrls, openScenarioDatabase, type ScenarioDatabase } from '../../local/scenario-database.js';
import { testPgResource } from '../lambdas/inspect-postgres/postgres-fixtures.js';

/**
 * The database of a PostgreSQL scenario: simulated unless a local
 * PostgreSQL is configured (and the scenario allows it), installed behind
 * the edge the PostgreSQL functions use, with the application's lookup
 * running between reads.
 */
describe('scenario database', () => {
  let database: ScenarioDatabase | undefined;
  const noDefault = () => {
    throw new Error('the default edge must not be used');
  };
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('is simulated when the scenario asks for it, and installs its edge until closed', async () => {
    // Act
    database = await openScenarioDatabase(ScenarioDatabaseSchema.parse({ resource: 'orders-db', realPostgres: false }));
    await database.install({ reader: 'r', actor: 'a' });

    // Assess
    expect(database).toMatchObject({ kind: 'simulated', schema: 'public' });
    expect(database.description).toMatch(/^simulated PostgreSQL \((the scenario asks for it|SELF_HEAL_PG_URL and SELF_HEAL_PG_READER_URL not set)\)/);
    expect(postgresEdge(noDefault).kind).toBe('simulated');
    expect(database.latencyMs()).toBe(95);
    expect(database.slowStatementLines(2)).toEqual([
      expect.stringMatching(/LOG: {2}duration: \d+\.\d{3} ms {2}statement: SELECT id, amount, status FROM public\.orders WHERE customer_id = \d+$/),
      expect.anything(),
    ]);
    const reader = await postgresEdge(noDefault).openReader(testPgResource());
    expect((await reader.topQueries(1))[0]).toMatchObject({ calls: 50, totalExecTimeMs: 4_750 });
    expect(await database.ownIndexes()).toEqual([]);
    await database.close();
    database = undefined;
    expect(() => postgresEdge(noDefault)).toThrow('the default edge must not be used');
  });

  it.runIf(localPostgresUrls() !== undefined)('runs on the local PostgreSQL when it is configured, in a schema of its own that it drops', async () => {
    database = await openScenarioDatabase(ScenarioDatabaseSchema.parse({ resource: 'orders-db', rows: 20_000 }));
    await database.install({ reader: 'arn:reader', actor: 'arn:actor' });
    expect(database).toMatchObject({ kind: 'postgres', schema: expect.stringMatching(/^selfheal_scn_\d+_\d+$/) });
    expect(postgresEdge(noDefault).kind).toBe('postgres');
    expect(database.latencyMs()).toBeGreaterThan(0);
    expect(await database.ownIndexes()).toEqual([]);
  }, 60_000);
});
