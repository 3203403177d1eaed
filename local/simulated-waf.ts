import { createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import {
  type GetIPSetCommandInput,
  type GetIPSetCommandOutput,
  type IPSetSummary,
  type ListIPSetsCommandInput,
  type UpdateIPSetCommandInput,
  WAFInvalidParameterException,
  WAFLimitsExceededException,
  WAFNonexistentItemException,
  WAFOptimisticLockException,
} from '@aws-sdk/client-wafv2';
import * as z from 'zod';
import { parseCidr } from '../lambdas/shared/addresses.js';

/**
 * WAF in the simulated world: IP sets behind GetIPSet / UpdateIPSet /
 * ListIPSets with WAF's optimistic locking, web ACLs that block the
 * addresses in their IP sets, and clients sending traffic through them.
 * The physics are instant, like the rest of the world: a client whose
 * address is in one of its web ACL's IP sets is blocked from the moment the
 * set holds it, and the web ACL's log group shows the last minute of
 * traffic as the sets are now.
 */

export type WafScope = 'REGIONAL' | 'CLOUDFRONT';

/** Where WAF keeps everything of scope CLOUDFRONT. */
const CLOUDFRONT_REGION = 'us-east-1';
/** Most addresses one IP set can hold (a WAF quota). */
const MAX_ADDRESSES = 10_000;

export const WorldIpSetSchema = z.object({
  name: z.string().min(1).max(128),
  scope: z.enum(['REGIONAL', 'CLOUDFRONT']).default('REGIONAL'),
  id: z.string().min(1).max(36),
  /** CIDRs, e.g. `203.0.113.7/32`. */
  addresses: z.array(z.string().refine((cidr) => parseCidr(cidr) !== undefined, 'not a CIDR')).default([]),
  /** @default the family of the first address, else IPV4 */
  addressVersion: z.enum(['IPV4', 'IPV6']).optional(),
  description: z.string().optional(),
});
export type WorldIpSet = z.infer<typeof WorldIpSetSchema>;

export const WorldWebAclSchema = z.object({
  name: z.string().min(1).max(128),
  scope: z.enum(['REGIONAL', 'CLOUDFRONT']).default('REGIONAL'),
  /** @default derived from the name */
  id: z.string().min(1).max(36).optional(),
  /** IP sets (of the web ACL's scope) whose addresses the web ACL blocks. */
  ipSetNames: z.array(z.string()).default([]),
  /** The CloudWatch Logs destination of the web ACL's traffic logs; WAF requires the `aws-waf-logs-` prefix. */
  logGroupName: z
    .string()
    .refine((name) => name.startsWith('aws-waf-logs-'), 'a WAF log group name starts with aws-waf-logs-')
    .optional(),
  /** Most log lines for one minute of traffic; above it each client's share is scaled down in proportion. */
  maxLogLinesPerMinute: z.number().int().min(1).default(1_000),
});
export type WorldWebAcl = z.infer<typeof WorldWebAclSchema>;

export const WorldClientSchema = z.object({
  /** The client's address as WAF sees it. */
  ip: z.string().refine((ip) => isIP(ip) !== 0, 'not an IP address'),
  requestsPerMinute: z.number().min(0),
  /** The web ACL the traffic goes through. */
  webAcl: z.string(),
  uri: z.string().default('/'),
  httpMethod: z.string().default('GET'),
  country: z.string().default('US'),
  /** When the client started sending, for metric history; absent: before any window asked about. */
  sinceMinutesAgo: z.number().min(0).optional(),
});
export type WorldClient = z.infer<typeof WorldClientSchema>;

export interface WafConfig {
  readonly ipSets: readonly WorldIpSet[];
  readonly webAcls: readonly WorldWebAcl[];
  readonly clients: readonly WorldClient[];
}

interface IpSetState {
  readonly name: string;
  readonly scope: WafScope;
  readonly id: string;
  addresses: string[];
  readonly addressVersion: 'IPV4' | 'IPV6';
  description?: string;
  version: number;
}

interface ClientState extends WorldClient {
  /** Epoch ms the client started sending. */
  startedAt: number;
}

/** A log line of a web ACL's log group. */
export interface WafLogEvent {
  readonly timestamp: number;
  readonly logStreamName: string;
  readonly message: string;
}

const metadata = { httpStatusCode: 400 } as const;

function nonexistent(what: string): WAFNonexistentItemException {
  return new WAFNonexistentItemException({
    message: `AWS WAF couldn’t perform the operation because your resource doesn’t exist. (${what})`,
    $metadata: metadata,
  });
}

function invalid(message: string, field: string, parameter: string): WAFInvalidParameterException {
  return new WAFInvalidParameterException({
    message: `Error reason: ${message}, field: ${field}, parameter: ${parameter}`,
    $metadata: metadata,
    Field: field as WAFInvalidParameterException['Field'],
    Parameter: parameter,
  });
}

/** A lock token in WAF's shape (a UUID), fixed by the set and its version. */
function lockTokenOf(set: IpSetState): string {
  const hex = createHash('sha256').update(`${set.scope}/${set.id}/${set.version}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function contains(addresses: readonly string[], ip: string): boolean {
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const address of addresses) {
    const parsed = parseCidr(address);
    if (parsed !== undefined && parsed.family === family) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list.check(ip, family);
}

export class SimulatedWaf {
  private readonly ipSets = new Map<string, IpSetState>();
  private readonly acls = new Map<string, WorldWebAcl & { id: string }>();
  private readonly clients: ClientState[] = [];
  private updateHooks: (() => void)[] = [];

  constructor(
    config: WafConfig,
    private readonly region: string,
    private readonly account: string,
    now = Date.now(),
  ) {
    for (const set of config.ipSets) {
      const key = SimulatedWaf.key(set.scope, set.name);
      if (this.ipSets.has(key)) throw new Error(`the world declares WAF IP set ${key} twice`);
      const family = set.addresses.length > 0 ? parseCidr(set.addresses[0]!)?.family : undefined;
      this.ipSets.set(key, {
        name: set.name,
        scope: set.scope,
        id: set.id,
        addresses: [...set.addresses],
        addressVersion: set.addressVersion ?? (family === 'ipv6' ? 'IPV6' : 'IPV4'),
        ...(set.description === undefined ? {} : { description: set.description }),
        version: 1,
      });
    }
    for (const acl of config.webAcls) {
      if (this.acls.has(acl.name)) throw new Error(`the world declares web ACL ${acl.name} twice`);
      for (const setName of acl.ipSetNames) {
        if (!this.ipSets.has(SimulatedWaf.key(acl.scope, setName))) {
          throw new Error(`web ACL ${acl.name} blocks IP set ${setName}, which the world does not declare in scope ${acl.scope}`);
        }
      }
      const id = acl.id ?? createHash('sha256').update(`webacl/${acl.name}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5');
      this.acls.set(acl.name, { ...acl, id });
    }
    for (const client of config.clients) {
      if (!this.acls.has(client.webAcl)) throw new Error(`client ${client.ip} sends through web ACL ${client.webAcl}, which the world does not declare`);
      this.clients.push({ ...client, startedAt: client.sinceMinutesAgo === undefined ? -Infinity : now - client.sinceMinutesAgo * 60_000 });
    }
  }

  private static key(scope: string, name: string): string {
    return `${scope}/${name}`;
  }

  // ---- the API ------------------------------------------------------------------------------

  /** The set the call names, reached through a client in `clientRegion`; WAF's errors otherwise. */
  private find(input: { Name?: string; Scope?: string; Id?: string }, clientRegion: string): IpSetState {
    this.checkScope(input.Scope, clientRegion);
    const set = this.ipSets.get(SimulatedWaf.key(input.Scope ?? '', input.Name ?? ''));
    // Regional sets live in the world's region: a client elsewhere does not see them.
    if (set === undefined || set.id !== input.Id || (set.scope === 'REGIONAL' && clientRegion !== this.region)) {
      throw nonexistent(`IP set ${input.Scope}/${input.Name} (${input.Id}) in ${clientRegion}`);
    }
    return set;
  }

  private checkScope(scope: string | undefined, clientRegion: string): void {
    if (scope !== 'REGIONAL' && scope !== 'CLOUDFRONT') throw invalid('The scope is not valid.', 'SCOPE_VALUE', String(scope));
    if (scope === 'CLOUDFRONT' && clientRegion !== CLOUDFRONT_REGION) {
      // CLOUDFRONT resources are only reachable through us-east-1.
      throw invalid('The scope is not valid.', 'SCOPE_VALUE', 'CLOUDFRONT');
    }
  }

  private arnOf(set: Pick<IpSetState, 'scope' | 'name' | 'id'>, kind = 'ipset'): string {
    return set.scope === 'CLOUDFRONT'
      ? `arn:aws:wafv2:${CLOUDFRONT_REGION}:${this.account}:global/${kind}/${set.name}/${set.id}`
      : `arn:aws:wafv2:${this.region}:${this.account}:regional/${kind}/${set.name}/${set.id}`;
  }

  getIpSet(input: GetIPSetCommandInput, clientRegion: string): GetIPSetCommandOutput {
    const set = this.find(input, clientRegion);
    return {
      IPSet: {
        Name: set.name,
        Id: set.id,
        ARN: this.arnOf(set),
        IPAddressVersion: set.addressVersion,
        Addresses: [...set.addresses],
        ...(set.description === undefined ? {} : { Description: set.description }),
      },
      LockToken: lockTokenOf(set),
      $metadata: {},
    };
  }

  updateIpSet(input: UpdateIPSetCommandInput, clientRegion: string): { NextLockToken: string } {
    const set = this.find(input, clientRegion);
    const hooks = this.updateHooks;
    this.updateHooks = [];
    for (const hook of hooks) hook();
    if (input.LockToken !== lockTokenOf(set)) {
      throw new WAFOptimisticLockException({
        message: 'AWS WAF couldn’t save your changes because someone changed the resource after you started to edit it. Reapply your changes.',
        $metadata: metadata,
      });
    }
    const addresses = input.Addresses;
    if (addresses === undefined) throw invalid('The parameter is missing.', 'IP_ADDRESS', 'Addresses');
    const family = set.addressVersion === 'IPV6' ? 'ipv6' : 'ipv4';
    for (const address of addresses) {
      if (parseCidr(address)?.family !== family) throw invalid(`The parameter contains formatting that isn't valid.`, 'IP_ADDRESS', address);
    }
    if (addresses.length > MAX_ADDRESSES) {
      throw new WAFLimitsExceededException({
        message: `AWS WAF couldn’t perform the operation because you exceeded your resource limit: an IP set holds at most ${MAX_ADDRESSES} addresses.`,
        $metadata: metadata,
      });
    }
    set.addresses = [...addresses];
    // UpdateIPSet replaces every mutable field: a description left out is erased.
    if (input.Description === undefined) delete set.description;
    else set.description = input.Description;
    set.version += 1;
    return { NextLockToken: lockTokenOf(set) };
  }

  listIpSets(input: ListIPSetsCommandInput, clientRegion: string): { IPSets: IPSetSummary[]; NextMarker?: string } {
    this.checkScope(input.Scope, clientRegion);
    const all = [...this.ipSets.values()]
      .filter((set) => set.scope === input.Scope && (set.scope === 'CLOUDFRONT' || clientRegion === this.region))
      .sort((a, b) => a.name.localeCompare(b.name));
    const start = input.NextMarker === undefined ? 0 : Number(input.NextMarker);
    const limit = input.Limit ?? 100;
    const page = all.slice(start, start + limit).map((set) => ({
      Name: set.name,
      Id: set.id,
      ARN: this.arnOf(set),
      LockToken: lockTokenOf(set),
      ...(set.description === undefined ? {} : { Description: set.description }),
    }));
    return { IPSets: page, ...(start + limit < all.length ? { NextMarker: String(start + limit) } : {}) };
  }

  // ---- other actors ---------------------------------------------------------------------------

  /** The addresses of an IP set now. */
  addresses(scope: WafScope, name: string): string[] {
    return [...this.requireSet(scope, name).addresses];
  }

  /** Another writer (a human in the console, another system) changes the set: its lock token changes. */
  changeIpSet(scope: WafScope, name: string, change: (addresses: string[]) => string[]): void {
    const set = this.requireSet(scope, name);
    set.addresses = change([...set.addresses]);
    set.version += 1;
  }

  /** Runs once, when the next UpdateIPSet arrives, before its lock token is checked: a concurrent writer. */
  beforeNextUpdate(hook: () => void): void {
    this.updateHooks.push(hook);
  }

  /** A client starts, changes or stops (0) its traffic. */
  setClientTraffic(ip: string, requestsPerMinute: number, webAcl?: string, now = Date.now()): void {
    const existing = this.clients.find((client) => client.ip === ip && (webAcl === undefined || client.webAcl === webAcl));
    if (existing !== undefined) {
      existing.requestsPerMinute = requestsPerMinute;
      return;
    }
    if (webAcl === undefined) throw new Error(`client ${ip} is new: name the web ACL its traffic goes through`);
    this.requireAcl(webAcl);
    this.clients.push({ ...WorldClientSchema.parse({ ip, requestsPerMinute, webAcl }), startedAt: now });
  }

  private requireSet(scope: string, name: string): IpSetState {
    const set = this.ipSets.get(SimulatedWaf.key(scope, name));
    if (set === undefined) throw new Error(`the world has no WAF IP set ${scope}/${name}`);
    return set;
  }

  requireAcl(name: string): WorldWebAcl & { id: string } {
    const acl = this.acls.get(name);
    if (acl === undefined) throw new Error(`the world has no web ACL named ${name}`);
    return acl;
  }

  hasAcl(name: string): boolean {
    return this.acls.has(name);
  }

  webAclArn(name: string): string {
    const acl = this.requireAcl(name);
    return this.arnOf({ scope: acl.scope, name: acl.name, id: acl.id }, 'webacl');
  }

  // ---- physics --------------------------------------------------------------------------------

  /** The IP set of the web ACL that blocks this address, if any. */
  blockingSet(webAcl: string, ip: string): string | undefined {
    const acl = this.requireAcl(webAcl);
    return acl.ipSetNames.find((name) => contains(this.requireSet(acl.scope, name).addresses, ip));
  }

  /** Requests per minute through the web ACL that WAF allows (`ALLOW`) or blocks (`BLOCK`), from clients sending at `at`. */
  requestsPerMinute(webAcl: string, action: 'ALLOW' | 'BLOCK', at = Date.now()): number {
    this.requireAcl(webAcl);
    return this.clients
      .filter((client) => client.webAcl === webAcl && client.startedAt <= at)
      .filter((client) => (this.blockingSet(webAcl, client.ip) === undefined) === (action === 'ALLOW'))
      .reduce((sum, client) => sum + client.requestsPerMinute, 0);
  }

  /** Requests the web ACL allowed or blocked between two instants (epoch ms), counting each client from when it started. */
  requestsBetween(webAcl: string, action: 'ALLOW' | 'BLOCK', from: number, to: number): number {
    this.requireAcl(webAcl);
    return this.clients
      .filter((client) => client.webAcl === webAcl)
      .filter((client) => (this.blockingSet(webAcl, client.ip) === undefined) === (action === 'ALLOW'))
      .reduce((sum, client) => sum + (client.requestsPerMinute * Math.max(0, to - Math.max(from, client.startedAt))) / 60_000, 0);
  }

  /** The web ACLs' log groups. */
  logGroupNames(): string[] {
    return [...this.acls.values()].flatMap((acl) => (acl.logGroupName === undefined ? [] : [acl.logGroupName]));
  }

  /**
   * The last minute of traffic through the web ACLs that log to this group,
   * one AWS WAF log record per request, oldest first. Above the web ACL's
   * `maxLogLinesPerMinute` every client's share is scaled down in
   * proportion, so the busiest client stays the busiest.
   */
  logEvents(logGroupName: string, now = Date.now()): WafLogEvent[] {
    const events: WafLogEvent[] = [];
    for (const acl of this.acls.values()) {
      if (acl.logGroupName !== logGroupName) continue;
      const clients = this.clients.filter((client) => client.webAcl === acl.name && client.startedAt <= now && client.requestsPerMinute > 0);
      const total = clients.reduce((sum, client) => sum + client.requestsPerMinute, 0);
      const scale = total > acl.maxLogLinesPerMinute ? acl.maxLogLinesPerMinute / total : 1;
      const webaclId = this.webAclArn(acl.name);
      clients.forEach((client, clientIndex) => {
        const lines = Math.max(1, Math.round(client.requestsPerMinute * scale));
        const blockedBy = this.blockingSet(acl.name, client.ip);
        for (let index = 0; index < lines; index += 1) {
          const timestamp = Math.floor(now - 60_000 + ((index + 0.5) * 60_000) / lines);
          const record = {
            timestamp,
            formatVersion: 1,
            webaclId,
            terminatingRuleId: blockedBy === undefined ? 'Default_Action' : `block-${blockedBy}`,
            terminatingRuleType: 'REGULAR',
            action: blockedBy === undefined ? 'ALLOW' : 'BLOCK',
            terminatingRuleMatchDetails: [],
            httpSourceName: acl.scope === 'CLOUDFRONT' ? 'CF' : 'ALB',
            httpSourceId: `${this.account}-app/${acl.name}`,
            ruleGroupList: [],
            rateBasedRuleList: [],
            nonTerminatingMatchingRules: [],
            httpRequest: {
              clientIp: client.ip,
              country: client.country,
              headers: [{ name: 'Host', value: `${acl.name}.example.com` }],
              uri: client.uri,
              args: '',
              httpVersion: 'HTTP/1.1',
              httpMethod: client.httpMethod,
              requestId: `${acl.id.slice(0, 8)}-${clientIndex}-${timestamp}-${index}`,
            },
          };
          events.push({ timestamp, logStreamName: `${acl.scope === 'CLOUDFRONT' ? CLOUDFRONT_REGION : this.region}_${acl.name}_0`, message: JSON.stringify(record) });
        }
      });
    }
    return events.sort((a, b) => a.timestamp - b.timestamp);
  }
}
