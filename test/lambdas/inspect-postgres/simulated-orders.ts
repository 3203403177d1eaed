import { SimulatedDatabase } from '../../../local/simulated-database.js';
import { QUERY_ID } from './postgres-fixtures.js';

/** The simulated `orders-db`: 200k orders looked up by customer without an index (95 ms, 1.2 ms with one). */
export const ORDERS = { schema: 'public', table: 'orders' } as const;

export function simulatedOrdersDb(options: { helps?: boolean; plannedCostReduction?: number; bytes?: number } = {}): SimulatedDatabase {
  return new SimulatedDatabase({
    tables: [{ relation: ORDERS, rows: 200_000, bytes: options.bytes ?? 42_000_000, indexes: [{ name: 'orders_pkey', columns: ['id'] }] }],
    queries: [
      {
        queryId: QUERY_ID,
        text: 'SELECT id, amount, status FROM public.orders WHERE customer_id = $1',
        relation: ORDERS,
        indexColumns: ['customer_id'],
        meanMs: 95,
        meanMsWithIndex: options.helps === false ? 97 : 1.2,
        plannedCostReduction: options.plannedCostReduction ?? 0.99,
      },
      {
        queryId: '777',
        text: 'SELECT * FROM public.orders WHERE id = $1',
        relation: ORDERS,
        indexColumns: ['id'],
        meanMs: 0.05,
        meanMsWithIndex: 0.05,
        plannedCostReduction: 0,
      },
    ],
  });
}
