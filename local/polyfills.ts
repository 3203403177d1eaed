/**
 * aws-local-stepfunctions 3.x calls `Promise.withResolvers`, which Node
 * gained in v22. Tests and the local runtime run on Node 20, so provide it
 * there; on newer Node this does nothing.
 */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
// The SDK warns once per process that its 2027 releases will need Node 22;
// the lockfile pins today's releases, and the warning would bury the timeline.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
