/**
 * Named refusals of the WAF block action. As in `../errors.ts`, each class
 * name is exactly the string a Step Functions `Catch` matches in
 * `ErrorEquals`. Every one of them means nothing was added to the IP set.
 * Transient AWS failures are `TransientAwsError`; an address the scope does
 * not allow (not a single host, wrong address family) is `OutOfScopeError`;
 * an IP set that no longer exists is `TargetNotFoundError`.
 */

/** The IP set holds so many addresses that adding more would crowd its quota; nothing is evicted to make room. */
export class IpSetNearQuotaError extends Error {
  override readonly name = 'IpSetNearQuotaError';
}

/** The per-hour or total cap on addresses this system may block in one IP set is reached. */
export class BlockLimitReachedError extends Error {
  override readonly name = 'BlockLimitReachedError';
}

/** The address is inside a protected or non-public range and may never be blocked. */
export class ProtectedAddressError extends Error {
  override readonly name = 'ProtectedAddressError';
}

/** The action names an IP set the deployment did not declare. */
export class IpSetNotDeclaredError extends Error {
  override readonly name = 'IpSetNotDeclaredError';
}

/** Other writers kept changing the IP set: every attempt's lock token was stale. */
export class WafLockContentionError extends Error {
  override readonly name = 'WafLockContentionError';
}
