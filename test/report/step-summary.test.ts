import { describe, expect, it } from 'vitest';
import { summariseStep } from '../../lambdas/shared/report/step-summary.js';

describe('summariseStep for the database and escalation states', () => {
  it('says what the index advisor found and what the measurement showed', () => {
    const inspected = {
      context: {
        database: {
          summary: 'recommends selfheal_orders_customer_id on sales.orders (customer_id): planner cost -97%',
          topQueries: [{ queryId: '42', meanExecTimeMs: 95.04, calls: 1200 }],
        },
      },
    };
    expect(summariseStep('InspectDatabase', inspected)).toBe(
      'recommends selfheal_orders_customer_id on sales.orders (customer_id): planner cost -97%; busiest 42 (mean 95.0 ms, 1200 calls)',
    );
    expect(summariseStep('MeasureIndexEffect', { indexEffect: { verdict: 'improved', summary: 'mean 95.0 ms → 1.20 ms (-99%)' } })).toBe(
      'improved: mean 95.0 ms → 1.20 ms (-99%)',
    );
    expect(summariseStep('CreateIndexConcurrently', { action: { summary: 'built selfheal_orders_customer_id', changed: true, edge: 'postgres' } })).toBe(
      'built selfheal_orders_customer_id (before-state and pg_stat_statements recorded) [postgres database]',
    );
    expect(summariseStep('UndoCreateIndex', { undo: { undone: true, summary: 'dropped selfheal_orders_customer_id' } })).toBe('UNDONE: dropped selfheal_orders_customer_id');
  });

  it('words a failed escalation, and says nothing for a state that exited without its result', () => {
    expect(summariseStep('DescribeFailedEscalation', { escalation: { reason: 'the escalation step failed (NotFound)' } })).toBe('the escalation step failed (NotFound)');
    expect(summariseStep('MeasureIndexEffect', { error: { Error: 'PostgresUnavailableError' } })).toBe('');
  });
});
