/**
 * What a kubelet `CreateContainerConfigError` message names: the missing
 * ConfigMap or Secret, and the key when a key is what's missing. Messages as
 * the kubelet words them:
 * - `couldn't find key DATABASE_URL in ConfigMap default/app-config`
 * - `configmap "app-config" not found`
 * - `couldn't find key password in Secret default/db`
 * - `secret "db" not found`
 */
export interface ConfigReference {
  readonly source: 'ConfigMap' | 'Secret';
  readonly name: string;
  readonly namespace?: string;
  /** Absent when the whole object is missing. */
  readonly key?: string;
}

const MISSING_KEY = /couldn'?t find key (\S+) in (ConfigMap|Secret) (?:([a-z0-9-]+)\/)?([a-z0-9.-]+)/i;
const MISSING_OBJECT = /\b(configmap|secret) "([a-z0-9.-]+)" not found/i;

export function parseConfigError(message: string | undefined): ConfigReference | undefined {
  if (message === undefined) return undefined;
  const key = MISSING_KEY.exec(message);
  if (key !== null) {
    const [, keyName, kind, namespace, name] = key as unknown as [string, string, string, string | undefined, string];
    return {
      source: kind.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap',
      name: name.replace(/\.$/, ''),
      ...(namespace === undefined ? {} : { namespace }),
      key: keyName.replace(/[.,;:]+$/, ''),
    };
  }
  const object = MISSING_OBJECT.exec(message);
  if (object !== null) {
    const [, kind, name] = object as unknown as [string, string, string];
    return { source: kind.toLowerCase() === 'secret' ? 'Secret' : 'ConfigMap', name };
  }
  return undefined;
}
