import { Resolver } from 'node:dns/promises';
import type { DomainVerificationMethod } from '@boltlink/db/schema';

export type DnsCheckResult =
  | { verified: true; method: DomainVerificationMethod }
  | { verified: false; error: string };

/** Looks up a domain's proof of ownership. A port: a test double lives in tests only. */
export interface DnsCheck {
  check(hostname: string, token: string): Promise<DnsCheckResult>;
}

/** The TXT record's owner name: `_boltlink.<hostname>`. */
export const txtRecordName = (hostname: string): string => `_boltlink.${hostname}`;

export interface DnsCheckOptions {
  /** `ip[:port]` entries (DNS_SERVERS); empty uses the system's resolvers. */
  servers: readonly string[];
  /** The edges' host name a CNAME may point at (EDGE_HOSTNAME). */
  cnameTarget: string;
  /** Per query (DNS_TIMEOUT_MS); node retries a query twice more before giving up. */
  timeoutMs: number;
}

const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);
const bare = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/**
 * Proof that whoever controls a hostname's DNS added it: a TXT record `_boltlink.<hostname>` whose value is
 * the domain's token, or a CNAME of the hostname to the edges' host. Either suffices; both are asked at once.
 */
export function createDnsCheck(options: DnsCheckOptions): DnsCheck {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 3 });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  const target = bare(options.cnameTarget);

  async function txt(hostname: string, token: string): Promise<string | null> {
    const name = txtRecordName(hostname);
    try {
      // A TXT value may arrive in several strings of at most 255 bytes: they form one value.
      const values = (await resolver.resolveTxt(name)).map((chunks) => chunks.join('').trim());
      if (values.includes(token)) return null;
      return values.length === 0
        ? `no TXT record at ${name}`
        : `TXT ${name} does not hold this domain's token`;
    } catch (error) {
      return describe(error, 'TXT', name);
    }
  }

  async function cname(hostname: string): Promise<string | null> {
    try {
      const names = (await resolver.resolveCname(hostname)).map(bare);
      if (names.includes(target)) return null;
      return names.length === 0
        ? `no CNAME at ${hostname}`
        : `CNAME ${hostname} points at ${names.join(', ')}, not ${target}`;
    } catch (error) {
      return describe(error, 'CNAME', hostname);
    }
  }

  return {
    async check(hostname, token) {
      const [txtError, cnameError] = await Promise.all([txt(hostname, token), cname(hostname)]);
      if (txtError === null) return { verified: true, method: 'txt' };
      if (cnameError === null) return { verified: true, method: 'cname' };
      return { verified: false, error: `${txtError}; ${cnameError}` };
    },
  };
}

function describe(error: unknown, type: 'TXT' | 'CNAME', name: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NO_RECORD.has(code)) return `no ${type} record at ${name}`;
  if (code === 'ETIMEOUT') return `${type} ${name}: the DNS query timed out`;
  return `${type} ${name}: DNS lookup failed (${typeof code === 'string' ? code : 'unknown error'})`;
}
