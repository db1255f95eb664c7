import { type Static, Type } from 'typebox';

/**
 * Redirect rules of a link: an ordered list of `{ conditions, url }`. A rule matches when every condition it
 * names holds; the first matching rule's URL is the destination, else the link's own URL. One shape for the
 * API (which validates it at its boundary), the cached link (the edge's wire format) and the edge's
 * evaluation, which is compiled once per cached link (`compileRules`).
 */

export const MAX_RULES = 20;
export const MAX_CONDITION_VALUES = 10;

/**
 * Device types as the click context classifies them (ua-parser's device types, plus `desktop` for an untyped
 * device with a recognised OS, `bot`, and `unknown`).
 */
export const DEVICE_TYPES = [
  'desktop',
  'mobile',
  'tablet',
  'console',
  'smarttv',
  'wearable',
  'embedded',
  'bot',
  'unknown',
] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

const values = <T extends Parameters<typeof Type.Array>[0]>(item: T, description: string) =>
  Type.Array(item, { minItems: 1, maxItems: MAX_CONDITION_VALUES, description });

export const RedirectRuleConditions = Type.Object(
  {
    country: Type.Optional(
      values(
        Type.String({ pattern: '^[A-Za-z]{2}$' }),
        'ISO 3166-1 alpha-2 codes: the visitor is in one of them',
      ),
    ),
    device: Type.Optional(values(Type.Enum(DEVICE_TYPES), 'Device types: the visitor uses one of them')),
    os: Type.Optional(
      values(
        Type.String({ minLength: 1, maxLength: 64 }),
        'Operating systems as the stats name them (iOS, Android, Windows, Mac OS...), any case',
      ),
    ),
    browser: Type.Optional(
      values(
        Type.String({ minLength: 1, maxLength: 64 }),
        'Browsers as the stats name them (Chrome, Safari, Firefox...), any case',
      ),
    ),
    language: Type.Optional(
      values(
        Type.String({ pattern: '^[A-Za-z]{2,3}$' }),
        "Primary language tags (de, fr): the visitor's most preferred language (Accept-Language, by q-value) is one of them",
      ),
    ),
    query: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 128 }),
          value: Type.Optional(
            Type.String({ maxLength: 512, description: 'Without it, the parameter only has to be present' }),
          ),
        },
        { additionalProperties: false, description: "A parameter of the short URL's query string" },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1, description: 'Every condition named must hold' },
);
export type RedirectRuleConditions = Static<typeof RedirectRuleConditions>;

export const RedirectRule = Type.Object(
  {
    conditions: RedirectRuleConditions,
    url: Type.String({ minLength: 1, maxLength: 8192, description: 'Destination when the rule matches' }),
  },
  { additionalProperties: false },
);
export type RedirectRule = Static<typeof RedirectRule>;

export const RedirectRules = Type.Array(RedirectRule, {
  maxItems: MAX_RULES,
  description: 'Tried in order; the first rule whose conditions all hold wins, else the link URL',
});

/**
 * What a rule can ask of a visit. The edge answers each lazily, once per request, and only when a rule asks:
 * a link whose rules test only the country never classifies the User-Agent.
 */
export interface RuleVisitor {
  /** ISO 3166-1 alpha-2, upper case; null when unknown. */
  country(): string | null;
  device(): string;
  os(): string;
  browser(): string;
  /** Primary subtag, lower case, of the most preferred language; null without one. */
  language(): string | null;
  /** The first value of the query parameter (decoded); null when absent. */
  query(name: string): string | null;
}

type Condition = (visitor: RuleVisitor) => boolean;

/** The rules of one link, ready to run: `match` gives the index of the first rule that holds, or -1. */
export interface CompiledRules {
  readonly rules: readonly RedirectRule[];
  match(visitor: RuleVisitor): number;
}

function lowerSet(list: readonly string[]): ReadonlySet<string> {
  return new Set(list.map((value) => value.toLowerCase()));
}

function conditionsOf(conditions: RedirectRuleConditions): Condition[] {
  const out: Condition[] = [];
  // Cheapest first: the query string and the country need no parsing of the User-Agent.
  const { query } = conditions;
  if (query !== undefined) {
    const { name, value } = query;
    out.push(
      value === undefined
        ? (visitor) => visitor.query(name) !== null
        : (visitor) => visitor.query(name) === value,
    );
  }
  if (conditions.country !== undefined) {
    const countries = new Set(conditions.country.map((country) => country.toUpperCase()));
    out.push((visitor) => {
      const country = visitor.country();
      return country !== null && countries.has(country);
    });
  }
  if (conditions.language !== undefined) {
    const languages = lowerSet(conditions.language);
    out.push((visitor) => {
      const language = visitor.language();
      return language !== null && languages.has(language);
    });
  }
  if (conditions.device !== undefined) {
    const devices: ReadonlySet<string> = new Set(conditions.device);
    out.push((visitor) => devices.has(visitor.device()));
  }
  if (conditions.os !== undefined) {
    const systems = lowerSet(conditions.os);
    out.push((visitor) => systems.has(visitor.os().toLowerCase()));
  }
  if (conditions.browser !== undefined) {
    const browsers = lowerSet(conditions.browser);
    out.push((visitor) => browsers.has(visitor.browser().toLowerCase()));
  }
  return out;
}

export function compileRules(rules: readonly RedirectRule[]): CompiledRules {
  const compiled = rules.map((rule) => conditionsOf(rule.conditions));
  return {
    rules,
    match(visitor) {
      for (let i = 0; i < compiled.length; i += 1) {
        const conditions = compiled[i] as Condition[];
        // A rule without conditions is refused by the schema; read defensively, it never matches.
        if (conditions.length === 0) continue;
        let holds = true;
        for (let j = 0; j < conditions.length; j += 1) {
          if (!(conditions[j] as Condition)(visitor)) {
            holds = false;
            break;
          }
        }
        if (holds) return i;
      }
      return -1;
    },
  };
}

/** More than this many entries of an Accept-Language header are not read (browsers send a handful). */
const MAX_LANGUAGE_ENTRIES = 32;
const PRIMARY_TAG = /^[a-z]{1,8}$/;

/**
 * The primary subtag (lower case) of the visitor's most preferred language: the highest q-value wins, the
 * earlier entry on a tie; `q=0` means "not acceptable" and `*` names no language. Null when none is left.
 */
export function preferredLanguage(header: string | undefined): string | null {
  if (header === undefined || header.length === 0) return null;
  let best: string | null = null;
  let bestQ = 0;
  let start = 0;
  for (let entry = 0; entry < MAX_LANGUAGE_ENTRIES && start <= header.length; entry += 1) {
    let end = header.indexOf(',', start);
    if (end === -1) end = header.length;
    const part = header.slice(start, end);
    start = end + 1;
    const semicolon = part.indexOf(';');
    const range = (semicolon === -1 ? part : part.slice(0, semicolon)).trim().toLowerCase();
    const q = semicolon === -1 ? 1 : qualityOf(part.slice(semicolon + 1));
    if (q <= bestQ || range === '*') continue;
    const dash = range.indexOf('-');
    const primary = dash === -1 ? range : range.slice(0, dash);
    if (!PRIMARY_TAG.test(primary)) continue;
    best = primary;
    bestQ = q;
    if (q === 1) break;
  }
  return best;
}

/** The q of `q=0.8` (other parameters ignored); an unreadable q counts as 0, i.e. not acceptable. */
function qualityOf(parameters: string): number {
  const match = /(?:^|;)\s*q\s*=\s*([0-9.]+)\s*(?:;|$)/i.exec(parameters);
  if (match === null) return /(?:^|;)\s*q\s*=/i.test(parameters) ? 0 : 1;
  const q = Number(match[1]);
  return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0;
}

/**
 * The first value of `name` in a raw query string (`a=1&b=2`), decoded as URLSearchParams decodes it (`+` is
 * a space); a parameter without `=` has the value ''. Null when absent.
 */
export function queryValue(rawQuery: string, name: string): string | null {
  if (rawQuery.length === 0) return null;
  let start = 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end === -1) end = rawQuery.length;
    if (end > start) {
      const pair = rawQuery.slice(start, end);
      const equals = pair.indexOf('=');
      const key = decode(equals === -1 ? pair : pair.slice(0, equals));
      if (key === name) return equals === -1 ? '' : decode(pair.slice(equals + 1));
    }
    start = end + 1;
  }
  return null;
}

function decode(component: string): string {
  if (component.indexOf('%') === -1 && component.indexOf('+') === -1) return component;
  const spaced = component.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape: compared as written, as a browser's URLSearchParams keeps it.
    return spaced;
  }
}
