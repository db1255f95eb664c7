import { describe, expect, it } from 'vitest';
import { createUnlockCookies } from './unlock-cookie.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const LINK = '6f1c2d3e-4b5a-4c6d-8e7f-901234567890';

describe('unlock cookies', () => {
  const cookies = createUnlockCookies(SECRET, 600);

  it('verifies its own cookie until it expires', () => {
    const { value, maxAgeSeconds } = cookies.issue(LINK, 'hash-1', 1_000_000);
    expect(maxAgeSeconds).toBe(600);
    expect(cookies.verify(value, LINK, 'hash-1', 1_000_000 + 599_000)).toBe(true);
    expect(cookies.verify(value, LINK, 'hash-1', 1_000_000 + 601_000)).toBe(false);
  });

  it('is bound to the link, the current password and the secret', () => {
    const { value } = cookies.issue(LINK, 'hash-1', 1_000_000);
    expect(cookies.verify(value, '00000000-0000-4000-8000-000000000000', 'hash-1', 1_000_000)).toBe(false);
    expect(cookies.verify(value, LINK, 'hash-2', 1_000_000)).toBe(false);
    expect(createUnlockCookies(`${SECRET}x`, 600).verify(value, LINK, 'hash-1', 1_000_000)).toBe(false);
  });

  it('rejects garbage and a prolonged expiry', () => {
    const { value } = cookies.issue(LINK, 'hash-1', 1_000_000);
    const [, mac] = value.split('.');
    expect(cookies.verify(`99999999999.${mac}`, LINK, 'hash-1', 1_000_000)).toBe(false);
    for (const bad of [undefined, '', '.', 'abc', '123.', `x.${mac}`]) {
      expect(cookies.verify(bad, LINK, 'hash-1', 1_000_000)).toBe(false);
    }
  });

  it('accepts one spelling of the MAC only (no flipped spare bits in the last character)', () => {
    const { value } = cookies.issue(LINK, 'hash-1', 1_000_000);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The last of 43 characters carries 4 bits of the MAC and 2 spare ones: its 3 siblings decode the same.
    const base = alphabet.indexOf(value.at(-1) ?? '') & ~3;
    for (let i = base; i < base + 4; i += 1) {
      const variant = `${value.slice(0, -1)}${alphabet[i]}`;
      expect(cookies.verify(variant, LINK, 'hash-1', 1_000_000)).toBe(variant === value);
    }
  });

  it('holds no secret: only an expiry and a MAC', () => {
    const { value } = cookies.issue(LINK, 'hash-1', 1_000_000);
    expect(value).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    expect(value).not.toContain('hash-1');
  });
});
