import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';

/** A parameter that exists but may not be copied into a ConfigMap. */
export class UnusableParameterError extends Error {
  override readonly name = 'UnusableParameterError';
}

/**
 * Reads one Parameter Store value to restore a missing ConfigMap key: a
 * `String` parameter's value, or undefined when there is no such parameter.
 * A `SecureString` is refused (it is never decrypted, and a secret does not
 * belong in a ConfigMap), and so is a `StringList`.
 */
export async function readStringParameter(client: SSMClient, name: string): Promise<string | undefined> {
  try {
    const { Parameter } = await client.send(new GetParameterCommand({ Name: name, WithDecryption: false }));
    if (Parameter?.Type !== 'String') {
      throw new UnusableParameterError(`${name} is a ${Parameter?.Type ?? 'parameter of unknown type'}; only String parameters are copied into a ConfigMap`);
    }
    return Parameter.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}
