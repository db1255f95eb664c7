import {
  type CompiledRules,
  compileRules,
  preferredLanguage,
  queryValue,
  type RuleVisitor,
} from '@boltlink/redirect-location/rules';
import { LRUCache } from 'lru-cache';
import { country as countryOfHeader } from './click-recorder.ts';
import type { CountryLookup } from './geoip.ts';
import type { RedirectLink } from './ports.ts';
import type { UserAgentInfo } from './user-agent.ts';

/**
 * What a redirect rule may ask about a visitor, answered the way the click records it: the same User-Agent
 * classifier (and its memo) and the same country (the trusted header, else the country database), so a rule
 * on `device: mobile` and the `devices` breakdown of the stats speak of the same visitors.
 */
export interface VisitorClassifier {
  agent(userAgent: string | undefined): UserAgentInfo;
  country(header: string | undefined, ip: string): string | null;
  /** The primary tag of the most preferred language of an Accept-Language value. */
  language(header: string | undefined): string | null;
}

/** Accept-Language values repeat as User-Agents do (a few per audience): parsed once, remembered. */
const LANGUAGE_MEMO_ENTRIES = 1000;
/** Longer values are parsed every time rather than remembered. */
const LANGUAGE_MEMO_MAX_LENGTH = 256;

export function createVisitorClassifier(options: {
  classify: (userAgent: string | undefined) => UserAgentInfo;
  countryLookup?: Pick<CountryLookup, 'lookup'>;
}): VisitorClassifier {
  const { classify, countryLookup } = options;
  const languages = new LRUCache<string, string>({ max: LANGUAGE_MEMO_ENTRIES });
  return {
    agent: classify,
    country(header, ip) {
      // The click's own reading of the trusted header (Cloudflare's XX and T1 are none), else the database.
      return countryOfHeader(header) ?? countryLookup?.lookup(ip) ?? null;
    },
    language(header) {
      if (header === undefined || header.length > LANGUAGE_MEMO_MAX_LENGTH) return preferredLanguage(header);
      const known = languages.get(header);
      // '' stands for "no language" in the memo.
      if (known !== undefined) return known === '' ? null : known;
      const language = preferredLanguage(header);
      languages.set(header, language ?? '');
      return language;
    },
  };
}

/** The request as a rule reads it. */
export interface RuleRequest {
  ip: string;
  userAgent: string | undefined;
  country: string | undefined;
  acceptLanguage: string | undefined;
  /** The raw query string of the short URL (`a=1&b=2`). */
  query: string;
}

/**
 * One request's answers, each worked out on first use only: a rule on the query string alone costs no
 * User-Agent classification and no country lookup. Made only for links that have rules.
 */
class RequestVisitor implements RuleVisitor {
  #agent: UserAgentInfo | undefined;
  #country: string | null | undefined;
  #language: string | null | undefined;
  readonly request: RuleRequest;
  readonly classifier: VisitorClassifier;

  constructor(request: RuleRequest, classifier: VisitorClassifier) {
    this.request = request;
    this.classifier = classifier;
  }

  #agentInfo(): UserAgentInfo {
    if (this.#agent === undefined) this.#agent = this.classifier.agent(this.request.userAgent);
    return this.#agent;
  }

  country(): string | null {
    if (this.#country === undefined) {
      this.#country = this.classifier.country(this.request.country, this.request.ip);
    }
    return this.#country;
  }

  device(): string {
    return this.#agentInfo().device;
  }

  os(): string {
    return this.#agentInfo().os;
  }

  browser(): string {
    return this.#agentInfo().browser;
  }

  language(): string | null {
    if (this.#language === undefined) this.#language = this.classifier.language(this.request.acceptLanguage);
    return this.#language;
  }

  query(name: string): string | null {
    return queryValue(this.request.query, name);
  }
}

/**
 * The rules of a cached link, compiled on first use and kept as long as the link value lives (links are
 * immutable: a change replaces the cached object, and with it this entry). Keyed weakly, like the plain
 * locations of redirect-answer.ts.
 */
const compiledRules = new WeakMap<RedirectLink, CompiledRules>();

function rulesOf(link: RedirectLink & { v: 2 | 3 }): CompiledRules {
  let compiled = compiledRules.get(link);
  if (compiled === undefined) {
    compiled = compileRules(link.rules);
    compiledRules.set(link, compiled);
  }
  return compiled;
}

/** The index of the link's first rule that holds for this request, or -1 (no rules, or none holds). */
export function matchingRule(
  link: RedirectLink,
  request: RuleRequest,
  classifier: VisitorClassifier,
): number {
  if (link.v === 1 || link.rules.length === 0) return -1;
  return rulesOf(link).match(new RequestVisitor(request, classifier));
}
