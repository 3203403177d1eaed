import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools.js';
import { guardInShadowMode, type HasMiddlewareStack } from './read-only-clients.js';

/**
 * AWS SDK clients, created lazily once per execution environment and traced.
 * This is the only edge where the code meets AWS: tests replace it with
 * aws-sdk-client-mock, and the local runtime answers it from a simulated
 * world (and points DynamoDB at dynalite through AWS_ENDPOINT_URL_DYNAMODB).
 * In shadow mode (`self-heal replay`, see `shadow-mode.ts`) every client is
 * read-only: a non-read command is refused before it is sent.
 */
export const SDK_DEFAULTS = { maxAttempts: 2 } as const;

/** A client made on first use, once per execution environment, read-only in shadow mode. */
export function once<T extends object>(create: () => T): () => T {
  let instance: T | undefined;
  return () => {
    instance ??= guardInShadowMode(create() as T & HasMiddlewareStack);
    return instance;
  };
}

export const autoScaling = once(() => tracer.captureAWSv3Client(new AutoScalingClient(SDK_DEFAULTS)));
export const cloudWatch = once(() => tracer.captureAWSv3Client(new CloudWatchClient(SDK_DEFAULTS)));
export const cloudWatchLogs = once(() => tracer.captureAWSv3Client(new CloudWatchLogsClient(SDK_DEFAULTS)));
export const eventBridge = once(() => tracer.captureAWSv3Client(new EventBridgeClient(SDK_DEFAULTS)));
export const eks = once(() => tracer.captureAWSv3Client(new EKSClient(SDK_DEFAULTS)));
export const scheduler = once(() => tracer.captureAWSv3Client(new SchedulerClient(SDK_DEFAULTS)));
export const ssm = once(() => tracer.captureAWSv3Client(new SSMClient(SDK_DEFAULTS)));
export const cloudTrail = once(() => tracer.captureAWSv3Client(new CloudTrailClient(SDK_DEFAULTS)));
/**
 * Bedrock Runtime; `BEDROCK_ENDPOINT` points it elsewhere (the local fake
 * Converse endpoint in tests and `npm start`). No SDK retries: a slow or
 * throttled model falls back to the runbooks instead of stalling the incident.
 */
export const bedrockRuntime = once(() =>
  tracer.captureAWSv3Client(
    new BedrockRuntimeClient({
      maxAttempts: 1,
      ...(process.env.BEDROCK_ENDPOINT ? { endpoint: process.env.BEDROCK_ENDPOINT } : {}),
    }),
  ),
);
export const stepFunctions = once(() => tracer.captureAWSv3Client(new SFNClient(SDK_DEFAULTS)));
/** SNS retries more: a notification is how a human learns of an escalation. */
export const sns = once(() => tracer.captureAWSv3Client(new SNSClient({ maxAttempts: 4 })));
export const kms = once(() => tracer.captureAWSv3Client(new KMSClient(SDK_DEFAULTS)));
/** The plain DynamoDB client: Powertools Idempotency persists through it. */
export const dynamoDb = once(() => tracer.captureAWSv3Client(new DynamoDBClient(SDK_DEFAULTS)));
export const documentClient = once(() =>
  DynamoDBDocumentClient.from(dynamoDb(), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  }),
);
