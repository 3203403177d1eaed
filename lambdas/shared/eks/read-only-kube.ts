import { MutatingCallRefusedError, reportGuardedCall } from '../shadow-mode.js';
import type { KubeApis } from './kube-client.js';

/**
 * A read-only guard for the Kubernetes API clients (`@kubernetes/client-node`).
 * Their operations are methods named by verb: `read…`, `list…` and `get…`
 * (API resources and versions) only read; `create…`, `patch…`, `replace…`,
 * `delete…` and `connect…` (exec, attach, port-forward, proxy) are refused
 * with `MutatingCallRefusedError` before any request is made. The rule is
 * an allow-list, so a verb nobody thought about is refused too. A watch is
 * a `list…` call with `watch: true`, and reads.
 */

const READ_VERBS = /^(read|list|get)[A-Z]/;

/** Whether a client-node API method only reads. */
export function isReadOnlyKubeMethod(method: string): boolean {
  return READ_VERBS.test(method);
}

/** Properties every object has, which are no API call. */
const PLAIN = new Set(['constructor', 'then', 'toJSON', 'toString', 'valueOf', 'inspect']);

/**
 * Wraps one API object (`CoreV1Api`, …): read methods pass through, every
 * other method rejects when called, and nested objects (the generated
 * `api` of observable operations) are wrapped the same way, so there is no
 * side door. Each call is reported to the shadow-mode listeners.
 */
export function readOnlyKubeApi<T extends object>(api: T, apiName: string): T {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof property === 'symbol' || PLAIN.has(property)) return value;
      if (typeof value === 'function') {
        const operation = `${apiName}.${property}`;
        const method = value as (...args: unknown[]) => unknown;
        if (isReadOnlyKubeMethod(property)) {
          return (...args: unknown[]) => {
            reportGuardedCall({ service: 'kubernetes', operation, allowed: true });
            return method.apply(target, args);
          };
        }
        return () => {
          reportGuardedCall({ service: 'kubernetes', operation, allowed: false });
          return Promise.reject(new MutatingCallRefusedError('kubernetes', operation));
        };
      }
      if (typeof value === 'object' && value !== null) return readOnlyKubeApi(value, apiName);
      return value;
    },
    set() {
      return false;
    },
  });
}

/** The API clients of a cluster, every group able only to read. */
export function readOnlyKubeApis(apis: KubeApis): KubeApis {
  return {
    apps: readOnlyKubeApi(apis.apps, 'AppsV1Api'),
    core: readOnlyKubeApi(apis.core, 'CoreV1Api'),
    ...(apis.networking === undefined ? {} : { networking: readOnlyKubeApi(apis.networking, 'NetworkingV1Api') }),
    ...(apis.autoscaling === undefined ? {} : { autoscaling: readOnlyKubeApi(apis.autoscaling, 'AutoscalingV2Api') }),
    ...(apis.batch === undefined ? {} : { batch: readOnlyKubeApi(apis.batch, 'BatchV1Api') }),
  };
}
