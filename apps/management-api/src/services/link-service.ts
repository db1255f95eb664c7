import type { Db, DbSchema } from '@boltlink/db/client';
import { type Campaign, campaigns, type Link, links, type NewLink } from '@boltlink/db/schema';
import type { LinkMetadataJobV1 } from '@boltlink/queues/catalog';
import { and, eq, sql } from 'drizzle-orm';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';

import { AppError, notFound } from '../errors.ts';
import type { CreateLinkInput, LinkView, UpdateLinkInput } from '../schemas/links.ts';
import type { AccountBudgets } from './account-budget.ts';
import type { Actor } from './actor.ts';
import type { LinkCache, LinkRef } from './link-cache.ts';
import {
  createDestinationPolicy,
  type DestinationPolicy,
  instanceDomain,
  validateAlias,
  validateDestination,
  validateExpiry,
  validateRedirectRules,
  validateTags,
  validateVariants,
} from './link-rules.ts';
import { toCacheable, toLinkView } from './link-view.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { isUniqueViolation } from './pg-errors.ts';
import { createSemaphore } from './semaphore.ts';
import { generateShortCode } from './short-code.ts';

export interface MetadataQueue {
  enqueueLinkMetadata(job: LinkMetadataJobV1): Promise<unknown>;
}

export interface ServiceLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface LinkSettings {
  shortDomains: readonly string[];
  shortUrlScheme: string;
  codeLength: number;
  destinationBlocklist: readonly string[];
  /**
   * Link-password hashes in flight per process. argon2 runs on libuv's pool, where login and sign-up
   * verify too: without a bound, bulk imports with passwords queued dozens of hashes ahead of every login.
   */
  passwordHashConcurrency: number;
}

/** Counts of failures and skipped work that do not fail the request (visible in /metrics). */
export interface LinkServiceCounters {
  cacheWriteFailures: { inc(): void };
  metadataEnqueueFailures: { inc(): void };
  metadataJobsSkipped: { inc(value?: number): void };
}

/** Each password costs an argon2id hash (~20 MiB, tens of ms of a libuv thread): bounded per request. */
export const MAX_BULK_PASSWORDS = 50;

/** The database or a transaction of it: what a write of links runs on. */
type Tx = PgDatabase<NodePgQueryResultHKT, DbSchema>;

/** A workspace's verified custom domains (the domain service). */
export interface CustomDomainLookup {
  verifiedHostname(workspaceId: string, hostname: string): Promise<string | null>;
}

export interface LinkServiceDeps {
  db: Db;
  customDomains: CustomDomainLookup;
  cache: LinkCache;
  metadataQueue: MetadataQueue;
  hasher: PasswordHasher;
  clock: () => Date;
  logger: ServiceLogger;
  settings: LinkSettings;
  budgets: Pick<AccountBudgets, 'linkCreate' | 'linkPassword' | 'metadataFetch'>;
  counters?: LinkServiceCounters;
  /**
   * Destination host names instance admins blocked, on top of BLOCKED_DOMAINS: read once per write, so a
   * block applies to the next link whichever API process creates it.
   */
  blockedDestinations?: { hostnames(): Promise<readonly string[]> };
}

type CampaignUtm = Pick<Campaign, 'utmSource' | 'utmMedium' | 'utmCampaign' | 'utmTerm' | 'utmContent'>;

interface PreparedLink {
  values: Omit<NewLink, 'code'> & { workspaceId: string };
  alias: string | undefined;
  campaign: CampaignUtm | null;
  wantsMetadata: boolean;
}

export type BulkItemResult = { ok: true; link: LinkView } | { ok: false; error: AppError };

/** Random codes collide with odds ~n/62^7; a handful of retries only matters for tiny code lengths. */
const MAX_CODE_ATTEMPTS = 6;
const PREPARE_CONCURRENCY = 8;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function createLinkService(deps: LinkServiceDeps) {
  const { db, cache, hasher, clock, logger, settings, budgets } = deps;
  const hashSlots = createSemaphore(settings.passwordHashConcurrency);
  const hashLinkPassword = (password: string) => hashSlots.run(() => hasher.hash(password));
  const currentPolicy = async () =>
    createDestinationPolicy(settings.shortDomains, [
      ...settings.destinationBlocklist,
      ...((await deps.blockedDestinations?.hostnames()) ?? []),
    ]);
  const view = (link: Link) => toLinkView(link, settings.shortUrlScheme);

  /** An instance domain, or a verified custom domain of the workspace; anything else is refused. */
  async function resolveDomain(workspaceId: string, domain: string | undefined): Promise<string> {
    const instance = instanceDomain(domain, settings.shortDomains);
    if (instance !== null) return instance;
    const custom =
      domain === undefined ? null : await deps.customDomains.verifiedHostname(workspaceId, domain);
    if (custom !== null) return custom;
    throw domainRefused();
  }

  const domainRefused = () =>
    new AppError(
      'validation_failed',
      `domain: must be one of ${settings.shortDomains.join(', ')} or a verified domain of this workspace`,
    );

  /**
   * Runs a write of links on `hostnames` in a transaction that first holds the rows of those that are custom
   * domains (FOR KEY SHARE), and passes on the ones still verified. A domain's removal deletes its row, then
   * its links: while a write holds the row the removal waits, and its delete of the links then sees the new
   * one; a write that comes after the removal finds the domain gone and refuses the links on it. Without the
   * hold, a link checked against the domain just before its removal could be inserted just after it and
   * outlive its domain. Links on instance domains only need no transaction.
   */
  async function onDomains<T>(
    workspaceId: string,
    hostnames: Iterable<string>,
    write: (tx: Tx, verified: ReadonlySet<string>) => Promise<T>,
  ): Promise<T> {
    const custom = [...new Set(hostnames)].filter((hostname) => !settings.shortDomains.includes(hostname));
    if (custom.length === 0) return write(db, new Set());
    return db.transaction(async (tx) => {
      const held = await tx.execute<{ hostname: string }>(sql`
        SELECT hostname FROM domains
        WHERE workspace_id = ${workspaceId}::uuid AND status = 'verified'
          AND hostname IN ${custom}
        FOR KEY SHARE`);
      return write(tx, new Set(held.rows.map((row) => row.hostname)));
    });
  }
  const onlyInstanceOrVerified = (hostname: string, verified: ReadonlySet<string>) =>
    settings.shortDomains.includes(hostname) || verified.has(hostname);

  async function findCampaign(workspaceId: string, campaignId: string): Promise<CampaignUtm> {
    const [campaign] = await db
      .select({
        utmSource: campaigns.utmSource,
        utmMedium: campaigns.utmMedium,
        utmCampaign: campaigns.utmCampaign,
        utmTerm: campaigns.utmTerm,
        utmContent: campaigns.utmContent,
      })
      .from(campaigns)
      .where(and(eq(campaigns.id, campaignId), eq(campaigns.workspaceId, workspaceId)));
    if (!campaign) throw new AppError('validation_failed', 'campaignId: no such campaign');
    return campaign;
  }

  async function prepare(
    actor: Actor,
    input: CreateLinkInput,
    policy: DestinationPolicy,
    lookupCampaign: (workspaceId: string, campaignId: string) => Promise<CampaignUtm> = findCampaign,
    lookupDomain: (workspaceId: string, domain: string | undefined) => Promise<string> = resolveDomain,
  ): Promise<PreparedLink> {
    const { workspaceId } = actor;
    const url = validateDestination(input.url, policy);
    const redirectRules = validateRedirectRules(input.rules ?? [], policy);
    const variants = validateVariants(input.variants, policy);
    const alias = input.alias === undefined ? undefined : validateAlias(input.alias);
    const domain = await lookupDomain(workspaceId, input.domain);
    const expiresAt = input.expiresAt === undefined ? null : validateExpiry(input.expiresAt, clock());
    const tags = validateTags(input.tags ?? []);
    const campaign =
      input.campaignId === undefined ? null : await lookupCampaign(workspaceId, input.campaignId);
    const passwordHash = input.password === undefined ? null : await hashLinkPassword(input.password);
    const title = input.title?.trim() || null;
    return {
      values: {
        userId: actor.userId,
        workspaceId,
        domain,
        url,
        title,
        tags,
        expiresAt,
        maxClicks: input.maxClicks ?? null,
        passwordHash,
        redirectType: input.redirectType ?? 302,
        campaignId: input.campaignId ?? null,
        redirectRules,
        variants,
      },
      alias,
      campaign,
      wantsMetadata: title === null,
    };
  }

  /** Inserts with the alias, or with fresh random codes until one is free; a taken alias is a 409. */
  async function insertOne(prepared: PreparedLink): Promise<Link> {
    for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt++) {
      const code = prepared.alias ?? generateShortCode(settings.codeLength);
      const { domain, workspaceId } = prepared.values;
      const [row] = await onDomains(workspaceId, [domain], (tx, verified) => {
        if (!onlyInstanceOrVerified(domain, verified)) throw domainRefused();
        return tx
          .insert(links)
          .values({ ...prepared.values, code })
          .onConflictDoNothing({ target: [links.domain, links.code] })
          .returning();
      });
      if (row) return row;
      if (prepared.alias !== undefined) {
        throw new AppError(
          'conflict',
          `alias "${prepared.alias}" is already taken on ${prepared.values.domain}`,
        );
      }
    }
    throw new AppError('unavailable', 'could not allocate a free short code; try again');
  }

  // Postgres has committed by now, so a Redis failure must not turn a successful write into an error
  // response: the cache entry's TTL bounds how long an edge can serve the old value.
  async function publish(run: () => Promise<void>, context: object): Promise<void> {
    try {
      await run();
    } catch (error) {
      deps.counters?.cacheWriteFailures.inc();
      logger.error({ err: error, ...context }, 'link cache update failed after a committed write');
    }
  }

  async function enqueueMetadata(link: Link): Promise<void> {
    try {
      await deps.metadataQueue.enqueueLinkMetadata({ v: 1, linkId: link.id, url: link.url });
    } catch (error) {
      // Metadata is a nicety: a link without a title is still a working link.
      deps.counters?.metadataEnqueueFailures.inc();
      logger.warn({ err: error, linkId: link.id }, 'could not enqueue link metadata job');
    }
  }

  /**
   * Queues metadata fetches within the account's budget; the links over it keep no title until edited.
   * The consumer fetches each URL from the network, so an unbounded queue would make it a request
   * amplifier and fill a Redis that never evicts.
   */
  async function enqueueMetadataWithinBudget(workspaceId: string, wanting: readonly Link[]): Promise<void> {
    if (wanting.length === 0) return;
    let granted = 0;
    try {
      granted = (await budgets.metadataFetch.takeUpTo(workspaceId, wanting.length)).granted;
    } catch (error) {
      logger.warn({ err: error, workspaceId }, 'metadata budget unavailable; skipping metadata fetches');
    }
    if (granted < wanting.length) deps.counters?.metadataJobsSkipped.inc(wanting.length - granted);
    await Promise.all(wanting.slice(0, granted).map((link) => enqueueMetadata(link)));
  }

  async function afterCreate(workspaceId: string, created: { link: Link; prepared: PreparedLink }[]) {
    if (created.length === 0) return;
    await publish(() => cache.refresh(created.map((c) => toCacheable(c.link, c.prepared.campaign))), {
      linkIds: created.length === 1 ? created[0]?.link.id : `${created.length} links`,
    });
    await enqueueMetadataWithinBudget(
      workspaceId,
      created.filter((c) => c.prepared.wantsMetadata).map((c) => c.link),
    );
  }

  /** Charges links and password hashes together: a refusal of either takes nothing from the other. */
  async function chargeCreation(workspaceId: string, count: number, passwords: number): Promise<void> {
    await budgets.linkCreate.charge(workspaceId, count);
    try {
      await budgets.linkPassword.charge(workspaceId, passwords);
    } catch (error) {
      await budgets.linkCreate.refund(workspaceId, count);
      throw error;
    }
  }

  async function refund(workspaceId: string, count: number, passwords: number): Promise<void> {
    try {
      await Promise.all([
        budgets.linkCreate.refund(workspaceId, count),
        budgets.linkPassword.refund(workspaceId, passwords),
      ]);
    } catch (error) {
      // A lost refund only leaves the account a little less budget until the window ends.
      logger.warn({ err: error, workspaceId }, 'budget refund failed');
    }
  }

  async function getOwned(workspaceId: string, id: string): Promise<Link> {
    const [link] = await db
      .select()
      .from(links)
      .where(and(eq(links.id, id), eq(links.workspaceId, workspaceId)));
    if (!link) throw notFound('link');
    return link;
  }

  return {
    async create(actor: Actor, input: CreateLinkInput): Promise<LinkView> {
      const { workspaceId } = actor;
      const passwords = input.password === undefined ? 0 : 1;
      await chargeCreation(workspaceId, 1, passwords);
      let prepared: PreparedLink;
      try {
        prepared = await prepare(actor, input, await currentPolicy());
      } catch (error) {
        await refund(workspaceId, 1, passwords);
        throw error;
      }
      let link: Link;
      try {
        link = await insertOne(prepared);
      } catch (error) {
        // The hash was computed, so only the link is given back.
        await refund(workspaceId, 1, 0);
        throw error;
      }
      await afterCreate(workspaceId, [{ link, prepared }]);
      return view(link);
    },

    /**
     * One result per input, in input order; a bad item fails alone. The account's budgets are charged
     * for every input up front (all or nothing: a 429 creates none) and refunded for those that fail.
     */
    async createMany(actor: Actor, inputs: readonly CreateLinkInput[]): Promise<BulkItemResult[]> {
      const { workspaceId } = actor;
      const passwords = inputs.filter((input) => input.password !== undefined).length;
      if (passwords > MAX_BULK_PASSWORDS) {
        throw new AppError(
          'validation_failed',
          `links: at most ${MAX_BULK_PASSWORDS} items of one request may set a password (got ${passwords})`,
        );
      }
      await chargeCreation(workspaceId, inputs.length, passwords);
      const results: (BulkItemResult | undefined)[] = new Array(inputs.length);
      const pending: { index: number; prepared: PreparedLink }[] = [];
      // A bulk import usually names one campaign a thousand times; look each one up once.
      const campaignLookups = new Map<string, Promise<CampaignUtm>>();
      const lookupCampaign = (owner: string, campaignId: string) => {
        let lookup = campaignLookups.get(campaignId);
        if (!lookup) {
          lookup = findCampaign(owner, campaignId);
          campaignLookups.set(campaignId, lookup);
        }
        return lookup;
      };
      // Likewise one custom domain, named by every item.
      const domainLookups = new Map<string, Promise<string>>();
      const lookupDomain = (owner: string, domain: string | undefined) => {
        const key = domain ?? '';
        let lookup = domainLookups.get(key);
        if (!lookup) {
          lookup = resolveDomain(owner, domain);
          domainLookups.set(key, lookup);
        }
        return lookup;
      };
      // Validation is cheap but a link password costs an argon2 hash: prepare a few items at a time
      // (argon2 runs on libuv's 4 threads) instead of one by one or all 1000 at once.
      let policy: DestinationPolicy;
      try {
        policy = await currentPolicy();
      } catch (error) {
        await refund(workspaceId, inputs.length, passwords);
        throw error;
      }
      const prepared = await mapLimit(inputs, PREPARE_CONCURRENCY, async (input) => {
        try {
          return {
            ok: true as const,
            prepared: await prepare(actor, input, policy, lookupCampaign, lookupDomain),
          };
        } catch (error) {
          return { ok: false as const, error: asAppError(error), input };
        }
      });
      // Rule failures are found before the hash, so their password units go back too.
      const unhashed = prepared.filter((item) => !item.ok && item.input.password !== undefined).length;
      const seenAliases = new Set<string>();
      for (const [index, item] of prepared.entries()) {
        if (!item.ok) {
          results[index] = { ok: false, error: item.error };
          continue;
        }
        const { alias, values } = item.prepared;
        if (alias !== undefined) {
          const key = `${values.domain}/${alias}`;
          if (seenAliases.has(key)) {
            results[index] = {
              ok: false,
              error: new AppError('conflict', `alias "${alias}" appears twice in this request`),
            };
            continue;
          }
          seenAliases.add(key);
        }
        pending.push({ index, prepared: item.prepared });
      }
      const created: { link: Link; prepared: PreparedLink }[] = [];
      const claimed = new Set<string>();
      let remaining = pending;
      for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS && remaining.length > 0; attempt++) {
        const withCodes = remaining.map((item) => ({
          ...item,
          code: item.prepared.alias ?? generateShortCode(settings.codeLength),
        }));
        const domainsOfBatch = withCodes.map((item) => item.prepared.values.domain);
        const rows = await onDomains(workspaceId, domainsOfBatch, async (tx, verified) => {
          // Items on a domain removed since they were checked fail alone; the others go in.
          const writable = withCodes.filter((item) => {
            if (onlyInstanceOrVerified(item.prepared.values.domain, verified)) return true;
            results[item.index] = { ok: false, error: domainRefused() };
            return false;
          });
          if (writable.length === 0) return [];
          return tx
            .insert(links)
            .values(writable.map((item) => ({ ...item.prepared.values, code: item.code })))
            .onConflictDoNothing({ target: [links.domain, links.code] })
            .returning();
        });
        const byKey = new Map(rows.map((row) => [`${row.domain}/${row.code}`, row]));
        const retry: typeof remaining = [];
        for (const item of withCodes) {
          const row = byKey.get(`${item.prepared.values.domain}/${item.code}`);
          // Two random codes of one batch may coincide; only the row's owner (same url) claims it.
          if (row && row.url === item.prepared.values.url && !claimed.has(row.id)) {
            claimed.add(row.id);
            results[item.index] = { ok: true, link: view(row) };
            created.push({ link: row, prepared: item.prepared });
          } else if (results[item.index] !== undefined) {
            // Refused above: its domain was removed meanwhile.
          } else if (item.prepared.alias !== undefined) {
            results[item.index] = {
              ok: false,
              error: new AppError('conflict', `alias "${item.prepared.alias}" is already taken`),
            };
          } else {
            retry.push(item);
          }
        }
        remaining = retry;
      }
      for (const item of remaining) {
        results[item.index] = {
          ok: false,
          error: new AppError('unavailable', 'could not allocate a free code'),
        };
      }
      await refund(workspaceId, inputs.length - created.length, unhashed);
      await afterCreate(workspaceId, created);
      return results.map(
        (result) => result ?? { ok: false, error: new AppError('internal', 'item was not processed') },
      );
    },

    async get(workspaceId: string, id: string): Promise<LinkView> {
      return view(await getOwned(workspaceId, id));
    },

    async update(workspaceId: string, id: string, input: UpdateLinkInput): Promise<LinkView> {
      const current = await getOwned(workspaceId, id);
      const patch: Partial<NewLink> = {};
      if (input.url !== undefined || input.rules !== undefined || input.variants !== undefined) {
        const policy = await currentPolicy();
        if (input.url !== undefined) patch.url = validateDestination(input.url, policy);
        if (input.rules !== undefined) patch.redirectRules = validateRedirectRules(input.rules, policy);
        if (input.variants !== undefined) patch.variants = validateVariants(input.variants, policy);
      }
      if (input.domain !== undefined) patch.domain = await resolveDomain(workspaceId, input.domain);
      if (input.title !== undefined) patch.title = input.title?.trim() || null;
      if (input.tags !== undefined) patch.tags = validateTags(input.tags);
      if (input.expiresAt !== undefined) {
        patch.expiresAt = input.expiresAt === null ? null : validateExpiry(input.expiresAt, clock());
      }
      if (input.maxClicks !== undefined) patch.maxClicks = input.maxClicks;
      if (input.redirectType !== undefined) patch.redirectType = input.redirectType;
      if (input.password !== undefined) {
        if (input.password !== null) await budgets.linkPassword.charge(workspaceId, 1);
        patch.passwordHash = input.password === null ? null : await hashLinkPassword(input.password);
      }
      const campaignId = input.campaignId === undefined ? current.campaignId : input.campaignId;
      const campaign = campaignId === null ? null : await findCampaign(workspaceId, campaignId);
      if (input.campaignId !== undefined) patch.campaignId = input.campaignId;
      patch.updatedAt = clock();

      let updated: Link | undefined;
      try {
        const domain = patch.domain;
        [updated] = await onDomains(workspaceId, domain === undefined ? [] : [domain], (tx, verified) => {
          if (domain !== undefined && !onlyInstanceOrVerified(domain, verified)) throw domainRefused();
          return tx
            .update(links)
            .set(patch)
            .where(and(eq(links.id, id), eq(links.workspaceId, workspaceId)))
            .returning();
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError('conflict', `code "${current.code}" is already taken on ${patch.domain}`);
        }
        throw error;
      }
      if (!updated) throw notFound('link');
      const link = updated;
      const moved = link.domain !== current.domain;
      await publish(
        async () => {
          if (moved) await cache.invalidate([{ domain: current.domain, code: current.code }]);
          await cache.refresh([toCacheable(link, campaign)]);
        },
        { linkId: link.id },
      );
      if (input.url !== undefined && link.url !== current.url && link.title === null) {
        await enqueueMetadataWithinBudget(workspaceId, [link]);
      }
      return view(link);
    },

    async remove(workspaceId: string, id: string): Promise<void> {
      const [deleted] = await db
        .delete(links)
        .where(and(eq(links.id, id), eq(links.workspaceId, workspaceId)))
        .returning({ id: links.id, domain: links.domain, code: links.code });
      if (!deleted) throw notFound('link');
      const ref: LinkRef = { domain: deleted.domain, code: deleted.code };
      await publish(() => cache.invalidate([ref]), { linkId: deleted.id });
    },

    getOwned,
  };
}

export type LinkService = ReturnType<typeof createLinkService>;

function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  throw error;
}
