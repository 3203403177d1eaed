import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { ParsedResult } from '@aws-lambda-powertools/parser/types';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { MalformedEventError } from './errors.js';
import { describeParseFailure } from './parse-failure.js';
import { logger, metrics, tracer } from './powertools.js';

export interface WorkflowHandlerOptions {
  /**
   * Whether the handler records metrics, which are then flushed after each
   * invocation. Handlers that record none leave it off: flushing nothing
   * logs a warning on every call.
   * @default false
   */
  readonly emitsMetrics?: boolean;
  /**
   * Makes the handler idempotent (see `idempotentBy`): a repeated call with
   * the same key returns the first result without running again. Every
   * handler with a side effect sets it.
   * @default - none: the handler is read-only
   */
  readonly idempotency?: middy.MiddlewareObj;
}

/**
 * Wraps a plain handler in the Powertools middleware every function uses:
 * structured logs with the Lambda context, an X-Ray segment, flushed
 * metrics, and input validation against the handler's zod schema. Input
 * that does not match is refused with `MalformedEventError`, which names
 * each wrong field; the handler's own code never runs on it.
 */
export function workflowHandler<TSchema extends z.ZodType, TResult>(
  schema: TSchema,
  lambdaHandler: (event: z.infer<TSchema>, context: Context) => Promise<TResult>,
  options: WorkflowHandlerOptions = {},
) {
  const handler = middy<ParsedResult<unknown, z.infer<TSchema>>, TResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer));
  if (options.emitsMetrics === true) handler.use(logMetrics(metrics));
  // Before the parser: the key is read from the raw event, and a replayed result skips everything after.
  if (options.idempotency !== undefined) handler.use(options.idempotency);
  return handler
    .use(parser({ schema, safeParse: true }))
    .handler(async (parsed: ParsedResult<unknown, z.infer<TSchema>>, context: Context) => {
      if (!parsed.success) {
        throw new MalformedEventError(`input rejected: ${describeParseFailure(parsed.error)}`);
      }
      return lambdaHandler(parsed.data, context);
    });
}
