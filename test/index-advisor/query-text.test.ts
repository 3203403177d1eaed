import { describe, expect, it } from 'vitest';
import { QueryNotExplainableError } from '../../lambdas/shared/index-advisor/index-advisor-errors.js';
import { explainableStatement } from '../../lambdas/shared/index-advisor/query-text.js';

describe('explainableStatement', () => {
  it.each([
    ['SELECT * FROM t WHERE a = $1', 'select', 1],
    ['select * from t where a = $1 and b between $2 and $3 limit $4', 'select', 4],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'with', 0],
    ['UPDATE t SET a = $1 WHERE id = $2', 'update', 2],
    ['DELETE FROM t WHERE id = $1', 'delete', 1],
    ['(SELECT 1) UNION (SELECT 2)', 'select', 0],
    ['/* app=shop */ SELECT * FROM t WHERE a = $2', 'select', 2],
    ['-- comment\nSELECT 1', 'select', 0],
    ['/* outer /* nested */ still comment */ SELECT $1', 'select', 1],
    ["SELECT '$9', \"$8\", $$ $7 $$, $tag$ $6 ; $tag$ FROM t WHERE a = $1", 'select', 1],
    ["SELECT E'it\\'s $5' WHERE a = $1", 'select', 1],
    ['SELECT a$1 FROM t', 'select', 0],
    ['SELECT 1;', 'select', 0],
    ['SELECT 1 ;  ; ', 'select', 0],
  ])('reads %j as %s with %i parameters', (query, kind, parameterCount) => {
    // Act
    const statement = explainableStatement(query);

    // Assess
    expect(statement.kind).toBe(kind);
    expect(statement.parameterCount).toBe(parameterCount);
    expect(statement.text.endsWith(';')).toBe(false);
  });

  it.each([
    ['PREPARE q1 AS SELECT * FROM t WHERE a = $1', 'SELECT * FROM t WHERE a = $1'],
    ['prepare "My Stmt" (int, text) as  DELETE FROM t WHERE a = $1 AND b = $2', 'DELETE FROM t WHERE a = $1 AND b = $2'],
  ])('plans the statement an application PREPAREd: %j', (query, text) => {
    // Act & Assess
    expect(explainableStatement(query).text).toBe(text);
  });

  it.each([
    ['two statements', 'SELECT 1; DROP TABLE t'],
    ['a statement after a comment-hidden one', 'SELECT 1; /* */ DELETE FROM t'],
    ['INSERT', 'INSERT INTO t VALUES ($1)'],
    ['DDL', 'CREATE INDEX ON t (a)'],
    ['a utility statement', 'VACUUM t'],
    ['EXPLAIN ANALYZE', 'EXPLAIN ANALYZE DELETE FROM t'],
    ['SET', 'SET statement_timeout = 0'],
    ['a PREPARE of something else', 'PREPARE q AS INSERT INTO t VALUES ($1)'],
    ['a bare PREPARE', 'PREPARE q'],
    ['an empty text', ''],
    ['only a comment', '-- SELECT 1'],
    ['an unterminated string', "SELECT 'abc"],
    ['an unterminated comment', 'SELECT 1 /* abc'],
    ['an unterminated dollar quote', 'SELECT $x$ abc'],
    ['a NUL character', 'SELECT 1\u0000'],
    ['a huge text', `SELECT ${'1,'.repeat(60_000)}1`],
    ['too many parameters', 'SELECT $70000'],
  ])('refuses %s with QueryNotExplainableError', (_what, query) => {
    // Act & Assess
    expect(() => explainableStatement(query)).toThrow(QueryNotExplainableError);
  });
});
