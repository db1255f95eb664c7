import { domainToASCII } from 'node:url';

export type HostnameResult = { ok: true; hostname: string } | { ok: false; reason: string };

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The one normal form of a custom domain's hostname, shared by the API (what a user adds) and the edge (the
 * Host header it looks up): lower-case ASCII, an internationalised name in punycode, no port, no trailing
 * dot. Refuses what cannot be a public DNS name a visitor types: IP addresses, single labels (`localhost`),
 * ports, paths and anything that is not letters, digits, hyphens and dots.
 */
export function parseHostname(input: string): HostnameResult {
  const trimmed = input.trim();
  if (trimmed.length === 0) return { ok: false, reason: 'is empty' };
  if (/[:/\\@?#\s[\]]/.test(trimmed)) {
    return { ok: false, reason: 'must be a bare host name (no scheme, port, path or spaces)' };
  }
  const withoutDot = trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
  // WHATWG domain-to-ASCII: lower-cases, maps Unicode (IDNA) to punycode, '' when the name is invalid.
  const ascii = domainToASCII(withoutDot);
  if (ascii === '') return { ok: false, reason: 'is not a valid host name' };
  if (ascii.length > 253) return { ok: false, reason: 'must be at most 253 characters' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { ok: false, reason: 'must have at least two labels (e.g. go.example.com)' };
  if (!labels.every((label) => LABEL.test(label))) {
    return { ok: false, reason: 'labels must be 1 to 63 letters, digits or inner hyphens' };
  }
  // The last label of a public name is never all digits: this refuses IPv4 addresses in any spelling.
  if (/^[0-9]+$/.test(labels.at(-1) ?? '')) return { ok: false, reason: 'must not be an IP address' };
  return { ok: true, hostname: ascii };
}

/** The Host header of a request, as it is looked up among custom domains (port dropped); null if unusable. */
export function hostnameOfHostHeader(host: string): string | null {
  const withoutPort = host.replace(/:\d+$/, '');
  const result = parseHostname(withoutPort);
  return result.ok ? result.hostname : null;
}
