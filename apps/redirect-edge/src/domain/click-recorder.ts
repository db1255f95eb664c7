import type { ClickBuffer } from './click-buffer.ts';
import type { CountryLookup } from './geoip.ts';
import { createUserAgentClassifier } from './user-agent.ts';
import { createVisitorHasher } from './visitor-hash.ts';

/** The parts of an HTTP request a click is made of; the route passes them without copying headers. */
export interface ClickContext {
  method: string;
  ip: string;
  userAgent: string | undefined;
  referer: string | undefined;
  /** Value of the configured trusted country header, if any. */
  country: string | string[] | undefined;
}

export interface ClickRecorderOptions {
  buffer: ClickBuffer;
  appSecret: string;
  /** MaxMind country lookup (GEOIP_DB_PATH): used when the trusted country header gives no country. */
  countryLookup?: CountryLookup;
  now?: () => number;
}

export type ClickRecorder = (linkId: string, context: ClickContext) => void;

const COUNTRY = /^[A-Z]{2}$/;
const MAX_HOST_LENGTH = 253;

export function createClickRecorder(options: ClickRecorderOptions): ClickRecorder {
  const { buffer } = options;
  const now = options.now ?? Date.now;
  const classify = createUserAgentClassifier();
  const hashVisitor = createVisitorHasher(options.appSecret, now);

  const countryLookup = options.countryLookup;

  return (linkId, context) => {
    const occurredAt = now();
    const agent = classify(context.userAgent);
    buffer.add(
      linkId,
      occurredAt,
      agent,
      referrerHost(context.referer),
      // The trusted header first (the proxy in front knows best), then the database, else unknown.
      country(context.country) ?? countryLookup?.lookup(context.ip) ?? null,
      // HEAD never follows a link: it is a checker or a preview fetcher, counted but flagged.
      agent.isBot || context.method === 'HEAD',
      hashVisitor(context.ip, context.userAgent, occurredAt),
    );
  };
}

export function referrerHost(referer: string | undefined): string | null {
  if (referer === undefined || referer.length === 0) return null;
  // URL.parse returns null instead of throwing: garbage referers are common and exceptions are slow.
  const url = URL.parse(referer);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  const host = url.hostname.toLowerCase();
  if (host.length === 0 || host.length > MAX_HOST_LENGTH) return null;
  return host;
}

export function country(value: string | string[] | undefined): string | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return null;
  const upper = raw.trim().toUpperCase();
  // Cloudflare sends XX for unknown and T1 for Tor; neither is a country.
  if (!COUNTRY.test(upper) || upper === 'XX') return null;
  return upper;
}
