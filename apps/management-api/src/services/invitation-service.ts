import type { Db } from '@boltlink/db/client';
import {
  users,
  type WorkspaceRole,
  workspaceInvitations,
  workspaceMembers,
  workspaces,
} from '@boltlink/db/schema';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { AppError, notFound } from '../errors.ts';
import type { InvitationView } from '../schemas/invitations.ts';
import type { WorkspaceView } from '../schemas/workspaces.ts';
import type { AccountBudget } from './account-budget.ts';
import { normalizeEmail } from './auth-service.ts';
import type { MailComposer, MailQueue } from './mail.ts';
import { canChangeRole } from './permissions.ts';
import { newInvitationToken, sha256Hex } from './secrets.ts';
import { type Manager, workspaceView } from './workspace-service.ts';

/** How long an invitation can be accepted. */
export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

export type InvitedRole = Exclude<WorkspaceRole, 'owner'>;

/** A database handle or a transaction: accepting runs inside sign-up's transaction too. */
type Executor = Pick<Db, 'select' | 'insert' | 'update'>;

const view = (row: typeof workspaceInvitations.$inferSelect): InvitationView => ({
  id: row.id,
  email: row.email,
  role: row.role as InvitedRole,
  expiresAt: row.expiresAt.toISOString(),
  createdAt: row.createdAt.toISOString(),
});

export function createInvitationService(deps: {
  db: Db;
  clock: () => Date;
  /** With email on, the token is mailed to the invitee and not returned to the inviter. */
  mail?: { queue: MailQueue; composer: MailComposer };
  /** Invitations per inviting account (`INVITATION_RATE_LIMIT_*`): each may mail an address nobody proved. */
  perInviter: AccountBudget;
}) {
  const { db, clock, mail } = deps;

  /**
   * Joins the invitee to the workspace and uses the invitation up, once: the row is locked, so two accepts
   * of one token cannot both succeed. The token is the secret; the email it was sent to must be the
   * account's too, so a forwarded or leaked token does not let somebody else in.
   */
  async function acceptWith(
    tx: Executor,
    user: { id: string; email: string },
    token: string,
  ): Promise<WorkspaceView> {
    const [invitation] = await tx
      .select()
      .from(workspaceInvitations)
      .where(eq(workspaceInvitations.tokenHash, sha256Hex(token)))
      .for('update');
    if (
      !invitation ||
      invitation.acceptedAt !== null ||
      invitation.revokedAt !== null ||
      invitation.expiresAt <= clock()
    ) {
      throw new AppError('not_found', 'invitation not found, already used, revoked or expired');
    }
    if (invitation.email !== normalizeEmail(user.email)) {
      throw new AppError('forbidden', 'this invitation was sent to another email address');
    }
    const [joined] = await tx
      .insert(workspaceMembers)
      .values({ workspaceId: invitation.workspaceId, userId: user.id, role: invitation.role })
      .onConflictDoNothing()
      .returning({ role: workspaceMembers.role });
    if (!joined) throw new AppError('conflict', 'already a member of this workspace');
    await tx
      .update(workspaceInvitations)
      .set({ acceptedAt: clock(), acceptedBy: user.id })
      .where(eq(workspaceInvitations.id, invitation.id));
    const [workspace] = await tx.select().from(workspaces).where(eq(workspaces.id, invitation.workspaceId));
    if (!workspace) throw notFound('workspace');
    return workspaceView(workspace, joined.role);
  }

  return {
    acceptWith,

    async invite(manager: Manager, rawEmail: string, role: InvitedRole) {
      if (!manager.role || !canChangeRole(manager.role, null, role)) {
        throw new AppError('forbidden', `your role cannot invite a ${role}`);
      }
      const email = normalizeEmail(rawEmail);
      const [existing] = await db
        .select({ userId: workspaceMembers.userId })
        .from(workspaceMembers)
        .innerJoin(users, eq(users.id, workspaceMembers.userId))
        .where(and(eq(workspaceMembers.workspaceId, manager.workspaceId), eq(users.email, email)));
      if (existing) throw new AppError('conflict', `${email} is already a member of this workspace`);
      await deps.perInviter.charge(manager.userId, 1);
      const token = newInvitationToken();
      const [row] = await db
        .insert(workspaceInvitations)
        .values({
          workspaceId: manager.workspaceId,
          email,
          role,
          tokenHash: sha256Hex(token),
          invitedBy: manager.userId,
          expiresAt: new Date(clock().getTime() + INVITATION_TTL_MS),
        })
        .returning();
      if (!row) throw new Error('insert returned no row');
      if (mail === undefined) {
        // The only moment the token exists outside the inviter's hands: returned once, stored as a hash.
        return { ...view(row), token, emailed: false };
      }
      // With email on the token goes to the invited address only: whoever accepts it has proven they read
      // that mailbox, which is what lets sign-up with an invitation trust the address.
      const [workspace] = await db
        .select({ name: workspaces.name })
        .from(workspaces)
        .where(eq(workspaces.id, manager.workspaceId));
      await mail.queue.enqueueEmail(
        mail.composer.invitation({
          to: email,
          workspace: workspace?.name ?? 'BoltLink',
          role,
          token,
          expiresAt: row.expiresAt,
        }),
      );
      return { ...view(row), emailed: true };
    },

    async pending(workspaceId: string): Promise<InvitationView[]> {
      const rows = await db
        .select()
        .from(workspaceInvitations)
        .where(
          and(
            eq(workspaceInvitations.workspaceId, workspaceId),
            isNull(workspaceInvitations.acceptedAt),
            isNull(workspaceInvitations.revokedAt),
            gt(workspaceInvitations.expiresAt, clock()),
          ),
        )
        .orderBy(desc(workspaceInvitations.createdAt), desc(workspaceInvitations.id));
      return rows.map(view);
    },

    async revoke(workspaceId: string, id: string): Promise<InvitationView> {
      const [row] = await db
        .update(workspaceInvitations)
        .set({ revokedAt: clock() })
        .where(
          and(
            eq(workspaceInvitations.id, id),
            eq(workspaceInvitations.workspaceId, workspaceId),
            isNull(workspaceInvitations.acceptedAt),
            isNull(workspaceInvitations.revokedAt),
          ),
        )
        .returning();
      if (!row) throw notFound('invitation');
      return view(row);
    },

    async accept(userId: string, token: string): Promise<WorkspaceView> {
      return db.transaction(async (tx) => {
        const [user] = await tx
          .select({ id: users.id, email: users.email })
          .from(users)
          .where(eq(users.id, userId));
        if (!user) throw new AppError('unauthenticated', 'session is no longer valid');
        return acceptWith(tx, user, token);
      });
    },
  };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
