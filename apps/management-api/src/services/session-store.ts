import type { Redis } from 'ioredis';
import { newSessionToken, sha256Hex } from './secrets.ts';

export interface SessionKeys {
  session(tokenHash: string): string;
}

interface StoredSessionV1 {
  v: 1;
  userId: string;
  createdAt: number;
}

function decodeSession(raw: string | null): StoredSessionV1 | null {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (
      typeof value === 'object' &&
      value !== null &&
      (value as StoredSessionV1).v === 1 &&
      typeof (value as StoredSessionV1).userId === 'string'
    ) {
      return value as StoredSessionV1;
    }
  } catch {
    // An unreadable entry is no session; the client logs in again.
  }
  return null;
}

/**
 * Login sessions in Redis. Only the SHA-256 of the token is used as the key, so a Redis dump or
 * `MONITOR` does not hand out working tokens; the TTL ends sessions nobody logs out of.
 */
export function createSessionStore(deps: {
  redis: Redis;
  keys: SessionKeys;
  ttlSeconds: number;
  clock: () => Date;
}) {
  const { redis, keys, ttlSeconds } = deps;
  return {
    async create(userId: string): Promise<string> {
      const token = newSessionToken();
      const value: StoredSessionV1 = { v: 1, userId, createdAt: deps.clock().getTime() };
      await redis.set(keys.session(sha256Hex(token)), JSON.stringify(value), 'EX', ttlSeconds);
      return token;
    },
    async resolve(token: string): Promise<{ userId: string; tokenHash: string } | null> {
      const tokenHash = sha256Hex(token);
      const session = decodeSession(await redis.get(keys.session(tokenHash)));
      return session ? { userId: session.userId, tokenHash } : null;
    },
    async revoke(tokenHash: string): Promise<void> {
      await redis.del(keys.session(tokenHash));
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
