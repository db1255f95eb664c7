/**
 * The one definition of a short code: what the links table accepts (its check constraint), what the API lets
 * an alias be and the edge looks up. Characters that need no escaping in a URL path (RFC 3986 unreserved,
 * less `.` and `~`), case-sensitive, at most 64 of them.
 */

export const SHORT_CODE_MAX_LENGTH = 64;
/** A custom alias is at least this long; random codes are as long as the API's CODE_LENGTH. */
export const ALIAS_MIN_LENGTH = 3;
/** The code characters as a regular-expression class body, for schemas and SQL. */
export const SHORT_CODE_CHARACTERS = 'A-Za-z0-9_-';
/** Any code, as a POSIX/ECMAScript pattern (the table's check constraint uses it as is). */
export const SHORT_CODE_PATTERN = `^[${SHORT_CODE_CHARACTERS}]{1,${SHORT_CODE_MAX_LENGTH}}$`;
/** A custom alias. */
export const ALIAS_PATTERN = `^[${SHORT_CODE_CHARACTERS}]{${ALIAS_MIN_LENGTH},${SHORT_CODE_MAX_LENGTH}}$`;

const SHORT_CODE = new RegExp(SHORT_CODE_PATTERN);
const ALIAS = new RegExp(ALIAS_PATTERN);

export function isShortCode(value: string): boolean {
  return SHORT_CODE.test(value);
}

export function isAlias(value: string): boolean {
  return ALIAS.test(value);
}

function isCodeCharacter(c: number): boolean {
  return (
    (c >= 97 && c <= 122) /* a-z */ ||
    (c >= 65 && c <= 90) /* A-Z */ ||
    (c >= 48 && c <= 57) /* 0-9 */ ||
    c === 45 /* - */ ||
    c === 95 /* _ */
  );
}

/**
 * The code of a request target `/abc` or `/abc?query`; null for anything else (%-escapes, `/a/b`, `;`, too
 * long). A scan instead of the regular expression: the edge calls it on every request before any other work.
 */
export function shortCodeOfPath(url: string): string | null {
  if (url.charCodeAt(0) !== 47 /* / */) return null;
  const end = url.length;
  let i = 1;
  for (; i < end; i += 1) {
    const c = url.charCodeAt(i);
    if (c === 63 /* ? */) break;
    if (!isCodeCharacter(c)) return null;
  }
  if (i === 1 || i - 1 > SHORT_CODE_MAX_LENGTH) return null;
  return url.slice(1, i);
}
