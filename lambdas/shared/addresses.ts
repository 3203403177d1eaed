import { BlockList, isIP } from 'node:net';

/** A CIDR split into its address, family and prefix length, or `undefined` when it is not one. */
export function parseCidr(cidr: string): { address: string; family: 'ipv4' | 'ipv6'; prefix: number } | undefined {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (match === null) return undefined;
  const [, address, prefixText] = match;
  const version = isIP(address!);
  if (version === 0) return undefined;
  const prefix = Number(prefixText);
  const max = version === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address: address!, family: version === 4 ? 'ipv4' : 'ipv6', prefix };
}

/** Whether a CIDR names exactly one host: /32 for IPv4, /128 for IPv6. */
export function isSingleHost(cidr: string): boolean {
  const parsed = parseCidr(cidr);
  return parsed !== undefined && parsed.prefix === (parsed.family === 'ipv4' ? 32 : 128);
}

/**
 * The protected ranges as a matcher. Invalid entries are reported, not
 * ignored: a typo in a protected range must not silently unprotect it.
 */
export function protectedRanges(cidrs: readonly string[]): { contains(address: string): string | undefined; invalid: string[] } {
  const list = new BlockList();
  const invalid: string[] = [];
  const ranges: { cidr: string; single: BlockList }[] = [];
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr);
    if (parsed === undefined) {
      invalid.push(cidr);
      continue;
    }
    const single = new BlockList();
    single.addSubnet(parsed.address, parsed.prefix, parsed.family);
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    ranges.push({ cidr, single });
  }
  return {
    invalid,
    contains(address: string) {
      const version = isIP(address);
      if (version === 0) return undefined;
      const family = version === 4 ? 'ipv4' : 'ipv6';
      if (!list.check(address, family)) return undefined;
      return ranges.find((range) => range.single.check(address, family))?.cidr;
    },
  };
}

/** Addresses that are never a flood's source worth blocking: private, loopback, link-local, unspecified, multicast. */
export const NON_PUBLIC_RANGES = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];
