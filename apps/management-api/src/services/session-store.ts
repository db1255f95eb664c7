import type { RedisClient } from '@boltlink/redis-keys/clients';
import { newSessionToken, sha256Hex } from './secrets.ts';

export interface SessionKeys {
  session(tokenHash: string): string;
  sessionEpoch(userId: string): string;
}

/**
 * `epoch` (the user's session epoch at creation) is an optional field of v1, not a v2: a release that does
 * not know it still reads the session (it checks `v` and `userId`), so old and new API pods accept each
 * other's sessions during a rolling upgrade. A session without it (from before epochs) reads as epoch 0 and
 * keeps working until the user's first "sign out everywhere".
 */
interface StoredSessionV1 {
  v: 1;
  userId: string;
  createdAt: number;
  epoch: number;
}

function decodeSession(raw: string | null): StoredSessionV1 | null {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const entry = value as Partial<Omit<StoredSessionV1, 'v'>> & { v?: unknown };
    if (entry.v !== 1 || typeof entry.userId !== 'string' || typeof entry.createdAt !== 'number') return null;
    const epoch = Number.isSafeInteger(entry.epoch) ? (entry.epoch as number) : 0;
    return { v: 1, userId: entry.userId, createdAt: entry.createdAt, epoch };
  } catch {
    // An unreadable entry is no session; the client logs in again.
  }
  return null;
}

const epochOf = (raw: string | null): number => {
  const value = raw === null ? 0 : Number(raw);
  return Number.isSafeInteger(value) ? value : 0;
};

/**
 * Login sessions in Redis. Only the SHA-256 of the token is used as the key, so a Redis dump or
 * `MONITOR` does not hand out working tokens; the TTL ends sessions nobody logs out of.
 *
 * Ending every session of a user at once: each user has a session epoch (a counter, absent = 0). A session
 * records the epoch current when it was created and is valid only while it is not older than the user's
 * epoch; `revokeAll` increments the epoch. One INCR, so it is atomic and needs no list of the user's sessions
 * (whose keys would sit in other Redis Cluster slots). A session created concurrently with a revocation
 * either read the epoch before the INCR (and is ended by it) or after (and was created after it): no session
 * from before the revocation survives. The epoch key has no TTL: it must outlive every session that saw it.
 */
export function createSessionStore(deps: {
  redis: RedisClient;
  keys: SessionKeys;
  ttlSeconds: number;
  clock: () => Date;
}) {
  const { redis, keys, ttlSeconds } = deps;
  const encode = (userId: string, createdAt: number, epoch: number) =>
    JSON.stringify({ v: 1, userId, createdAt, epoch } satisfies StoredSessionV1);

  return {
    /** The user's current epoch; read it before checking a password and pass it to `create`. */
    async epoch(userId: string): Promise<number> {
      return epochOf(await redis.get(keys.sessionEpoch(userId)));
    },

    /**
     * `epoch` should be read before the credentials were checked, so that a password reset landing between
     * the check and this write still ends the session; without it the current epoch is read now.
     */
    async create(userId: string, epoch?: number): Promise<string> {
      const token = newSessionToken();
      const at = epoch ?? epochOf(await redis.get(keys.sessionEpoch(userId)));
      const value = encode(userId, deps.clock().getTime(), at);
      await redis.set(keys.session(sha256Hex(token)), value, 'EX', ttlSeconds);
      return token;
    },

    async resolve(token: string): Promise<{ userId: string; tokenHash: string } | null> {
      const tokenHash = sha256Hex(token);
      const session = decodeSession(await redis.get(keys.session(tokenHash)));
      if (!session) return null;
      const current = epochOf(await redis.get(keys.sessionEpoch(session.userId)));
      return session.epoch >= current ? { userId: session.userId, tokenHash } : null;
    },

    async revoke(tokenHash: string): Promise<void> {
      await redis.del(keys.session(tokenHash));
    },

    /** Ends every session of the user at once ("sign out everywhere"). API keys are not sessions. */
    async revokeAll(userId: string): Promise<void> {
      await redis.incr(keys.sessionEpoch(userId));
    },

    /**
     * Ends every session of the user but the one with `keepTokenHash` (a password change keeps the session
     * it was made from). The kept session is moved to the new epoch; XX so that a session logged out
     * meanwhile is not brought back, KEEPTTL so that it does not live longer than it would have. Should a
     * second revocation land between the INCR and the SET, the kept session ends too, which is the safe side.
     */
    async revokeAllExcept(userId: string, keepTokenHash: string): Promise<void> {
      const epoch = await redis.incr(keys.sessionEpoch(userId));
      const key = keys.session(keepTokenHash);
      const kept = decodeSession(await redis.get(key));
      // Kept only if it was valid right before this INCR: a revocation that landed since the request was
      // authenticated has ended it, and this must not bring it back.
      if (kept === null || kept.userId !== userId || kept.epoch < epoch - 1) return;
      await redis.set(key, encode(userId, kept.createdAt, epoch), 'KEEPTTL', 'XX');
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
