import type { ClickContext } from './click-recorder.ts';
import type { RedirectLink } from './ports.ts';
import type { GoneReason } from './problem-page.ts';
import { cacheControl, locationFor, rawQuery } from './redirect-answer.ts';
import { matchingRule, type VisitorClassifier } from './redirect-rules.ts';
import { visitorVariant } from './redirect-variants.ts';

/**
 * The one place that decides what a request for a short link gets. Both entrances call it: the fast path in
 * front of Fastify (http/fast-redirect.ts), which writes a plain redirect itself and hands anything else to
 * Fastify, and the Fastify route (routes/redirect.ts), which answers every kind. A rule (which links redirect
 * at once, which status, which headers, what a click is made of) is written here and nowhere else.
 *
 * Pure: no clock, no I/O. What needs I/O stays with the caller and comes in as a fact (the looked-up link,
 * whether the unlock cookie is valid) or goes out as a kind the caller completes (the click-cap counter, the
 * password check). The redirect limiter is charged before the lookup, so a refused client costs no lookup:
 * see `chargeRedirect` in http/redirect-rate-limit.ts.
 */

/** The request headers a redirect reads; the same values node:http's `req.headers` would hold. */
export interface VisitorHeaders {
  userAgent: string | undefined;
  referer: string | undefined;
  /** The trusted country header's value, when one is configured. */
  country: string | undefined;
  /** Read only by a link's language rules. */
  acceptLanguage: string | undefined;
}

/** What the decision knows about the request, read once by whichever path saw it first. */
export interface RequestFacts {
  /** GET or HEAD to follow the link; POST submits the password form. */
  method: string;
  /** The request target (`/abc?x=1`): the visitor's query string is merged into the destination. */
  url: string;
  /** The client address, as Fastify's `request.ip` computes it. */
  ip: string;
  headers: VisitorHeaders;
  /**
   * The visitor has proven the password: a valid unlock cookie (GET) or the right password (POST). Only read
   * for password links; the fast path never checks it and so hands every password link on.
   */
  unlocked?: boolean;
}

/** The headers of every redirect, in the order they go on the wire. */
export type RedirectResponseHeaders = {
  'x-content-type-options': 'nosniff';
  location: string;
  'cache-control': string;
  'x-robots-tag': 'noindex';
  'content-length': '0';
};

export interface RedirectAnswer {
  linkId: string;
  status: number;
  headers: RedirectResponseHeaders;
  /** The click this redirect records, once it is served. */
  click: ClickContext;
}

export type RedirectDecision =
  /** Redirect now and record the click. */
  | ({ kind: 'redirect' } & RedirectAnswer)
  /** Redirect only if the link's click cap (a shared counter) has a slot left; else 410. */
  | ({ kind: 'capped-redirect'; maxClicks: number } & RedirectAnswer)
  /**
   * The link has a password the visitor has not proven: GET gets the form, POST has its password checked
   * (then decide again with `unlocked`).
   */
  | { kind: 'password' }
  /** 404; `unusableDestination`: the stored URL cannot be served (a data problem worth a warning). */
  | { kind: 'problem'; problem: 'not-found'; unusableDestination?: true }
  /** 410, and why (the page a person gets says it). */
  | { kind: 'problem'; problem: 'gone'; reason: Exclude<GoneReason, 'capped'> };

const NOT_FOUND: RedirectDecision = { kind: 'problem', problem: 'not-found' };
const UNUSABLE: RedirectDecision = { kind: 'problem', problem: 'not-found', unusableDestination: true };
const EXPIRED: RedirectDecision = { kind: 'problem', problem: 'gone', reason: 'expired' };
const BLOCKED: RedirectDecision = { kind: 'problem', problem: 'gone', reason: 'blocked' };
const PASSWORD: RedirectDecision = { kind: 'password' };

/**
 * See the module comment. `link` null: no link at this code; `now` in epoch milliseconds; `visitors` answers
 * what a redirect rule asks about the visitor (only for links with rules).
 */
export function decideRedirect(
  link: RedirectLink | null,
  facts: RequestFacts,
  now: number,
  visitors: VisitorClassifier,
): RedirectDecision {
  if (link === null) return NOT_FOUND;
  // Blocked by an instance admin (the link, or its destination's domain): gone for everyone, password or not.
  if (link.blocked === true) return BLOCKED;
  if (link.expiresAt !== null && link.expiresAt <= now) return EXPIRED;
  if (link.passwordHash !== null && facts.unlocked !== true) return PASSWORD;
  const query = rawQuery(facts.url);
  // Targeting before testing: the first rule that holds picks the destination; else the visitor's variant of
  // the link's split; else the link's URL. Rules and split are compiled once per cached link.
  const rule =
    link.v !== 1
      ? matchingRule(
          link,
          {
            ip: facts.ip,
            userAgent: facts.headers.userAgent,
            country: facts.headers.country,
            acceptLanguage: facts.headers.acceptLanguage,
            query,
          },
          visitors,
        )
      : -1;
  const variant = rule < 0 && link.v === 3 ? visitorVariant(link, facts.ip, facts.headers.userAgent) : -1;
  const location = locationFor(link, query, rule, variant);
  // The API validates destinations; a stored one we cannot serve is a data problem, not the visitor's.
  if (location === null) return UNUSABLE;
  // 303 after a form POST whatever the link's type: a 307/308 would make the browser re-POST the password.
  const status = facts.method === 'POST' ? 303 : link.redirectType;
  const headers: RedirectResponseHeaders = {
    'x-content-type-options': 'nosniff',
    location,
    'cache-control': cacheControl(link, status),
    'x-robots-tag': 'noindex',
    'content-length': '0',
  };
  const { headers: visitor } = facts;
  const click: ClickContext = {
    method: facts.method,
    ip: facts.ip,
    userAgent: visitor.userAgent,
    referer: visitor.referer,
    country: visitor.country,
    occurredAt: now,
  };
  if (variant >= 0 && link.v === 3) click.variant = link.variants[variant]?.name;
  if (link.maxClicks !== null) {
    return { kind: 'capped-redirect', maxClicks: link.maxClicks, linkId: link.id, status, headers, click };
  }
  return { kind: 'redirect', linkId: link.id, status, headers, click };
}
