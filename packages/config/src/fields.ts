import { isIP } from 'node:net';
import { REDIS_URL_RULE, redisUrlProblem } from '@boltlink/redis-keys/redis-url';
import {
  type TArray,
  type TBoolean,
  type TInteger,
  type TLiteral,
  type TSchema,
  type TString,
  type TUnion,
  Type,
} from 'typebox';

/**
 * What `loadConfig` needs beyond the TypeBox schema itself. Kept under one key of the schema options so it
 * never collides with a JSON Schema keyword.
 */
export interface ConfigFieldMeta {
  /** The rule a value must follow, phrased to follow "must be …". Shown in errors and in describeConfig. */
  rule: string;
  /** Override of the variable name; by default it is the camelCase key in UPPER_SNAKE_CASE. */
  env?: string;
  /** Never echo the value in an error message (secrets, URLs that may carry a password). */
  sensitive?: boolean;
  /** Camel-case key of another field whose resolved value is the default of this one. */
  defaultFrom?: string;
  /** The default applies outside production only; in production the variable is required. */
  requiredInProduction?: boolean;
  /** Human wording of a default computed at start (e.g. the number of cores), for the docs. */
  defaultDescription?: string;
  /** Lower-case list items before checking them (host names). */
  lowercase?: boolean;
  /** Extra check after the type check; returns a problem ("must be …") or undefined. */
  refine?: (value: unknown) => string | undefined;
}

export interface FieldOptions {
  description: string;
}

type Meta = { config: ConfigFieldMeta };

export function fieldMeta(schema: TSchema): ConfigFieldMeta | undefined {
  const meta: unknown = (schema as Partial<Meta>).config;
  return typeof meta === 'object' && meta !== null ? (meta as ConfigFieldMeta) : undefined;
}

export function str(
  opts: FieldOptions & {
    default?: string;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
    rule?: string;
  },
): TString {
  const minLength = opts.minLength ?? 1;
  const rule = opts.rule ?? (minLength > 0 ? 'a non-empty string' : 'a string');
  return Type.String({
    description: opts.description,
    default: opts.default,
    minLength,
    maxLength: opts.maxLength,
    pattern: opts.pattern,
    config: { rule },
  });
}

export function int(
  opts: FieldOptions & { default?: number; min?: number; max?: number; defaultDescription?: string },
): TInteger {
  const min = opts.min ?? 0;
  const rule = opts.max === undefined ? `an integer >= ${min}` : `an integer between ${min} and ${opts.max}`;
  return Type.Integer({
    description: opts.description,
    default: opts.default,
    minimum: min,
    maximum: opts.max,
    config: { rule, defaultDescription: opts.defaultDescription },
  });
}

export function port(defaultPort: number, description = 'TCP port the HTTP server listens on'): TInteger {
  return Type.Integer({
    description,
    default: defaultPort,
    minimum: 1,
    maximum: 65535,
    config: { rule: 'an integer port number between 1 and 65535' },
  });
}

export function bool(opts: FieldOptions & { default: boolean }): TBoolean {
  return Type.Boolean({
    description: opts.description,
    default: opts.default,
    config: { rule: 'true or false (also accepted: 1/0, yes/no)' },
  });
}

export function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  opts: FieldOptions & { default: V[number] },
): TUnion<TLiteral<V[number]>[]> {
  const literals: TLiteral<V[number]>[] = values.map((value) => Type.Literal(value));
  return Type.Union(literals, {
    description: opts.description,
    default: opts.default,
    config: { rule: `one of ${values.join(', ')}` },
  });
}

/**
 * A URL whose parsed protocol is one of `protocols` (judged by the WHATWG parser, not by the raw string).
 * URLs are treated as sensitive because database and Redis URLs usually carry a password.
 */
export function url(
  opts: FieldOptions & { protocols: readonly string[]; default?: string; defaultFrom?: string },
): TString {
  const names = opts.protocols.map((p) => `${p}//`).join(' or ');
  return Type.String({
    description: opts.description,
    default: opts.default,
    minLength: 1,
    config: {
      rule: `a ${names} URL`,
      sensitive: true,
      defaultFrom: opts.defaultFrom,
      refine: (value: unknown) => {
        if (typeof value !== 'string' || !URL.canParse(value)) return `a valid ${names} URL`;
        const parsed = new URL(value);
        if (!opts.protocols.includes(parsed.protocol)) return `a ${names} URL (got ${parsed.protocol}//)`;
        if (parsed.hostname === '') return `a ${names} URL with a host`;
        return undefined;
      },
    },
  });
}

/**
 * A Redis URL as the client factories of @boltlink/redis-keys accept it: `redis://`, `rediss://`, or
 * `redis-sentinel://[user:password@]host:26379[,host:26379…]/MASTER[?db=N&sentinelPassword=…&tls=true]`.
 * Judged by the same parser that later connects, so config cannot accept what the services cannot use.
 */
export function redisUrl(opts: FieldOptions & { default?: string; defaultFrom?: string }): TString {
  return Type.String({
    description: opts.description,
    default: opts.default,
    minLength: 1,
    config: {
      rule: REDIS_URL_RULE,
      sensitive: true,
      defaultFrom: opts.defaultFrom,
      refine: (value: unknown) => (typeof value === 'string' ? redisUrlProblem(value) : REDIS_URL_RULE),
    },
  });
}

/**
 * A comma-separated list; blanks around items and empty items are ignored, so `a, b,` is `['a', 'b']`.
 * `item` checks each entry and names the rule it broke.
 */
export function commaList(
  opts: FieldOptions & {
    default: readonly string[];
    minItems?: number;
    lowercase?: boolean;
    itemRule?: string;
    item?: (value: string) => boolean;
  },
): TArray<TString> {
  const itemRule = opts.itemRule ?? 'a non-empty string';
  const rule =
    opts.minItems && opts.minItems > 0
      ? `a comma-separated list of at least ${opts.minItems} item(s), each ${itemRule}`
      : `a comma-separated list, each item ${itemRule}`;
  const check = opts.item;
  return Type.Array(Type.String({ minLength: 1 }), {
    description: opts.description,
    default: [...opts.default],
    minItems: opts.minItems ?? 0,
    config: {
      rule,
      lowercase: opts.lowercase === true,
      refine: check
        ? (value: unknown) => {
            const bad = (value as string[]).filter((item) => !check(item));
            return bad.length === 0
              ? undefined
              : `${rule}; invalid: ${bad.map((b) => JSON.stringify(b)).join(', ')}`;
          }
        : undefined,
    },
  });
}

/** A secret: required in production, a fixed, clearly-labelled value elsewhere so development just works. */
export function secret(opts: FieldOptions & { minLength: number; developmentDefault: string }): TString {
  return Type.String({
    description: opts.description,
    default: opts.developmentDefault,
    minLength: opts.minLength,
    config: {
      rule: `at least ${opts.minLength} characters`,
      sensitive: true,
      requiredInProduction: true,
    },
  });
}

/** A variable that may be left unset (its key is then absent from the config object). */
export const optional = Type.Optional;

/** `host` or `host:port`, as found in a Host header (lower-cased by the list). */
export function isHostWithPort(value: string): boolean {
  const match = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const portPart = match[2];
  return portPart === undefined || (Number(portPart) >= 1 && Number(portPart) <= 65535);
}

/** What Fastify's `trustProxy` accepts as a list: an IP, a CIDR, or a proxy-addr keyword. */
export function isProxyAddress(value: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address = '', prefix, ...rest] = value.split('/');
  if (rest.length > 0) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
