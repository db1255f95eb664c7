import type { Db } from '@boltlink/db/client';
import { type Domain, domains } from '@boltlink/db/schema';
import { and, eq, inArray, lte } from 'drizzle-orm';
import { createDnsCheck, type DnsCheck } from './dns-check.ts';

export interface CheckSchedule {
  /** Delay before the first re-check (DOMAIN_CHECK_INTERVAL_MS); doubles after each failed check. */
  intervalMs: number;
  /** Cap of that delay (DOMAIN_CHECK_MAX_INTERVAL_MS). */
  maxIntervalMs: number;
  /** Failed background checks before the domain is marked failed (DOMAIN_CHECK_MAX_ATTEMPTS). */
  maxAttempts: number;
}

/** Delay after the `attempts`-th failed check: interval, 2x, 4x ... capped. */
export function retryDelayMs(attempts: number, schedule: CheckSchedule): number {
  const doublings = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(schedule.intervalMs * 2 ** doublings, schedule.maxIntervalMs);
}

export interface DomainChecksDeps {
  db: Db;
  dns: DnsCheck;
  schedule: CheckSchedule;
  clock?: () => Date;
}

/** The domain settings the API and the consumer both read (the shared part of packages/config). */
export interface DomainCheckSettings {
  dnsServers: readonly string[];
  cnameTarget: string;
  dnsTimeoutMs: number;
  domainCheckIntervalMs: number;
  domainCheckMaxIntervalMs: number;
  domainCheckMaxAttempts: number;
}

/** The checks wired from the services' settings: the one place both services build them. */
export function domainChecksFromSettings(db: Db, settings: DomainCheckSettings, clock?: () => Date) {
  return createDomainChecks({
    db,
    clock,
    dns: createDnsCheck({
      servers: settings.dnsServers,
      cnameTarget: settings.cnameTarget,
      timeoutMs: settings.dnsTimeoutMs,
    }),
    schedule: {
      intervalMs: settings.domainCheckIntervalMs,
      maxIntervalMs: settings.domainCheckMaxIntervalMs,
      maxAttempts: settings.domainCheckMaxAttempts,
    },
  });
}

/** While one process checks a domain, others skip it; a process that dies mid-check frees it after this. */
const CLAIM_LEASE_MS = 120_000;

/**
 * Checking pending domains: the consumer's background sweep (with back-off, giving up after maxAttempts) and
 * the API's "verify now". Both record the outcome the same way, here. Each returns the rows it changed, so
 * the caller can announce the newly verified hostnames to the edges.
 */
export function createDomainChecks(deps: DomainChecksDeps) {
  const { db, dns, schedule } = deps;
  const clock = deps.clock ?? (() => new Date());

  /** A background attempt: counts towards maxAttempts; a verified domain stays verified. */
  async function recordAttempt(row: Pick<Domain, 'id' | 'hostname' | 'verificationToken' | 'attempts'>) {
    const result = await dns.check(row.hostname, row.verificationToken);
    const now = clock();
    const attempts = row.attempts + 1;
    const values = result.verified
      ? {
          status: 'verified' as const,
          verificationMethod: result.method,
          verifiedAt: now,
          nextCheckAt: null,
          lastError: null,
        }
      : attempts >= schedule.maxAttempts
        ? { status: 'failed' as const, nextCheckAt: null, lastError: result.error }
        : {
            nextCheckAt: new Date(now.getTime() + retryDelayMs(attempts, schedule)),
            lastError: result.error,
          };
    const [updated] = await db
      .update(domains)
      .set({ ...values, attempts, lastCheckedAt: now })
      // Removed, or verified by "verify now" meanwhile: nothing to record.
      .where(and(eq(domains.id, row.id), eq(domains.status, 'pending')))
      .returning();
    return updated;
  }

  return {
    /**
     * Checks up to `limit` pending domains that are due, oldest due first. Safe with several consumers: a
     * domain is claimed (its next check pushed past the lease) before its DNS is asked.
     */
    async sweep(limit: number): Promise<{ checked: number; verified: Domain[]; failed: Domain[] }> {
      const now = clock();
      const due = db
        .select({ id: domains.id })
        .from(domains)
        .where(and(eq(domains.status, 'pending'), lte(domains.nextCheckAt, now)))
        .orderBy(domains.nextCheckAt)
        .limit(limit)
        .for('update', { skipLocked: true });
      const claimed = await db
        .update(domains)
        .set({ nextCheckAt: new Date(now.getTime() + CLAIM_LEASE_MS) })
        .where(inArray(domains.id, due))
        .returning({
          id: domains.id,
          hostname: domains.hostname,
          verificationToken: domains.verificationToken,
          attempts: domains.attempts,
        });
      const outcomes = await Promise.all(claimed.map(recordAttempt));
      const changed = outcomes.filter((row): row is Domain => row !== undefined);
      return {
        checked: claimed.length,
        verified: changed.filter((row) => row.status === 'verified'),
        failed: changed.filter((row) => row.status === 'failed'),
      };
    },

    /**
     * "Verify now": checks one domain at once. It does not spend the background's attempts; a domain that had
     * failed goes back to pending with a fresh schedule. A verified domain is answered as it is.
     */
    async checkNow(row: Domain): Promise<Domain> {
      if (row.status === 'verified') return row;
      const result = await dns.check(row.hostname, row.verificationToken);
      const now = clock();
      const values = result.verified
        ? {
            status: 'verified' as const,
            verificationMethod: result.method,
            verifiedAt: now,
            nextCheckAt: null,
            lastError: null,
          }
        : row.status === 'failed'
          ? {
              status: 'pending' as const,
              attempts: 0,
              nextCheckAt: new Date(now.getTime() + schedule.intervalMs),
              lastError: result.error,
            }
          : { lastError: result.error };
      const [updated] = await db
        .update(domains)
        .set({ ...values, lastCheckedAt: now })
        .where(and(eq(domains.id, row.id), inArray(domains.status, ['pending', 'failed'])))
        .returning();
      // Verified by the background meanwhile, or removed: answer what is stored now.
      if (updated) return updated;
      const [current] = await db.select().from(domains).where(eq(domains.id, row.id));
      return current ?? row;
    },
  };
}

export type DomainChecks = ReturnType<typeof createDomainChecks>;
