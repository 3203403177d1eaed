import { describe, expect, it } from 'vitest';
import { executionConsoleUrl } from '../../../lambdas/shared/console-links.js';
import { causeMessage } from '../../../lambdas/shared/step-functions-errors.js';

describe('causeMessage', () => {
  it.each([
    ['a Lambda error', '{"errorType":"X","errorMessage":"boom","trace":[]}', 'boom'],
    ['plain text', 'Task timed out', 'Task timed out'],
    ['JSON without a message', '{"errorType":"X"}', '{"errorType":"X"}'],
    ['JSON with a non-string message', '{"errorMessage":42}', '{"errorMessage":42}'],
    ['a JSON string', '"quoted"', '"quoted"'],
    ['JSON null', 'null', 'null'],
    ['an empty cause', '', 'no cause given'],
    ['no cause', undefined, 'no cause given'],
  ])('reads %s', (_title, cause, expected) => {
    // Act & Assess
    expect(causeMessage(cause)).toBe(expected);
  });
});

describe('executionConsoleUrl', () => {
  it("links to the execution in its own region's console", () => {
    // Prepare
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:remediate-incident:web-inc-0123456789abcdef0123';

    // Act & Assess
    expect(executionConsoleUrl(arn)).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
    );
  });
});
