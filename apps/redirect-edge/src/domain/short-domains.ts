/**
 * Maps a Host header to the short domain whose links it serves. An exact match wins; a configured domain
 * without a port also matches that host on any port; anything else (an IP, an internal name used by a
 * health checker or a proxy that rewrites Host) falls back to the default domain.
 */
export function createDomainResolver(shortDomains: readonly string[], defaultDomain: string) {
  const exact = new Set(shortDomains.map((domain) => domain.toLowerCase()));
  const resolved = new Map<string, string>();
  const MAX_REMEMBERED = 1000;

  function lookup(host: string): string {
    const lower = host.toLowerCase();
    if (exact.has(lower)) return lower;
    const colon = lower.lastIndexOf(':');
    if (colon > 0 && !lower.endsWith(']')) {
      const bare = lower.slice(0, colon);
      if (exact.has(bare)) return bare;
    }
    return defaultDomain;
  }

  // Checked by string comparison before the map: a Host header is a fresh string on every request, and
  // comparing it costs less than hashing it for a lookup.
  const plain = shortDomains.length <= 4 ? [...exact] : [];

  return (host: string | undefined): string => {
    if (host === undefined || host.length === 0) return defaultDomain;
    for (const domain of plain) if (host === domain) return domain;
    const known = resolved.get(host);
    if (known !== undefined) return known;
    const domain = lookup(host);
    // Host headers are attacker-chosen: remember only a bounded number of them.
    if (resolved.size < MAX_REMEMBERED) resolved.set(host, domain);
    return domain;
  };
}
