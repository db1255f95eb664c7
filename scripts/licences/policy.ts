/**
 * Which licences BoltLink's production dependencies may carry. The images ship these packages, so every
 * one must let anyone run, change and redistribute BoltLink under its MIT licence without more duties
 * than keeping notices.
 *
 * Allowed is a list, not a blocklist: a licence nobody looked at yet (a new "source-available" one, a
 * missing field) fails until someone reads it. That is what keeps out the traps: AGPL-3.0 (ua-parser-js
 * 2.x), GPL, SSPL, RSALv2 (Redis 7.4+), BUSL and Commons Clause.
 *
 * LGPL is refused too. Shipping an LGPL package in an image adds duties MIT does not have (the user must
 * be able to replace that library, and its source must be offered), and every need so far has a
 * permissive library. If one ever has none, allow that package below with the reason.
 */
export const ALLOWED_LICENCES: ReadonlySet<string> = new Set([
  'MIT',
  'MIT-0',
  'ISC',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'BlueOak-1.0.0',
  'Unlicense',
  'CC0-1.0',
  'Zlib',
  'Python-2.0',
]);

/** Packages allowed whatever their licence field says, each with the reason. None needed today. */
export const ALLOWED_PACKAGES: ReadonlyMap<string, string> = new Map<string, string>([]);

/**
 * Whether an SPDX expression is acceptable: `A OR B` when either is, `A AND B` when both are,
 * parentheses as written. `WITH <exception>` only ever adds permissions, so it is judged by its licence.
 */
export function licenceAllowed(expression: string, allowed: ReadonlySet<string> = ALLOWED_LICENCES): boolean {
  const tokens = expression.replace(/[()]/g, ' $& ').trim().split(/\s+/);
  let at = 0;
  const peek = (): string | undefined => tokens[at];

  function primary(): boolean {
    const token = tokens[at++];
    if (token === '(') {
      const value = or();
      if (tokens[at++] !== ')') throw new Error(`unbalanced parentheses in "${expression}"`);
      return value;
    }
    if (token === undefined || token === ')' || /^(AND|OR|WITH)$/i.test(token)) {
      throw new Error(`not an SPDX expression: "${expression}"`);
    }
    if (peek()?.toUpperCase() === 'WITH') at += 2;
    return allowed.has(token.replace(/\+$/, ''));
  }
  function and(): boolean {
    let value = primary();
    while (peek()?.toUpperCase() === 'AND') {
      at++;
      value = primary() && value;
    }
    return value;
  }
  function or(): boolean {
    let value = and();
    while (peek()?.toUpperCase() === 'OR') {
      at++;
      value = and() || value;
    }
    return value;
  }

  try {
    const value = or();
    return at === tokens.length && value;
  } catch {
    // "SEE LICENSE IN LICENSE.txt", "UNKNOWN", an empty field: someone has to read it.
    return false;
  }
}

export interface LicensedPackage {
  name: string;
  versions: string[];
  license: string;
}

/** The packages that break the policy, as `name@versions: licence` lines. */
export function violations(packages: Iterable<LicensedPackage>): string[] {
  const out: string[] = [];
  for (const pkg of packages) {
    if (ALLOWED_PACKAGES.has(pkg.name) || licenceAllowed(pkg.license)) continue;
    out.push(`${pkg.name}@${pkg.versions.join(', ')}: ${pkg.license || '(no licence field)'}`);
  }
  return out.sort();
}
