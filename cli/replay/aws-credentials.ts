import { defaultProvider } from '@aws-sdk/credential-provider-node';

/**
 * Whether the default AWS credential chain finds credentials (environment,
 * shared config and SSO, web identity, container or instance metadata),
 * with short metadata timeouts so that a laptop without any answers
 * quickly. Nothing is called with them here.
 */
export async function hasAwsCredentials(): Promise<boolean> {
  try {
    const credentials = await defaultProvider({ timeout: 1_000, maxRetries: 0 })();
    return credentials.accessKeyId !== '';
  } catch {
    return false;
  }
}
