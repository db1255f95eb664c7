import type { ClickBuffer } from './click-buffer.ts';
import type { CountryLookup } from './geoip.ts';
import { createRecentMemo } from './recent-memo.ts';
import { createUserAgentClassifier, isHumanClick, type UserAgentInfo } from './user-agent.ts';
import { createVisitorHasher, utcDayStart } from './visitor-hash.ts';

/** The parts of an HTTP request a click is made of; the route passes them without copying headers. */
export interface ClickContext {
  method: string;
  ip: string;
  userAgent: string | undefined;
  referer: string | undefined;
  /** Value of the configured trusted country header, if any. */
  country: string | string[] | undefined;
  /** When the redirect was served, if the caller has read the clock already; else now. */
  occurredAt?: number;
  /** The name of the link's A/B variant the visitor was sent to; absent without a split (or when a rule won). */
  variant?: string | undefined;
}

export interface ClickRecorderOptions {
  buffer: ClickBuffer;
  appSecret: string;
  /** MaxMind country lookup (GEOIP_DB_PATH): used when the trusted country header gives no country. */
  countryLookup?: CountryLookup;
  /** The User-Agent classifier, shared with the click-cap check so both read one memo. */
  classify?: (userAgent: string | undefined) => UserAgentInfo;
  now?: () => number;
  /**
   * The traceparent of the request's span when it is sampled (Tracing.sampledTraceparent); absent when tracing is
   * off, and then nothing is asked per click.
   */
  sampledTraceparent?: (() => string | undefined) | undefined;
}

export type ClickRecorder = (linkId: string, context: ClickContext) => void;

const COUNTRY = /^[A-Z]{2}$/;
const MAX_HOST_LENGTH = 253;
/** Referers longer than this are parsed every time instead of being remembered. */
const MAX_MEMO_REFERER_LENGTH = 512;

/** Visitors remembered per IP: the addresses seen lately, each with the few last User-Agents seen from it. */
const MEMO_ADDRESSES = 10_000;
const USER_AGENTS_PER_ADDRESS = 4;

/** What a click from one IP with one User-Agent was made of: reused while it comes back the same day. */
interface Visitor {
  userAgent: string | undefined;
  agent: UserAgentInfo;
  hash: string;
  dayStart: number;
  /** The visitor seen before this one at the same IP (another User-Agent: a household, an office). */
  previous: Visitor | undefined;
}

export function createClickRecorder(options: ClickRecorderOptions): ClickRecorder {
  const { buffer, sampledTraceparent } = options;
  const now = options.now ?? Date.now;
  const classify = options.classify ?? createUserAgentClassifier();
  const hashVisitor = createVisitorHasher(options.appSecret, now);

  const countryLookup = options.countryLookup;
  // Each request brings fresh strings, and hashing a long User-Agent (or joining it to the IP) for every lookup
  // costs more than the rest of the click. Keyed by the short IP instead, with the User-Agent compared, a
  // returning visitor's classification and hash come from one lookup.
  const visitors = createRecentMemo<string, Visitor>(MEMO_ADDRESSES);
  const referrers = createRecentMemo<string, string>(2_000);

  function visitorOf(ip: string, userAgent: string | undefined, occurredAt: number): Visitor {
    const dayStart = utcDayStart(occurredAt);
    const latest = visitors.get(ip);
    // An address's visitors are all of one day: a new day starts it over, yesterday's hashes are never reused.
    const today = latest !== undefined && latest.dayStart === dayStart ? latest : undefined;
    let lastKept: Visitor | undefined;
    let count = 0;
    for (let known = today; known !== undefined; known = known.previous) {
      if (known.userAgent === userAgent) return known;
      count += 1;
      if (count === USER_AGENTS_PER_ADDRESS - 1) lastKept = known;
    }
    // The address's oldest User-Agent is forgotten to make room.
    if (lastKept !== undefined) lastKept.previous = undefined;
    const visitor: Visitor = {
      userAgent,
      agent: classify(userAgent),
      hash: hashVisitor(ip, userAgent, occurredAt),
      dayStart,
      previous: today,
    };
    visitors.set(ip, visitor);
    return visitor;
  }

  function referrerOf(referer: string | undefined): string | null {
    if (referer === undefined || referer.length === 0) return null;
    if (referer.length > MAX_MEMO_REFERER_LENGTH) return referrerHost(referer);
    const known = referrers.get(referer);
    // '' stands for "no usable host" in the memo.
    if (known !== undefined) return known === '' ? null : known;
    const host = referrerHost(referer);
    referrers.set(referer, host ?? '');
    return host;
  }

  return (linkId, context) => {
    const occurredAt = context.occurredAt ?? now();
    const visitor = visitorOf(context.ip, context.userAgent, occurredAt);
    // One short-lived object per click: the builder copies its fields into columns and keeps none of it.
    buffer.add({
      linkId,
      occurredAt,
      agent: visitor.agent,
      referrerHost: referrerOf(context.referer),
      // The trusted header first (the proxy in front knows best), then the database, else unknown.
      country: country(context.country) ?? countryLookup?.lookup(context.ip) ?? null,
      // Counted, but flagged: bots, HEAD and requests without a User-Agent.
      isBot: !isHumanClick(context.method, visitor.agent),
      visitorHash: visitor.hash,
      variant: context.variant ?? null,
      trace: sampledTraceparent === undefined ? undefined : sampledTraceparent(),
    });
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
  // What proxies send (`DE`) is taken as it is, without trimming or case folding.
  const upper = isUpperPair(raw) ? raw : raw.trim().toUpperCase();
  // Cloudflare sends XX for unknown and T1 for Tor; neither is a country.
  if (!COUNTRY.test(upper) || upper === 'XX') return null;
  return upper;
}

function isUpperPair(value: string): boolean {
  if (value.length !== 2) return false;
  const first = value.charCodeAt(0);
  const second = value.charCodeAt(1);
  return first >= 65 && first <= 90 && second >= 65 && second <= 90;
}
