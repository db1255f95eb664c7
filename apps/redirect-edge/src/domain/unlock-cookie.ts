import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The cookie that remembers an unlocked password-protected link. It holds the link id, an expiry and an
 * HMAC (keyed by a key derived from APP_SECRET) over both plus a fingerprint of the current password hash:
 * nothing secret is inside, it cannot be forged or extended, and changing the password revokes it.
 */
export interface UnlockCookies {
  name(linkId: string): string;
  issue(linkId: string, passwordHash: string, now?: number): { value: string; maxAgeSeconds: number };
  verify(value: string | undefined, linkId: string, passwordHash: string, now?: number): boolean;
}

export function createUnlockCookies(appSecret: string, ttlSeconds: number): UnlockCookies {
  const key = createHmac('sha256', appSecret).update('boltlink:unlock-cookie:v1').digest();

  function mac(linkId: string, expires: number, passwordHash: string): Buffer {
    const fingerprint = createHash('sha256').update(passwordHash).digest('base64url');
    return createHmac('sha256', key).update(`${linkId}.${expires}.${fingerprint}`).digest();
  }

  return {
    name: (linkId) => `bl_unlock_${linkId.replaceAll('-', '')}`,

    issue(linkId, passwordHash, now = Date.now()) {
      const expires = Math.floor(now / 1000) + ttlSeconds;
      return {
        value: `${expires}.${mac(linkId, expires, passwordHash).toString('base64url')}`,
        maxAgeSeconds: ttlSeconds,
      };
    },

    verify(value, linkId, passwordHash, now = Date.now()) {
      if (value === undefined) return false;
      const dot = value.indexOf('.');
      if (dot <= 0) return false;
      const expiresText = value.slice(0, dot);
      if (!/^\d{1,12}$/.test(expiresText)) return false;
      const expires = Number(expiresText);
      if (expires * 1000 <= now) return false;
      // Compared as text, not decoded: base64url decoding ignores the spare low bits of the last character,
      // so a decoded comparison would accept several spellings of one signature.
      const given = Buffer.from(value.slice(dot + 1));
      const expected = Buffer.from(mac(linkId, expires, passwordHash).toString('base64url'));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
