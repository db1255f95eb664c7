import { randomBytes } from 'node:crypto';
import type { Db } from '@boltlink/db/client';
import { type Domain, domains, links } from '@boltlink/db/schema';
import type { DomainChecks } from '@boltlink/domains/checks';
import { txtRecordName } from '@boltlink/domains/dns-check';
import { parseHostname } from '@boltlink/domains/hostname';
import { and, desc, eq, ne } from 'drizzle-orm';
import { AppError, notFound } from '../errors.ts';
import type { AddDomainInput, DomainView, UpdateDomainInput } from '../schemas/domains.ts';
import type { Actor } from './actor.ts';
import type { DomainInvalidations } from './domain-invalidations.ts';
import type { LinkCache } from './link-cache.ts';
import { createDestinationPolicy, hostnameOfDomain, validateDestination } from './link-rules.ts';
import type { ServiceLogger } from './link-service.ts';
import { isUniqueViolation } from './pg-errors.ts';

export interface DomainSettings {
  shortDomains: readonly string[];
  /** What a CNAME must point at (EDGE_HOSTNAME, else the default domain's host). */
  cnameTarget: string;
  destinationBlocklist: readonly string[];
}

/** Enough to find a workspace's domains on one page; more is refused rather than paginated. */
export const MAX_DOMAINS_PER_WORKSPACE = 100;

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function toDomainView(row: Domain, cnameTarget: string): DomainView {
  return {
    id: row.id,
    hostname: row.hostname,
    status: row.status,
    verification: {
      txt: { type: 'TXT', name: txtRecordName(row.hostname), value: row.verificationToken },
      cname: { type: 'CNAME', name: row.hostname, value: cnameTarget },
    },
    verificationMethod: row.verificationMethod ?? null,
    verifiedAt: iso(row.verifiedAt),
    lastCheckedAt: iso(row.lastCheckedAt),
    nextCheckAt: iso(row.nextCheckAt),
    attempts: row.attempts,
    lastError: row.lastError,
    rootRedirectUrl: row.rootRedirectUrl,
    notFoundRedirectUrl: row.notFoundRedirectUrl,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function createDomainService(deps: {
  db: Db;
  checks: DomainChecks;
  cache: LinkCache;
  invalidations: DomainInvalidations;
  /** Destinations an instance admin blocked, on top of BLOCKED_DOMAINS (the blocklist service). */
  blockedDestinations?: { hostnames(): Promise<readonly string[]> };
  logger: ServiceLogger;
  clock: () => Date;
  settings: DomainSettings;
}) {
  const { db, checks, cache, invalidations, logger, clock, settings } = deps;
  const instanceHostnames = new Set([...settings.shortDomains.map(hostnameOfDomain), settings.cnameTarget]);
  const view = (row: Domain) => toDomainView(row, settings.cnameTarget);

  /** Redirect targets obey the rules of link destinations, and never point back at the domain itself. */
  async function redirectUrl(field: string, value: string | null | undefined, hostname: string) {
    if (value === undefined || value === null) return value;
    const policy = createDestinationPolicy(
      [...settings.shortDomains, hostname],
      [...settings.destinationBlocklist, ...((await deps.blockedDestinations?.hostnames()) ?? [])],
    );
    try {
      return validateDestination(value, policy);
    } catch (error) {
      if (error instanceof AppError) {
        throw new AppError(error.code, error.message.replace(/^url:/, `${field}:`));
      }
      throw error;
    }
  }

  async function owned(workspaceId: string, id: string): Promise<Domain> {
    const [row] = await db
      .select()
      .from(domains)
      .where(and(eq(domains.id, id), eq(domains.workspaceId, workspaceId)));
    if (!row) throw notFound('domain');
    return row;
  }

  // After the commit: a Redis failure is logged; the edges' domain cache lifetime bounds the staleness.
  async function announce(hostname: string): Promise<void> {
    try {
      await invalidations.publish(hostname);
    } catch (error) {
      logger.error({ err: error, hostname }, 'could not announce a custom domain change to the edges');
    }
  }

  return {
    async add(actor: Actor, input: AddDomainInput): Promise<DomainView> {
      const parsed = parseHostname(input.hostname);
      if (!parsed.ok) throw new AppError('validation_failed', `hostname: ${parsed.reason}`);
      const { hostname } = parsed;
      if (instanceHostnames.has(hostname)) {
        throw new AppError('conflict', `hostname: ${hostname} is one of this instance's own domains`);
      }
      const values = {
        rootRedirectUrl: (await redirectUrl('rootRedirectUrl', input.rootRedirectUrl, hostname)) ?? null,
        notFoundRedirectUrl:
          (await redirectUrl('notFoundRedirectUrl', input.notFoundRedirectUrl, hostname)) ?? null,
      };
      const count = await db.$count(domains, eq(domains.workspaceId, actor.workspaceId));
      if (count >= MAX_DOMAINS_PER_WORKSPACE) {
        throw new AppError('conflict', `a workspace holds at most ${MAX_DOMAINS_PER_WORKSPACE} domains`);
      }
      // Links on this hostname that belong elsewhere (it was an instance domain once): adding it would hand
      // them to this workspace.
      const [foreign] = await db
        .select({ id: links.id })
        .from(links)
        .where(and(eq(links.domain, hostname), ne(links.workspaceId, actor.workspaceId)))
        .limit(1);
      if (foreign) {
        throw new AppError('conflict', `hostname: links of another workspace already use ${hostname}`);
      }
      let row: Domain | undefined;
      try {
        [row] = await db
          .insert(domains)
          .values({
            workspaceId: actor.workspaceId,
            hostname,
            verificationToken: `boltlink-verify-${randomBytes(16).toString('hex')}`,
            // The background check looks at once: the user may have published a record already.
            nextCheckAt: clock(),
            createdBy: actor.userId,
            ...values,
          })
          .returning();
      } catch (error) {
        if (isUniqueViolation(error))
          throw new AppError('conflict', `hostname: ${hostname} is already added`);
        throw error;
      }
      if (!row) throw new AppError('internal', 'domain insert returned no row');
      return view(row);
    },

    async list(workspaceId: string): Promise<DomainView[]> {
      const rows = await db
        .select()
        .from(domains)
        .where(eq(domains.workspaceId, workspaceId))
        .orderBy(desc(domains.createdAt), desc(domains.id));
      return rows.map(view);
    },

    async get(workspaceId: string, id: string): Promise<DomainView> {
      return view(await owned(workspaceId, id));
    },

    /** Checks the DNS now; answers the domain as it stands after the check. */
    async verify(workspaceId: string, id: string): Promise<{ domain: DomainView; newlyVerified: boolean }> {
      const before = await owned(workspaceId, id);
      const after = await checks.checkNow(before);
      const newlyVerified = before.status !== 'verified' && after.status === 'verified';
      if (newlyVerified) await announce(after.hostname);
      return { domain: view(after), newlyVerified };
    },

    async update(workspaceId: string, id: string, input: UpdateDomainInput): Promise<DomainView> {
      const current = await owned(workspaceId, id);
      const patch: Partial<Pick<Domain, 'rootRedirectUrl' | 'notFoundRedirectUrl'>> = {};
      if (input.rootRedirectUrl !== undefined) {
        patch.rootRedirectUrl = await redirectUrl('rootRedirectUrl', input.rootRedirectUrl, current.hostname);
      }
      if (input.notFoundRedirectUrl !== undefined) {
        patch.notFoundRedirectUrl = await redirectUrl(
          'notFoundRedirectUrl',
          input.notFoundRedirectUrl,
          current.hostname,
        );
      }
      const [row] = await db
        .update(domains)
        .set({ ...patch, updatedAt: clock() })
        .where(and(eq(domains.id, id), eq(domains.workspaceId, workspaceId)))
        .returning();
      if (!row) throw notFound('domain');
      await announce(row.hostname);
      return view(row);
    },

    /**
     * Removes the domain and deletes its links (with their statistics): a link must not outlive its domain,
     * or whoever adds the hostname next would inherit it. Edges drop both at once.
     */
    async remove(workspaceId: string, id: string): Promise<{ hostname: string; linksDeleted: number }> {
      const result = await db.transaction(async (tx) => {
        const [removed] = await tx
          .delete(domains)
          .where(and(eq(domains.id, id), eq(domains.workspaceId, workspaceId)))
          .returning({ hostname: domains.hostname });
        if (!removed) throw notFound('domain');
        const refs = await tx
          .delete(links)
          .where(and(eq(links.workspaceId, workspaceId), eq(links.domain, removed.hostname)))
          .returning({ domain: links.domain, code: links.code });
        return { hostname: removed.hostname, refs };
      });
      await announce(result.hostname);
      if (result.refs.length > 0) {
        try {
          await cache.invalidate(result.refs);
        } catch (error) {
          logger.error(
            { err: error, hostname: result.hostname, links: result.refs.length },
            'could not invalidate the links of a removed domain',
          );
        }
      }
      return { hostname: result.hostname, linksDeleted: result.refs.length };
    },

    /** The stored hostname when `hostname` is a verified domain of the workspace, else null. */
    async verifiedHostname(workspaceId: string, hostname: string): Promise<string | null> {
      const parsed = parseHostname(hostname);
      if (!parsed.ok) return null;
      const [row] = await db
        .select({ hostname: domains.hostname })
        .from(domains)
        .where(
          and(
            eq(domains.hostname, parsed.hostname),
            eq(domains.workspaceId, workspaceId),
            eq(domains.status, 'verified'),
          ),
        );
      return row?.hostname ?? null;
    },
  };
}

export type DomainService = ReturnType<typeof createDomainService>;
