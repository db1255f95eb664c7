import type { Registration } from '@boltlink/config/services';
import type { Db } from '@boltlink/db/client';
import { users } from '@boltlink/db/schema';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { eq, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import type { InvitationService } from './invitation-service.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { sha256Hex } from './secrets.ts';
import type { SessionStore } from './session-store.ts';

export interface LoginThrottle {
  /** Counter key prefix for failed logins (from redis-keys). */
  keyPrefix: string;
  /** Failed logins of one account from one client IP before that pair is refused for the window. */
  max: number;
  windowMs: number;
}

/**
 * Failed logins of one account from all client IPs together before the account is refused for everyone, as a
 * multiple of `LoginThrottle.max`. The per-IP count stops one client guessing; this ceiling stops a guess
 * spread over many addresses, at the price that such a spread attack (and only that) can lock the owner out.
 */
export const ACCOUNT_CEILING_FACTOR = 10;

export interface AuthServiceDeps {
  db: Db;
  redis: RedisClient;
  hasher: PasswordHasher;
  sessions: SessionStore;
  loginThrottle: LoginThrottle;
  /** Sign-up with an invitation joins its workspace in the same transaction. */
  invitations: Pick<InvitationService, 'acceptWith'>;
  /** Who may sign up (REGISTRATION); the first account of an instance always may. */
  registration: Registration;
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** One error for both "no such account" and "wrong password", so the answer reveals nothing. */
const invalidCredentials = () => new AppError('unauthenticated', 'invalid email or password');

export const accountDisabled = () =>
  new AppError('forbidden', 'this account is disabled; an instance admin can re-enable it');

/**
 * Serializes the sign-ups of an empty instance, whose first account becomes its admin: without it two
 * concurrent first sign-ups would both see no account and both become admin (or, with sign-up closed, both
 * pass as "the first"). Any constant works; this one is "BoltLink" in ASCII.
 */
const FIRST_ACCOUNT_LOCK = 0x426f6c744c696e6bn;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Whether the account about to be created in `tx` is the instance's first. The cheap check runs unlocked:
 * accounts only ever accumulate, so once one exists no sign-up needs the lock.
 */
async function isFirstAccount(tx: Tx): Promise<boolean> {
  const anyUser = async () => (await tx.select({ id: users.id }).from(users).limit(1)).length > 0;
  if (await anyUser()) return false;
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${FIRST_ACCOUNT_LOCK})`);
  return !(await anyUser());
}

/** Who may create an account: a refusal for a sign-up of `registration` that is not the instance's first. */
export function signupRefusal(registration: Registration, withInvitation: boolean): string | null {
  if (registration === 'closed') {
    return 'sign-up is closed on this instance; an instance admin creates accounts';
  }
  if (registration === 'invite' && !withInvitation) {
    return 'sign-up on this instance needs an invitation';
  }
  return null;
}

export function createAuthService(deps: AuthServiceDeps) {
  const { db, redis, hasher, sessions, loginThrottle, invitations, registration } = deps;

  // Keyed by hashes so the counter keys do not put addresses (email or IP) in Redis. The pair counter is what
  // normally refuses a guesser: counting failures per account alone would let anyone who knows an email lock
  // its owner out with a few wrong passwords.
  const accountKey = (email: string) => `${loginThrottle.keyPrefix}${sha256Hex(email)}`;
  const pairKey = (email: string, ip: string) => `${loginThrottle.keyPrefix}${sha256Hex(`${email}\n${ip}`)}`;
  const accountCeiling = loginThrottle.max * ACCOUNT_CEILING_FACTOR;

  async function assertNotLockedOut(email: string, ip: string): Promise<void> {
    const pair = pairKey(email, ip);
    const account = accountKey(email);
    const [pairCount, pairTtl, accountCount, accountTtl] = await Promise.all([
      redis.get(pair),
      redis.pttl(pair),
      redis.get(account),
      redis.pttl(account),
    ]);
    const pairLocked = pairCount !== null && Number(pairCount) >= loginThrottle.max;
    const accountLocked = accountCount !== null && Number(accountCount) >= accountCeiling;
    if (pairLocked || accountLocked) {
      const ttl = Math.max(pairLocked ? pairTtl : 0, accountLocked ? accountTtl : 0);
      const retryAfter = Math.max(1, Math.ceil(ttl / 1000));
      throw new AppError('rate_limited', 'too many failed logins for this account; try again later', {
        'retry-after': String(retryAfter),
      });
    }
  }

  async function recordFailure(email: string, ip: string): Promise<void> {
    // A transaction per counter, and NX so each window starts at the first failure: a crash between the
    // commands can never leave a counter without expiry (a permanent lockout).
    const pair = pairKey(email, ip);
    const account = accountKey(email);
    // One MULTI per counter: the two keys hash to different slots, which a Redis Cluster refuses in one.
    await Promise.all(
      [pair, account].map((key) => redis.multi().incr(key).pexpire(key, loginThrottle.windowMs, 'NX').exec()),
    );
  }

  async function createAccount(
    email: string,
    passwordHash: string,
    refusal: string | null,
    invitation?: string,
  ) {
    const created = await db.transaction(async (tx) => {
      const first = await isFirstAccount(tx);
      if (!first && refusal !== null) throw new AppError('forbidden', refusal);
      const [user] = await tx
        .insert(users)
        .values({ email, passwordHash, isAdmin: first })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id, email: users.email });
      if (!user) throw new AppError('conflict', 'an account with this email already exists');
      const workspace =
        invitation === undefined ? undefined : await invitations.acceptWith(tx, user, invitation);
      return { user, workspace };
    });
    const token = await sessions.create(created.user.id);
    return { ...created, token };
  }

  return {
    /**
     * With an invitation token, the account is created only if the invitation is valid for this email, and
     * joins its workspace in the same transaction: a refused invitation creates no account.
     */
    async signup(rawEmail: string, password: string, invitation?: string) {
      const email = normalizeEmail(rawEmail);
      if (!EMAIL.test(email) || email.length > 320) {
        throw new AppError('validation_failed', 'email: is not a valid email address');
      }
      // Refused before argon2 runs when it can be: a closed instance does not spend a hash per attempt.
      const refusal = signupRefusal(registration, invitation !== undefined);
      if (refusal !== null && (await db.select({ id: users.id }).from(users).limit(1)).length > 0) {
        throw new AppError('forbidden', refusal);
      }
      return createAccount(email, await hasher.hash(password), refusal, invitation);
    },

    /**
     * Checks what sign-up checks before any account is looked at (the address's form, REGISTRATION), so
     * that a refusal here says nothing about whether the address has an account; answers the normalized
     * address and the password's hash for a sign-up confirmed by mail (signup-confirmation-service.ts).
     */
    async prepareSignup(rawEmail: string, password: string) {
      const email = normalizeEmail(rawEmail);
      if (!EMAIL.test(email) || email.length > 320) {
        throw new AppError('validation_failed', 'email: is not a valid email address');
      }
      const refusal = signupRefusal(registration, false);
      if (refusal !== null && (await db.select({ id: users.id }).from(users).limit(1)).length > 0) {
        throw new AppError('forbidden', refusal);
      }
      return { email, passwordHash: await hasher.hash(password) };
    },

    /** Creates the account of a sign-up confirmed by mail, under the REGISTRATION in force now. */
    async completeSignup(email: string, passwordHash: string) {
      return createAccount(email, passwordHash, signupRefusal(registration, false));
    },

    /** An account made by an instance admin (any REGISTRATION); no session is opened for it. */
    async createByAdmin(rawEmail: string, password: string, admin: boolean) {
      const email = normalizeEmail(rawEmail);
      if (!EMAIL.test(email) || email.length > 320) {
        throw new AppError('validation_failed', 'email: is not a valid email address');
      }
      const passwordHash = await hasher.hash(password);
      const [user] = await db
        .insert(users)
        .values({ email, passwordHash, isAdmin: admin })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id, email: users.email, isAdmin: users.isAdmin, createdAt: users.createdAt });
      if (!user) throw new AppError('conflict', 'an account with this email already exists');
      return user;
    },

    /** `clientIp` is the address the failed-login counters are kept for (Fastify's request.ip). */
    async login(rawEmail: string, password: string, clientIp: string): Promise<{ token: string }> {
      const email = normalizeEmail(rawEmail);
      await assertNotLockedOut(email, clientIp);
      const [user] = await db
        .select({ id: users.id, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
        .from(users)
        .where(eq(users.email, email));
      if (!user) {
        await hasher.dummyVerify(password);
        await recordFailure(email, clientIp);
        throw invalidCredentials();
      }
      // Read before the password is checked: a reset or "sign out everywhere" landing meanwhile ends this
      // session too (see session-store.ts).
      const epoch = await sessions.epoch(user.id);
      if (!(await hasher.verify(user.passwordHash, password))) {
        await recordFailure(email, clientIp);
        throw invalidCredentials();
      }
      // Said only to whoever knows the password, so it reveals nothing to a guesser.
      if (user.disabledAt !== null) throw accountDisabled();
      if (hasher.needsRehash(user.passwordHash)) {
        const passwordHash = await hasher.hash(password);
        await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
      }
      // This client proved it knows the password; failures elsewhere still count toward the account ceiling.
      await redis.del(pairKey(email, clientIp));
      return { token: await sessions.create(user.id, epoch) };
    },

    /**
     * Needs the current password (a session left open on a shared machine must not be enough to take the
     * account over), whose wrong guesses count like failed logins. Every other session of the user ends; the
     * one the change was made from stays. API keys are not sessions and stay.
     */
    async changePassword(
      session: { userId: string; tokenHash: string },
      input: { currentPassword: string; newPassword: string },
      clientIp: string,
    ): Promise<void> {
      const [user] = await db
        .select({ email: users.email, passwordHash: users.passwordHash })
        .from(users)
        .where(eq(users.id, session.userId));
      if (!user) throw new AppError('unauthenticated', 'session is no longer valid');
      await assertNotLockedOut(user.email, clientIp);
      if (!(await hasher.verify(user.passwordHash, input.currentPassword))) {
        await recordFailure(user.email, clientIp);
        throw new AppError('forbidden', 'currentPassword: is not the password of this account');
      }
      const passwordHash = await hasher.hash(input.newPassword);
      await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, session.userId));
      await sessions.revokeAllExcept(session.userId, session.tokenHash);
    },

    async me(userId: string) {
      const [user] = await db
        .select({ id: users.id, email: users.email, isAdmin: users.isAdmin })
        .from(users)
        .where(eq(users.id, userId));
      // A session that outlived its account is no session.
      if (!user) throw new AppError('unauthenticated', 'session is no longer valid');
      return user;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
