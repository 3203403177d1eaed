import { describe, expect, it } from 'vitest';
import { escapeIdentifier } from 'pg';
import { NotOurIndexError } from '../../lambdas/shared/index-advisor/index-advisor-errors.js';
import { createIndexSql, dropIndexSql, hypotheticalIndexSql, quoteIdentifier } from '../../lambdas/shared/index-advisor/index-ddl.js';
import { indexNameFor } from '../../lambdas/shared/index-advisor/index-name.js';

describe('quoteIdentifier', () => {
  it.each(['orders', 'Orders', 'customer id', 'we"ird', '"', 'robert"); DROP TABLE students;--', 'Größe', 'select'])(
    'quotes %j exactly as pg.escapeIdentifier does',
    (name) => {
      // Act & Assess
      expect(quoteIdentifier(name)).toBe(escapeIdentifier(name));
    },
  );

  it.each(['', 'a\u0000b'])('refuses %j', (name) => {
    // Act & Assess
    expect(() => quoteIdentifier(name)).toThrow(RangeError);
  });
});

describe('createIndexSql', () => {
  it('builds a concurrent, idempotent btree build', () => {
    // Act
    const sql = createIndexSql({ schema: 'public', table: 'orders' }, ['customer_id', 'created_at'], 'selfheal_orders_customer_id_created_at_0123abcd');

    // Assess
    expect(sql).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "selfheal_orders_customer_id_created_at_0123abcd" ON "public"."orders" USING btree ("customer_id", "created_at")',
    );
  });

  it('keeps hostile names inside their quotes', () => {
    // Act
    const sql = createIndexSql({ schema: 'app"; DROP SCHEMA app; --', table: 'Order Lines' }, ['a"b'], 'selfheal_x_00000000');

    // Assess
    expect(sql).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "selfheal_x_00000000" ON "app""; DROP SCHEMA app; --"."Order Lines" USING btree ("a""b")');
  });

  it('refuses an index without columns', () => {
    // Act & Assess
    expect(() => createIndexSql({ schema: 'public', table: 'orders' }, [], 'selfheal_x_00000000')).toThrow(RangeError);
  });
});

describe('hypotheticalIndexSql', () => {
  it('is a plain CREATE INDEX, as HypoPG takes it', () => {
    // Act & Assess
    expect(hypotheticalIndexSql({ schema: 'shop', table: 'events' }, ['user_id', 'occurred_at'])).toBe(
      'CREATE INDEX ON "shop"."events" USING btree ("user_id", "occurred_at")',
    );
  });
});

describe('dropIndexSql', () => {
  it('drops our own index concurrently', () => {
    // Prepare
    const name = indexNameFor({ schema: 'public', table: 'orders' }, ['status']);

    // Act & Assess
    expect(dropIndexSql('public', name)).toBe(`DROP INDEX CONCURRENTLY IF EXISTS "public"."${name}"`);
  });

  it.each(['orders_pkey', 'customers_email_key', 'selfheal_but_not_really', 'selfheal_x_0000000g'])('refuses to drop %s: NotOurIndexError', (name) => {
    // Act & Assess
    expect(() => dropIndexSql('public', name)).toThrow(NotOurIndexError);
  });
});
