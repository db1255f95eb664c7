import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses the metadata fetcher may connect to.
 *
 * IPv4: everything except the special-purpose ranges of the IANA registry (RFC 6890 and successors).
 * IPv6: only global unicast (2000::/3) minus its special-purpose blocks. Allow-listing 2000::/3 refuses, in
 * one rule, loopback, unspecified, IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96) forms, ULA
 * (fc00::/7, which holds AWS's fd00:ec2::254), link-local, site-local and multicast, so a mapped form of an
 * internal IPv4 address can never slip through.
 *
 * IPv4 and IPv6 rules live in separate lists on purpose: node's BlockList matches IPv4 addresses against
 * IPv4-mapped IPv6 rules, so a `::ffff:0:0/96` rule in a shared list would refuse every IPv4 address.
 */
const blockedV4: ReadonlyArray<readonly [string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified / "this network"'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT (holds Alibaba metadata 100.100.100.200)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (holds cloud metadata 169.254.169.254)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
];

const blockedV6: ReadonlyArray<readonly [string, number, string]> = [
  ['2001::', 23, 'IETF protocol assignments (Teredo, benchmarking, ORCHID)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (embeds an IPv4 address)'],
  ['3fff::', 20, 'documentation'],
];

const globalUnicastV6: readonly [string, number] = ['2000::', 3];

function buildList(family: 'ipv4' | 'ipv6', rules: ReadonlyArray<readonly [string, number, string]>) {
  const list = new BlockList();
  for (const [network, prefix] of rules) list.addSubnet(network, prefix, family);
  return list;
}

const v4List = buildList('ipv4', blockedV4);
const v6List = buildList('ipv6', blockedV6);
const v6Global = buildList('ipv6', [[globalUnicastV6[0], globalUnicastV6[1], 'global unicast']]);

function reasonFor(
  address: string,
  family: 'ipv4' | 'ipv6',
  rules: ReadonlyArray<readonly [string, number, string]>,
) {
  for (const [network, prefix, reason] of rules) {
    const single = new BlockList();
    single.addSubnet(network, prefix, family);
    if (single.check(address, family)) return reason;
  }
  return 'special-purpose address';
}

/** Returns null when the address is public, or the reason it is refused. */
export function refusalReason(address: string): string | null {
  const family = isIP(address);
  if (family === 4) {
    return v4List.check(address, 'ipv4') ? reasonFor(address, 'ipv4', blockedV4) : null;
  }
  if (family === 6) {
    // Zone ids (fe80::1%eth0) only exist on link-local addresses, which are refused anyway.
    if (address.includes('%')) return 'scoped IPv6 address';
    if (!v6Global.check(address, 'ipv6'))
      return 'not global unicast IPv6 (loopback, mapped, ULA, link-local, multicast...)';
    return v6List.check(address, 'ipv6') ? reasonFor(address, 'ipv6', blockedV6) : null;
  }
  return 'not an IP address';
}

export function isPublicAddress(address: string): boolean {
  return refusalReason(address) === null;
}

/** Strips the brackets WHATWG URL keeps around IPv6 literals in `hostname`. */
export function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
