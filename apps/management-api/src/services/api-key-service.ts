import type { Db } from '@boltlink/db/client';
import { type ApiKeyScope, apiKeyScopes, apiKeys, users } from '@boltlink/db/schema';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { notFound } from '../errors.ts';
import type { ApiKeyView } from '../schemas/api-keys.ts';
import type { Actor } from './actor.ts';
import type { LastUsedTracker } from './last-used-tracker.ts';
import { newApiKey, sha256Hex } from './secrets.ts';

export const ALL_SCOPES: readonly ApiKeyScope[] = apiKeyScopes;

export interface ApiKeyPrincipal {
  keyId: string;
  /** Who created the key; the key acts in its workspace only. */
  userId: string;
  workspaceId: string;
  scopes: ApiKeyScope[];
  /** The key's creator is disabled: the key is refused until they are re-enabled. */
  userDisabled: boolean;
}

export function createApiKeyService(deps: { db: Db; lastUsed: LastUsedTracker }) {
  const { db, lastUsed } = deps;
  return {
    async create(actor: Actor, name: string, scopes: readonly ApiKeyScope[] | undefined) {
      const granted = [...new Set(scopes ?? ALL_SCOPES)];
      const fresh = newApiKey();
      const [row] = await db
        .insert(apiKeys)
        .values({
          userId: actor.userId,
          workspaceId: actor.workspaceId,
          name: name.trim(),
          prefix: fresh.prefix,
          lastFour: fresh.lastFour,
          keyHash: fresh.hash,
          scopes: granted,
        })
        .returning({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, scopes: apiKeys.scopes });
      if (!row) throw new Error('insert returned no row');
      // The only moment the key exists outside the client: it is returned once and never stored.
      return { ...row, key: fresh.key };
    },

    async list(workspaceId: string): Promise<ApiKeyView[]> {
      const rows = await db
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.workspaceId, workspaceId), isNull(apiKeys.revokedAt)))
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
      // Uses not yet flushed to Postgres are still in Redis; show the newer of the two.
      const pending = await lastUsed.pending(rows.map((row) => row.id));
      return rows.map((row) => {
        const buffered = pending.get(row.id);
        const stored = row.lastUsedAt?.getTime();
        const latest = Math.max(buffered ?? 0, stored ?? 0);
        return {
          id: row.id,
          name: row.name,
          prefix: row.prefix,
          lastFour: row.lastFour,
          scopes: row.scopes,
          createdAt: row.createdAt.toISOString(),
          lastUsedAt: latest > 0 ? new Date(latest).toISOString() : null,
        };
      });
    },

    async revoke(workspaceId: string, id: string): Promise<void> {
      const [row] = await db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, workspaceId), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      if (!row) throw notFound('API key');
    },

    /**
     * Looked up in Postgres on every request, deliberately uncached: a revoked key must fail on the very
     * next request, and the lookup is one index probe on the unique key_hash.
     */
    async authenticate(key: string): Promise<ApiKeyPrincipal | null> {
      const [row] = await db
        .select({
          keyId: apiKeys.id,
          userId: apiKeys.userId,
          workspaceId: apiKeys.workspaceId,
          scopes: apiKeys.scopes,
          disabledAt: users.disabledAt,
        })
        .from(apiKeys)
        .innerJoin(users, eq(users.id, apiKeys.userId))
        .where(and(eq(apiKeys.keyHash, sha256Hex(key)), isNull(apiKeys.revokedAt)));
      if (!row) return null;
      const { disabledAt, ...principal } = row;
      if (disabledAt !== null) return { ...principal, userDisabled: true };
      lastUsed.touch(row.keyId);
      return { ...principal, userDisabled: false };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
