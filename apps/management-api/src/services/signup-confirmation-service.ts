import type { Db } from '@boltlink/db/client';
import { users } from '@boltlink/db/schema';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.ts';
import type { AccountBudget } from './account-budget.ts';
import type { AuthService } from './auth-service.ts';
import type { MailComposer, MailQueue } from './mail.ts';
import { newPasswordResetToken, sha256Hex } from './secrets.ts';

/** How long a mailed sign-up confirmation works. */
export const SIGNUP_CONFIRMATION_TTL_SECONDS = 86_400;

interface PendingSignupV1 {
  v: 1;
  email: string;
  passwordHash: string;
}

function decodePending(raw: string | null): PendingSignupV1 | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<PendingSignupV1>;
    if (value.v === 1 && typeof value.email === 'string' && typeof value.passwordHash === 'string') {
      return value as PendingSignupV1;
    }
  } catch {
    // Unreadable: no pending sign-up.
  }
  return null;
}

/**
 * Sign-up with email on, which never tells whether an address has an account: every request answers 202
 * and mails the address, either a confirmation token (no account yet; the account is created when the
 * token comes back, which also proves the address) or a note that it already has an account. As for
 * password resets, the lookup and the mail happen after the answer, so its timing says nothing either.
 * The pending sign-up (address and password hash, never the password) waits in Redis under the token's hash.
 */
export function createSignupConfirmationService(deps: {
  db: Db;
  redis: RedisClient;
  keys: { pendingSignup(tokenHash: string): string };
  auth: Pick<AuthService, 'prepareSignup' | 'completeSignup'>;
  mail: { queue: MailQueue; composer: MailComposer };
  /** Mails per address from unauthenticated requests, shared with password resets. */
  perAddress: AccountBudget;
  clock: () => Date;
  logger: FastifyBaseLogger;
}) {
  const { db, redis, keys, mail } = deps;
  const inFlight = new Set<Promise<void>>();

  async function mailAddress(email: string, passwordHash: string): Promise<void> {
    const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (existing) {
      await mail.queue.enqueueEmail(mail.composer.accountExists({ to: email }));
      return;
    }
    const token = newPasswordResetToken();
    const value: PendingSignupV1 = { v: 1, email, passwordHash };
    await redis.set(
      keys.pendingSignup(sha256Hex(token)),
      JSON.stringify(value),
      'EX',
      SIGNUP_CONFIRMATION_TTL_SECONDS,
    );
    const expiresAt = new Date(deps.clock().getTime() + SIGNUP_CONFIRMATION_TTL_SECONDS * 1000);
    await mail.queue.enqueueEmail(mail.composer.signupConfirmation({ to: email, token, expiresAt }));
  }

  return {
    async request(rawEmail: string, password: string): Promise<void> {
      const { email, passwordHash } = await deps.auth.prepareSignup(rawEmail, password);
      await deps.perAddress.charge(sha256Hex(email), 1);
      const work = mailAddress(email, passwordHash)
        .catch((error: unknown) => deps.logger.error({ err: error }, 'sign-up mail not queued'))
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    },

    /** Creates the account of a mailed token, once (GETDEL): a second use finds nothing. */
    async confirm(token: string) {
      const pending = decodePending(await redis.getdel(keys.pendingSignup(sha256Hex(token))));
      if (pending === null) throw new AppError('not_found', 'sign-up token is unknown, used or expired');
      return deps.auth.completeSignup(pending.email, pending.passwordHash);
    },

    async drain(): Promise<void> {
      await Promise.all([...inFlight]);
    },
  };
}

export type SignupConfirmationService = ReturnType<typeof createSignupConfirmationService>;
