import { PIClient } from '@aws-sdk/client-pi';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from '../powertools.js';
import { guardInShadowMode, type HasMiddlewareStack } from '../read-only-clients.js';

/**
 * The two AWS clients only the PostgreSQL functions use, created lazily
 * once per execution environment and traced, like those in `../clients.ts`.
 * Tests replace them with aws-sdk-client-mock.
 */
const SDK_DEFAULTS = { maxAttempts: 2 } as const;

function once<T extends object>(create: () => T): () => T {
  let instance: T | undefined;
  return () => {
    instance ??= guardInShadowMode(create() as T & HasMiddlewareStack);
    return instance;
  };
}

export const secretsManager = once(() => tracer.captureAWSv3Client(new SecretsManagerClient(SDK_DEFAULTS)));
export const performanceInsights = once(() => tracer.captureAWSv3Client(new PIClient(SDK_DEFAULTS)));
