import {
  IsArray,
  IsBoolean,
  IsInteger,
  IsNumber,
  IsOptional,
  type Static,
  type TObject,
  type TSchema,
  type TSchemaOptions,
} from 'typebox';
import { Value } from 'typebox/value';
import { fieldMeta } from './fields.ts';

export {
  bool,
  type ConfigFieldMeta,
  commaList,
  int,
  isHostWithPort,
  isProxyAddress,
  oneOf,
  optional,
  port,
  redisUrl,
  secret,
  str,
  url,
} from './fields.ts';

export interface ConfigIssue {
  /** The environment variable, e.g. `PORT`. */
  variable: string;
  /** The rule it broke, e.g. `must be an integer port number between 1 and 65535 (got "abc")`. */
  problem: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    const lines = issues.map((issue) => `  - ${issue.variable}: ${issue.problem}`);
    super(`Invalid configuration (${count}):\n${lines.join('\n')}`);
    this.issues = issues;
  }
}

/** `databaseUrl` -> `DATABASE_URL`: config keys are camelCase, variables UPPER_SNAKE_CASE. */
export function envName(key: string, schema?: TSchema): string {
  const override = schema ? fieldMeta(schema)?.env : undefined;
  return override ?? key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Environment values are strings; turn one into the type its field expects. Unconvertible input is left as is
 * so the schema check reports it with the field's rule. */
function coerce(schema: TSchema, raw: string): unknown {
  if (IsInteger(schema)) return INTEGER.test(raw) ? Number(raw) : raw;
  if (IsNumber(schema)) return NUMBER.test(raw) ? Number(raw) : raw;
  if (IsBoolean(schema)) {
    const lower = raw.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    return raw;
  }
  if (IsArray(schema)) {
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    return fieldMeta(schema)?.lowercase ? items.map((item) => item.toLowerCase()) : items;
  }
  return raw;
}

function describeValue(raw: string): string {
  const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
  return ` (got ${JSON.stringify(shown)})`;
}

/**
 * Reads every field of `schema` from `env`, applies defaults, converts strings, validates, and returns a typed
 * camelCase object. Throws one `ConfigError` listing every missing or invalid variable, so an operator fixes
 * them all in one go instead of one restart per mistake.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const issues: ConfigIssue[] = [];
  const result: Record<string, unknown> = {};
  const deferred: [key: string, from: string][] = [];
  const production = (env.NODE_ENV?.trim() || 'development') === 'production';

  for (const [key, field] of Object.entries(schema.properties) as [string, TSchema & TSchemaOptions][]) {
    const meta = fieldMeta(field);
    const variable = envName(key, field);
    const rule = meta?.rule ?? 'valid';
    const raw = env[variable]?.trim();

    if (raw === undefined || raw === '') {
      if (meta?.requiredInProduction && production) {
        issues.push({ variable, problem: `is required when NODE_ENV=production (must be ${rule})` });
      } else if (meta?.defaultFrom !== undefined) {
        deferred.push([key, meta.defaultFrom]);
      } else if (field.default !== undefined) {
        result[key] = Value.Clone(field.default);
      } else if (!IsOptional(field)) {
        issues.push({ variable, problem: `is required (must be ${rule})` });
      }
      continue;
    }

    const value = coerce(field, raw);
    // Lists name their offending items themselves; secrets and URLs (passwords) are never echoed.
    const echo = meta?.sensitive || IsArray(field) ? '' : describeValue(raw);
    if (!Value.Check(field, value)) {
      issues.push({ variable, problem: `must be ${rule}${echo}` });
      continue;
    }
    const refined = meta?.refine?.(value);
    if (refined !== undefined) {
      issues.push({ variable, problem: `must be ${refined}${echo}` });
      continue;
    }
    if (meta?.requiredInProduction && production && value === field.default) {
      issues.push({ variable, problem: 'must not be the development default when NODE_ENV=production' });
      continue;
    }
    result[key] = value;
  }

  for (const [key, from] of deferred) {
    if (result[from] !== undefined) result[key] = result[from];
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return result as Static<T>;
}

/**
 * Exit status of a service that refuses its configuration (EX_CONFIG from sysexits.h). Supervisors (the
 * local runner) do not restart a process that exits with it: the same variables would fail the same way.
 */
export const EXIT_CONFIG = 78;

/**
 * Runs `load`; on a `ConfigError` prints its message alone (no stack: the message is the whole story) to
 * stderr and exits with `EXIT_CONFIG`. Any other error is a bug and propagates with its stack.
 */
export function exitOnConfigError<R>(load: () => R): R {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
}

export function loadConfigOrExit<T extends TObject>(
  schema: T,
  env: NodeJS.ProcessEnv = process.env,
): Static<T> {
  return exitOnConfigError(() => loadConfig(schema, env));
}

export interface ConfigVariableDoc {
  variable: string;
  /** The default as an operator would type it; undefined when there is none. */
  default: string | undefined;
  required: boolean;
  description: string;
  /** What a value must be. */
  rule: string;
}

/** One row per variable, in schema order: the source of truth for the configuration table in docs/configuration.md. */
export function describeConfig(schema: TObject): ConfigVariableDoc[] {
  return (Object.entries(schema.properties) as [string, TSchema & TSchemaOptions][]).map(([key, field]) => {
    const meta = fieldMeta(field);
    let defaultText: string | undefined;
    if (meta?.defaultDescription !== undefined) defaultText = meta.defaultDescription;
    else if (meta?.defaultFrom !== undefined) {
      const source = schema.properties[meta.defaultFrom];
      defaultText = `same as ${envName(meta.defaultFrom, source)}`;
    } else if (meta?.requiredInProduction) defaultText = 'a fixed development value; required in production';
    else if (Array.isArray(field.default)) defaultText = field.default.join(',');
    else if (field.default !== undefined) defaultText = String(field.default);

    return {
      variable: envName(key, field),
      default: defaultText,
      required: defaultText === undefined && !IsOptional(field),
      description: typeof field.description === 'string' ? field.description : '',
      rule: meta?.rule ?? '',
    };
  });
}
