import { describe, expect, it } from 'vitest';
import { utf8Bytes } from '../../lambdas/shared/index-advisor/advisor-schemas.js';
import { indexNameFor, isOwnIndex } from '../../lambdas/shared/index-advisor/index-name.js';

const orders = { schema: 'public', table: 'orders' };

describe('indexNameFor', () => {
  it('is recognisable: prefix, table, columns, short hash', () => {
    // Act
    const name = indexNameFor(orders, ['customer_id', 'created_at']);

    // Assess
    expect(name).toMatch(/^selfheal_orders_customer_id_created_at_[0-9a-f]{8}$/);
    expect(isOwnIndex(name)).toBe(true);
  });

  it('is the same for the same table and columns, and differs otherwise', () => {
    // Act
    const name = indexNameFor(orders, ['a', 'b']);

    // Assess
    expect(indexNameFor({ schema: 'public', table: 'orders' }, ['a', 'b'])).toBe(name);
    expect(indexNameFor(orders, ['b', 'a'])).not.toBe(name);
    expect(indexNameFor({ schema: 'sales', table: 'orders' }, ['a', 'b'])).not.toBe(name);
    expect(indexNameFor(orders, ['a_b'])).not.toBe(indexNameFor(orders, ['a', 'b']));
  });

  it('stays within 63 bytes for long, non-ASCII and quoted names', () => {
    // Prepare
    const long = 'x'.repeat(63);
    const cases = [
      indexNameFor({ schema: long, table: long }, [long, long, long]),
      indexNameFor({ schema: 'public', table: 'Bestellungen_Übersicht' }, ['Größe', 'ñ']),
      indexNameFor({ schema: 'public', table: 'we"ird table' }, ['Customer Id']),
      indexNameFor({ schema: 'public', table: '日本語' }, ['列']),
    ];

    // Assess
    for (const name of cases) {
      expect(utf8Bytes(name)).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9_]+$/);
      expect(isOwnIndex(name)).toBe(true);
    }
    expect(cases[3]).toMatch(/^selfheal_idx_[0-9a-f]{8}$/);
    expect(cases[2]).toMatch(/^selfheal_we_ird_table_customer_id_/);
  });

  it('keeps two long tables that shorten alike apart', () => {
    // Prepare
    const prefix = 'a'.repeat(60);

    // Act & Assess
    expect(indexNameFor(orders, [`${prefix}1`])).not.toBe(indexNameFor(orders, [`${prefix}2`]));
  });

  it('refuses an index without columns', () => {
    // Act & Assess
    expect(() => indexNameFor(orders, [])).toThrow(RangeError);
  });
});

describe('isOwnIndex', () => {
  it.each([
    ['orders_pkey', false],
    ['idx_orders_customer_id', false],
    ['selfheal_orders_customer_id', false],
    ['selfheal_orders_customer_id_ABCDEF12', false],
    ['selfheal_orders_customer_id_abcdef1', false],
    ['Selfheal_orders_customer_id_abcdef12', false],
    ['selfheal_orders_customer id_abcdef12', false],
    [`selfheal_${'a'.repeat(50)}_abcdef12`, false],
    ['selfheal_orders_customer_id_abcdef12', true],
    ['', false],
  ])('%s: %s', (name, expected) => {
    // Act & Assess
    expect(isOwnIndex(name)).toBe(expected);
  });
});
