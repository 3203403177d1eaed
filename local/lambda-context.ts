import type { Context } from 'aws-lambda';

/** The ARN the local runtime gives a function, from its folder under `lambdas/`. */
export function localFunctionArn(directory: string, region = 'us-east-1', account = '123456789012'): string {
  return `arn:aws:lambda:${region}:${account}:function:self-healing-${directory}`;
}

/** A Lambda context for a local invocation of the function in `lambdas/<directory>`, with its deadline. */
export function localLambdaContext(directory: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const functionName = `self-healing-${directory}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(directory),
    memoryLimitInMB: '256',
    awsRequestId: `local-${Math.random().toString(16).slice(2, 10)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
