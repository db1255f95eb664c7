import pino from 'pino';

/**
 * The `err` serializer of every service. pino's standard one copies an error's message, stack and
 * enumerable fields; a failed drizzle query carries its bound values in all three (`params`, and a
 * `\nparams: …` line in the message), so a failed sign-up logged the new user's email and argon2 hash.
 * Here the values are cut out where the error states them, and, because a driver message can quote a
 * value too (`invalid input syntax for type uuid: "…"`, a unique violation's `Key (email)=(…)`),
 * anything shaped like an argon2 hash or an email address in the serialized error is masked.
 */

const MASK = '[redacted]';
const PARAMETER_FIELDS = new Set(['params', 'parameters']);
const ARGON2_HASH = /\$argon2(?:id|i|d)\$[A-Za-z0-9$=,+/.]*/g;
// A TLD of letters keeps package paths such as `drizzle-orm@0.45.4_…` in stack traces intact.
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])/g;
const MAX_CAUSE_DEPTH = 8;

/** The `\nparams: a,b,c` texts that drizzle wrote into the messages of an error and its causes. */
function parameterTexts(error: unknown): string[] {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const params: unknown = (current as { params?: unknown }).params;
    if (Array.isArray(params) && params.length > 0) texts.push(`\nparams: ${String(params)}`);
    current = (current as { cause?: unknown }).cause;
  }
  return texts;
}

function scrub(value: unknown, leaks: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const leak of leaks) text = text.replaceAll(leak, '');
    return text.replace(ARGON2_HASH, MASK).replace(EMAIL, MASK);
  }
  if (depth > MAX_CAUSE_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, leaks, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!PARAMETER_FIELDS.has(key)) out[key] = scrub(item, leaks, depth + 1);
  }
  return out;
}

export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error);
  if (serialized === error) return error;
  return scrub(serialized, parameterTexts(error));
}
