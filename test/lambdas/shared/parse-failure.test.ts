import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { describeParseFailure } from '../../../lambdas/shared/parse-failure.js';

const Schema = z.object({ incident: z.object({ incidentId: z.string() }), attempt: z.number() });

function parseErrorWithCause(cause: unknown): Error {
  return Object.assign(new Error('Failed to parse schema'), { cause });
}

describe('describeParseFailure', () => {
  it('names each wrong field from a ZodError cause, with its path', () => {
    // Prepare
    const zodError = Schema.safeParse({ incident: { incidentId: 7 } }).error!;

    // Act
    const description = describeParseFailure(parseErrorWithCause(zodError));

    // Assess
    expect(description).toMatch(/^incident\.incidentId: .*expected string.*; attempt: .*expected number/);
  });

  it('accepts an issue list as the cause, and names the root', () => {
    // Act
    const description = describeParseFailure(
      parseErrorWithCause([
        { message: 'expected object, received null', path: [] },
        { message: 'too small', path: ['resources', 0, { key: 'maxStep' }] },
      ]),
    );

    // Assess
    expect(description).toBe('(root): expected object, received null; resources.0.maxStep: too small');
  });

  it('lists at most maxIssues issues and counts the rest', () => {
    // Prepare
    const issues = Array.from({ length: 5 }, (_, index) => ({ message: 'bad', path: [`field${index}`] }));

    // Act
    const description = describeParseFailure(parseErrorWithCause(issues), 2);

    // Assess
    expect(description).toBe('field0: bad; field1: bad; … and 3 more');
  });

  it("falls back to the error's own message when it has no issues", () => {
    // Act & Assess
    expect(describeParseFailure(new Error('Unexpected token'))).toBe('Unexpected token');
    expect(describeParseFailure(parseErrorWithCause([]))).toBe('Failed to parse schema');
  });
});
