import type { Db } from '@boltlink/db/client';
import { users } from '@boltlink/db/schema';
import { eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { sha256Hex } from './secrets.ts';
import type { SessionStore } from './session-store.ts';

export interface LoginThrottle {
  /** Counter key prefix for failed logins of one account (from redis-keys). */
  keyPrefix: string;
  max: number;
  windowMs: number;
}

export interface AuthServiceDeps {
  db: Db;
  redis: Redis;
  hasher: PasswordHasher;
  sessions: SessionStore;
  loginThrottle: LoginThrottle;
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** One error for both "no such account" and "wrong password", so the answer reveals nothing. */
const invalidCredentials = () => new AppError('unauthenticated', 'invalid email or password');

export function createAuthService(deps: AuthServiceDeps) {
  const { db, redis, hasher, sessions, loginThrottle } = deps;

  // Keyed by the hash of the email so the counter key does not put addresses in Redis.
  const failureKey = (email: string) => `${loginThrottle.keyPrefix}${sha256Hex(email)}`;

  async function assertNotLockedOut(email: string): Promise<void> {
    const key = failureKey(email);
    const [count, ttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
    if (count !== null && Number(count) >= loginThrottle.max) {
      const retryAfter = Math.max(1, Math.ceil(ttl / 1000));
      throw new AppError('rate_limited', 'too many failed logins for this account; try again later', {
        'retry-after': String(retryAfter),
      });
    }
  }

  async function recordFailure(email: string): Promise<void> {
    // One transaction, and NX so the window starts at the first failure: a crash between the two
    // commands can never leave a counter without expiry (a permanent lockout).
    await redis
      .multi()
      .incr(failureKey(email))
      .pexpire(failureKey(email), loginThrottle.windowMs, 'NX')
      .exec();
  }

  return {
    async signup(rawEmail: string, password: string) {
      const email = normalizeEmail(rawEmail);
      if (!EMAIL.test(email) || email.length > 320) {
        throw new AppError('validation_failed', 'email: is not a valid email address');
      }
      const passwordHash = await hasher.hash(password);
      const [user] = await db
        .insert(users)
        .values({ email, passwordHash })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id, email: users.email });
      if (!user) throw new AppError('conflict', 'an account with this email already exists');
      const token = await sessions.create(user.id);
      return { user, token };
    },

    async login(rawEmail: string, password: string): Promise<{ token: string }> {
      const email = normalizeEmail(rawEmail);
      await assertNotLockedOut(email);
      const [user] = await db
        .select({ id: users.id, passwordHash: users.passwordHash })
        .from(users)
        .where(eq(users.email, email));
      if (!user) {
        await hasher.dummyVerify(password);
        await recordFailure(email);
        throw invalidCredentials();
      }
      if (!(await hasher.verify(user.passwordHash, password))) {
        await recordFailure(email);
        throw invalidCredentials();
      }
      if (hasher.needsRehash(user.passwordHash)) {
        const passwordHash = await hasher.hash(password);
        await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
      }
      await redis.del(failureKey(email));
      return { token: await sessions.create(user.id) };
    },

    async me(userId: string) {
      const [user] = await db
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(eq(users.id, userId));
      // A session that outlived its account is no session.
      if (!user) throw new AppError('unauthenticated', 'session is no longer valid');
      return user;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
