import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetIPSetCommand,
  UpdateIPSetCommand,
  WAFLimitsExceededException,
  WAFNonexistentItemException,
  WAFOptimisticLockException,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { parseCidr } from '../addresses.js';
import { callAws } from '../aws-errors.js';
import { TargetNotFoundError } from '../errors.js';
import { IpSetNearQuotaError, WafLockContentionError } from './waf-errors.js';

export type WafScope = 'REGIONAL' | 'CLOUDFRONT';

/** An IP set the deployment declared as one the system may write to. */
export interface DeclaredIpSet {
  readonly name: string;
  readonly id: string;
  readonly scope: WafScope;
  readonly arn: string;
}

/** The WAFv2 client for a scope; CLOUDFRONT IP sets are only reachable through us-east-1. */
export type WafClientProvider = (scope: WafScope) => WAFV2Client;

/** Where WAF keeps everything of scope CLOUDFRONT, whatever the stack's region. */
export const CLOUDFRONT_WAF_REGION = 'us-east-1';

/** Most addresses one IP set can hold (a WAF quota). */
export const WAF_IP_SET_MAX_ADDRESSES = 10_000;

/**
 * One client per scope, created on first use: REGIONAL in the given region,
 * CLOUDFRONT in us-east-1. `create` lets the caller add tracing or SDK settings.
 */
export function wafClientProvider(
  region: string,
  create: (region: string) => WAFV2Client = (clientRegion) => new WAFV2Client({ region: clientRegion, maxAttempts: 2 }),
): WafClientProvider {
  const clients = new Map<WafScope, WAFV2Client>();
  return (scope) => {
    let client = clients.get(scope);
    if (client === undefined) {
      client = create(scope === 'CLOUDFRONT' ? CLOUDFRONT_WAF_REGION : region);
      clients.set(scope, client);
    }
    return client;
  };
}

/**
 * A CIDR in the one spelling used to compare and to write: IPv6 compressed
 * and lower-case (`2001:DB8:0::1/128` → `2001:db8::1/128`), IPv4 as is.
 * `undefined` when it is not a CIDR.
 */
export function canonicalCidr(cidr: string): string | undefined {
  const parsed = parseCidr(cidr);
  if (parsed === undefined) return undefined;
  if (parsed.family === 'ipv4') return `${parsed.address}/${parsed.prefix}`;
  let address = parsed.address.toLowerCase();
  try {
    // The URL parser prints IPv6 hosts in their canonical (RFC 5952) form.
    address = new URL(`http://[${parsed.address}]/`).hostname.slice(1, -1);
  } catch {
    // A zone index or similar the URL parser refuses; compare it as written.
  }
  return `${address}/${parsed.prefix}`;
}

/** Whether the set holds exactly this CIDR, however either side spells it. */
export function holdsCidr(addresses: readonly string[], cidr: string): boolean {
  const wanted = canonicalCidr(cidr) ?? cidr;
  return addresses.some((address) => (canonicalCidr(address) ?? address) === wanted);
}

/** An IP set as one GetIPSet read it. */
export interface IpSetSnapshot {
  readonly addresses: readonly string[];
  readonly addressVersion: 'IPV4' | 'IPV6';
  /** The token an UpdateIPSet based on this read must carry. */
  readonly lockToken: string;
  readonly description?: string;
}

export interface EditResult {
  /** False when the set already was as asked (the address present for an add, absent for a remove). */
  readonly changed: boolean;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  /** How many read-then-write rounds it took. */
  readonly attempts: number;
}

export interface IpSetEditorOptions {
  /**
   * Read-then-write rounds before giving up on a set other writers keep changing.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Waits before the next round, after round `attempt` met a stale lock token.
   * @default full jitter, up to 100 ms × 2^attempt (at most 2 s)
   */
  readonly backoff?: (attempt: number) => Promise<void>;
}

const defaultBackoff = (attempt: number): Promise<void> =>
  sleep(Math.floor(Math.random() * Math.min(2_000, 100 * 2 ** attempt)));

/**
 * Reads and edits WAF IP sets one address at a time. UpdateIPSet replaces
 * the whole list, so every edit is a GetIPSet followed by an UpdateIPSet
 * with that read's lock token; when someone else changed the set in
 * between (`WAFOptimisticLockException`) the edit starts over from a fresh
 * read, so it never writes back a list that drops their change.
 */
export class IpSetEditor {
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => Promise<void>;

  constructor(
    private readonly clients: WafClientProvider,
    options: IpSetEditorOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoff = options.backoff ?? defaultBackoff;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new Error('maxAttempts must be a positive integer');
  }

  async read(ipSet: DeclaredIpSet): Promise<IpSetSnapshot> {
    try {
      const result = await callAws('GetIPSet', () =>
        this.clients(ipSet.scope).send(new GetIPSetCommand({ Name: ipSet.name, Id: ipSet.id, Scope: ipSet.scope })),
      );
      if (result.IPSet === undefined || result.LockToken === undefined) {
        throw new Error(`GetIPSet returned no IP set or lock token for ${describe(ipSet)}`);
      }
      return {
        addresses: result.IPSet.Addresses ?? [],
        addressVersion: result.IPSet.IPAddressVersion === 'IPV6' ? 'IPV6' : 'IPV4',
        lockToken: result.LockToken,
        ...(result.IPSet.Description === undefined ? {} : { description: result.IPSet.Description }),
      };
    } catch (error) {
      if (error instanceof WAFNonexistentItemException) {
        throw new TargetNotFoundError(`WAF IP set ${describe(ipSet)} does not exist`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Adds one CIDR, written in canonical form. `check` sees every fresh read
   * before the write and throws to refuse (a near-full set, say); it runs on
   * each round because the set may have grown since the last one.
   */
  add(ipSet: DeclaredIpSet, cidr: string, check?: (snapshot: IpSetSnapshot) => void): Promise<EditResult> {
    const entry = canonicalCidr(cidr) ?? cidr;
    return this.edit(ipSet, `add ${entry}`, (snapshot) => {
      if (holdsCidr(snapshot.addresses, entry)) return undefined;
      check?.(snapshot);
      return [...snapshot.addresses, entry];
    });
  }

  /** Removes every spelling of exactly this CIDR; absent already is fine. */
  remove(ipSet: DeclaredIpSet, cidr: string): Promise<EditResult> {
    const entry = canonicalCidr(cidr) ?? cidr;
    return this.edit(ipSet, `remove ${entry}`, (snapshot) => {
      if (!holdsCidr(snapshot.addresses, entry)) return undefined;
      return snapshot.addresses.filter((address) => (canonicalCidr(address) ?? address) !== entry);
    });
  }

  /** `change` returns the new list, or `undefined` when the set is already as wanted. */
  private async edit(
    ipSet: DeclaredIpSet,
    operation: string,
    change: (snapshot: IpSetSnapshot) => string[] | undefined,
  ): Promise<EditResult> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      const snapshot = await this.read(ipSet);
      const addresses = change(snapshot);
      const sizeBefore = snapshot.addresses.length;
      if (addresses === undefined) return { changed: false, sizeBefore, sizeAfter: sizeBefore, attempts: attempt };
      try {
        await callAws('UpdateIPSet', () =>
          this.clients(ipSet.scope).send(
            new UpdateIPSetCommand({
              Name: ipSet.name,
              Id: ipSet.id,
              Scope: ipSet.scope,
              Addresses: addresses,
              LockToken: snapshot.lockToken,
              // UpdateIPSet replaces every mutable field; leaving the description out would erase it.
              ...(snapshot.description === undefined ? {} : { Description: snapshot.description }),
            }),
          ),
        );
        return { changed: true, sizeBefore, sizeAfter: addresses.length, attempts: attempt };
      } catch (error) {
        if (error instanceof WAFOptimisticLockException) {
          if (attempt < this.maxAttempts) await this.backoff(attempt);
          continue;
        }
        if (error instanceof WAFNonexistentItemException) {
          throw new TargetNotFoundError(`WAF IP set ${describe(ipSet)} does not exist`, { cause: error });
        }
        if (error instanceof WAFLimitsExceededException) {
          throw new IpSetNearQuotaError(`WAF refused to ${operation} in ${describe(ipSet)}: ${error.message}`, { cause: error });
        }
        throw error;
      }
    }
    throw new WafLockContentionError(
      `could not ${operation} in ${describe(ipSet)}: the set changed under each of ${this.maxAttempts} attempts`,
    );
  }
}

function describe(ipSet: DeclaredIpSet): string {
  return `${ipSet.scope}/${ipSet.name} (${ipSet.id})`;
}
