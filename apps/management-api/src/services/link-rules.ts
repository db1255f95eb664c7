import { isAlias } from '@boltlink/db/short-code';
import type { RedirectRule } from '@boltlink/redirect-location/rules';
import { type LinkVariant, MAX_VARIANTS, MIN_VARIANTS } from '@boltlink/redirect-location/variants';
import { AppError } from '../errors.ts';

/** Destinations longer than this are refused: browsers and proxies start truncating around here. */
export const MAX_DESTINATION_BYTES = 8 * 1024;
export const MAX_TAGS = 10;

/**
 * Paths the edge or a future dashboard serves itself on a short domain. Compared case-insensitively
 * so `API` or `Docs` cannot shadow them either.
 */
const RESERVED_ALIASES = new Set([
  'api',
  'health',
  'ready',
  'metrics',
  'docs',
  'admin',
  'static',
  'assets',
  'favicon.ico',
  'robots.txt',
  '.well-known',
  'login',
  'logout',
  'signup',
  'auth',
  'app',
  'dashboard',
  'www',
  'status',
  'help',
  'support',
  'settings',
  'account',
  'qr',
  'stats',
  'sitemap.xml',
]);

// ASCII control characters and whitespace: the WHATWG parser silently strips tabs and newlines
// anywhere and trims leading C0/space, so `java\tscript:` or ` javascript:` would otherwise be judged
// by a string the user never typed. Refusing them outright keeps the stored URL exactly what was meant.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_OR_EDGE_SPACE = /[\u0000-\u001f\u007f]|^\s|\s$/;

export function normalizeHostname(host: string): string {
  const lowered = host.trim().toLowerCase();
  return lowered.endsWith('.') ? lowered.slice(0, -1) : lowered;
}

/** `localhost:8080` -> `localhost`; IDN domains are compared in their punycode form like URL.hostname. */
export function hostnameOfDomain(domain: string): string {
  try {
    return normalizeHostname(new URL(`http://${domain}`).hostname);
  } catch {
    return normalizeHostname(domain);
  }
}

export interface DestinationPolicy {
  /** Hostnames of our own short domains: a destination there would redirect to itself. */
  ownHostnames: ReadonlySet<string>;
  /** Blocked registrable domains; a subdomain of one is blocked too. */
  blocklist: readonly string[];
}

export function createDestinationPolicy(shortDomains: readonly string[], blocklist: readonly string[]) {
  return {
    ownHostnames: new Set(shortDomains.map(hostnameOfDomain)),
    blocklist: blocklist.map(hostnameOfDomain).filter((d) => d.length > 0),
  } satisfies DestinationPolicy;
}

/**
 * Returns the normalized href to store, or throws a validation error that says what is wrong; `field` names
 * the input in the message (`url`, `rules[2].url`).
 */
export function validateDestination(raw: string, policy: DestinationPolicy, field = 'url'): string {
  if (Buffer.byteLength(raw, 'utf8') > MAX_DESTINATION_BYTES) {
    throw new AppError('validation_failed', `${field}: must be at most ${MAX_DESTINATION_BYTES} bytes`);
  }
  if (CONTROL_OR_EDGE_SPACE.test(raw)) {
    throw new AppError(
      'validation_failed',
      `${field}: must not contain control characters or leading/trailing whitespace`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new AppError('validation_failed', `${field}: is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppError('validation_failed', `${field}: only http and https destinations are allowed`);
  }
  const hostname = normalizeHostname(parsed.hostname);
  if (hostname.length === 0) {
    throw new AppError('validation_failed', `${field}: must have a host`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // `https://bank.example@evil.example` reads as the bank but goes to evil.example.
    throw new AppError('validation_failed', `${field}: must not contain credentials`);
  }
  if (policy.ownHostnames.has(hostname)) {
    throw new AppError('validation_failed', `${field}: must not point at a short domain (redirect loop)`);
  }
  for (const blocked of policy.blocklist) {
    if (hostname === blocked || hostname.endsWith(`.${blocked}`)) {
      throw new AppError('validation_failed', `${field}: destination domain is blocked`);
    }
  }
  const href = parsed.href;
  if (Buffer.byteLength(href, 'utf8') > MAX_DESTINATION_BYTES) {
    throw new AppError('validation_failed', `${field}: must be at most ${MAX_DESTINATION_BYTES} bytes`);
  }
  return href;
}

export function validateAlias(alias: string): string {
  if (!isAlias(alias)) {
    throw new AppError('validation_failed', 'alias: must be 3 to 64 characters of A-Z a-z 0-9 _ -');
  }
  if (RESERVED_ALIASES.has(alias.toLowerCase())) {
    throw new AppError('validation_failed', `alias: "${alias}" is reserved`);
  }
  return alias;
}

/**
 * The instance domain (SHORT_DOMAINS) a link asks for, the default one when it names none, or null when it
 * names another: that may still be a verified custom domain of the workspace (the link service asks).
 */
export function instanceDomain(domain: string | undefined, shortDomains: readonly string[]): string | null {
  const fallback = shortDomains[0];
  if (domain === undefined) {
    if (fallback === undefined) throw new AppError('internal', 'no short domain configured');
    return fallback;
  }
  const wanted = domain.trim().toLowerCase();
  return shortDomains.find((d) => d.toLowerCase() === wanted) ?? null;
}

export function validateDomain(domain: string | undefined, shortDomains: readonly string[]): string {
  const match = instanceDomain(domain, shortDomains);
  if (match === null) {
    throw new AppError('validation_failed', `domain: must be one of ${shortDomains.join(', ')}`);
  }
  return match;
}

export function validateExpiry(expiresAt: string, now: Date): Date {
  const date = new Date(expiresAt);
  if (Number.isNaN(date.getTime())) {
    throw new AppError('validation_failed', 'expiresAt: is not a valid date-time');
  }
  if (date.getTime() <= now.getTime()) {
    throw new AppError('validation_failed', 'expiresAt: must be in the future');
  }
  return date;
}

export function validateTags(tags: readonly string[]): string[] {
  if (tags.length > MAX_TAGS) {
    throw new AppError('validation_failed', `tags: at most ${MAX_TAGS} tags`);
  }
  const cleaned = tags.map((t) => t.trim());
  for (const tag of cleaned) {
    if (tag.length < 1 || tag.length > 32) {
      throw new AppError('validation_failed', 'tags: each tag must be 1 to 32 characters');
    }
  }
  return [...new Set(cleaned)];
}

/**
 * Redirect rules as stored: every destination checked like the link's own (`rules[i].url: ...`), countries
 * upper case, languages lower case, repeated values once. The shape and its limits are the schema's.
 */
export function validateRedirectRules(
  rules: readonly RedirectRule[],
  policy: DestinationPolicy,
): RedirectRule[] {
  return rules.map((rule, index) => {
    const { country, language, ...rest } = rule.conditions;
    const conditions: RedirectRule['conditions'] = { ...rest };
    if (country !== undefined) conditions.country = unique(country.map((c) => c.toUpperCase()));
    if (language !== undefined) conditions.language = unique(language.map((l) => l.toLowerCase()));
    for (const key of ['device', 'os', 'browser'] as const) {
      const values = conditions[key];
      if (values !== undefined) (conditions as Record<string, unknown>)[key] = unique(values);
    }
    return { conditions, url: validateDestination(rule.url, policy, `rules[${index}].url`) };
  });
}

/**
 * An A/B split as stored: none (`null` or `[]`), or 2 to 10 variants with unique names, each destination
 * checked like the link's own (`variants[i].url: ...`). Names and weights are the schema's.
 */
export function validateVariants(
  variants: readonly LinkVariant[] | null | undefined,
  policy: DestinationPolicy,
): LinkVariant[] {
  if (variants === null || variants === undefined || variants.length === 0) return [];
  if (variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS) {
    throw new AppError(
      'validation_failed',
      `variants: a split needs ${MIN_VARIANTS} to ${MAX_VARIANTS} variants (null or [] removes it)`,
    );
  }
  const names = new Set<string>();
  return variants.map((variant, index) => {
    if (names.has(variant.name)) {
      throw new AppError('validation_failed', `variants[${index}].name: "${variant.name}" is used twice`);
    }
    names.add(variant.name);
    return {
      name: variant.name,
      url: validateDestination(variant.url, policy, `variants[${index}].url`),
      weight: variant.weight,
    };
  });
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
