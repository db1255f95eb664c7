import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'bl_';
/** Characters of the key shown after creation, `bl_` included; enough to tell keys apart, useless to guess. */
const SHOWN_PREFIX_LENGTH = 8;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** 256-bit session token, base64url; it never carries the `bl_` prefix, so the two kinds never collide. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface NewApiKey {
  key: string;
  prefix: string;
  lastFour: string;
  hash: string;
}

/** `bl_` + 192 random bits in base64url (32 characters). */
export function newApiKey(): NewApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), lastFour: key.slice(-4), hash: sha256Hex(key) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** 256-bit invitation secret, base64url; only its SHA-256 is stored. */
export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

/** 256-bit password reset secret, base64url; only its SHA-256 is stored. */
export function newPasswordResetToken(): string {
  return randomBytes(32).toString('base64url');
}
