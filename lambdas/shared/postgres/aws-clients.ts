import { PIClient } from '@aws-sdk/client-pi';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { once, SDK_DEFAULTS } from '../clients.js';
import { tracer } from '../powertools.js';

/**
 * The two AWS clients only the PostgreSQL functions use, made like those in
 * `../clients.ts` (lazily, traced, read-only in shadow mode). Tests replace
 * them with aws-sdk-client-mock.
 */
export const secretsManager = once(() => tracer.captureAWSv3Client(new SecretsManagerClient(SDK_DEFAULTS)));
export const performanceInsights = once(() => tracer.captureAWSv3Client(new PIClient(SDK_DEFAULTS)));
