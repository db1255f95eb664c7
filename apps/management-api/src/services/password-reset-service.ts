import type { Db } from '@boltlink/db/client';
import { passwordResetTokens, users } from '@boltlink/db/schema';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.ts';
import type { AccountBudget } from './account-budget.ts';
import { normalizeEmail } from './auth-service.ts';
import type { MailComposer, MailQueue } from './mail.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { newPasswordResetToken, sha256Hex } from './secrets.ts';
import type { SessionStore } from './session-store.ts';

/** How long a mailed reset token works. */
export const PASSWORD_RESET_TTL_MS = 3_600_000;

/**
 * Password reset by mail. A request answers the same, at the same moment, whether or not the address has an
 * account: the lookup, the token and the mail happen after the answer (see `request`). Resetting ends every
 * session of the account; API keys stay.
 */
export function createPasswordResetService(deps: {
  db: Db;
  hasher: PasswordHasher;
  sessions: SessionStore;
  clock: () => Date;
  logger: FastifyBaseLogger;
  /** Email on; without it there is no reset by mail. */
  mail: { queue: MailQueue; composer: MailComposer } | undefined;
  /** Reset mails per address (keyed by the address's hash), whether or not it has an account. */
  perAddress: AccountBudget;
}) {
  const { db, hasher, sessions, clock, mail } = deps;
  const inFlight = new Set<Promise<void>>();

  async function issue(email: string, via: { queue: MailQueue; composer: MailComposer }): Promise<void> {
    const [user] = await db
      .select({ id: users.id, disabledAt: users.disabledAt })
      .from(users)
      .where(eq(users.email, email));
    // A disabled account gets no reset: only an instance admin brings it back.
    if (!user || user.disabledAt !== null) return;
    const token = newPasswordResetToken();
    const expiresAt = new Date(clock().getTime() + PASSWORD_RESET_TTL_MS);
    await db.insert(passwordResetTokens).values({ userId: user.id, tokenHash: sha256Hex(token), expiresAt });
    await via.queue.enqueueEmail(via.composer.passwordReset({ to: email, token, expiresAt }));
  }

  return {
    /**
     * Charges the address's budget (a 429 says nothing about the account: every address has one), then
     * answers; the account lookup and the mail run after the answer, so neither the status nor the time
     * tells whether the address has an account. A failure there is logged, never answered.
     */
    async request(rawEmail: string): Promise<void> {
      if (mail === undefined) {
        throw new AppError(
          'forbidden',
          'password reset by email is off on this instance (no SMTP_URL); ask its administrator',
        );
      }
      const email = normalizeEmail(rawEmail);
      await deps.perAddress.charge(sha256Hex(email), 1);
      const work = issue(email, mail)
        .catch((error: unknown) => deps.logger.error({ err: error }, 'password reset mail not queued'))
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    },

    /** Sets the new password with a valid token, used up at once; every session of the account ends. */
    async confirm(token: string, newPassword: string): Promise<void> {
      const passwordHash = await hasher.hash(newPassword);
      const userId = await db.transaction(async (tx) => {
        // One UPDATE both checks and uses the token: two confirms of one token cannot both succeed.
        const [used] = await tx
          .update(passwordResetTokens)
          .set({ usedAt: clock() })
          .where(
            and(
              eq(passwordResetTokens.tokenHash, sha256Hex(token)),
              isNull(passwordResetTokens.usedAt),
              gt(passwordResetTokens.expiresAt, clock()),
            ),
          )
          .returning({ userId: passwordResetTokens.userId });
        if (!used) throw new AppError('not_found', 'reset token is unknown, used or expired');
        await tx.update(users).set({ passwordHash, updatedAt: clock() }).where(eq(users.id, used.userId));
        // Every other token of the account goes too: the mailbox's owner has chosen a password.
        await tx
          .update(passwordResetTokens)
          .set({ usedAt: clock() })
          .where(and(eq(passwordResetTokens.userId, used.userId), isNull(passwordResetTokens.usedAt)));
        return used.userId;
      });
      await sessions.revokeAll(userId);
    },

    /** Waits for the mails still being queued (shutdown, tests). */
    async drain(): Promise<void> {
      await Promise.all([...inFlight]);
    },
  };
}

export type PasswordResetService = ReturnType<typeof createPasswordResetService>;
