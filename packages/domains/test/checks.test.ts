import { domains, users } from '@boltlink/db/schema';
import { startLocalDnsServer } from '@boltlink/local-servers/dns';
import { test } from '@boltlink/testing/fixtures';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect } from 'vitest';
import { createDomainChecks } from '../src/checks.ts';
import { createDnsCheck } from '../src/dns-check.ts';

const dns = await startLocalDnsServer();
afterAll(() => dns.close());

let now = new Date('2026-12-07T10:00:00Z');
const schedule = { intervalMs: 60_000, maxIntervalMs: 240_000, maxAttempts: 3 };
const dnsCheck = createDnsCheck({
  servers: [dns.address],
  cnameTarget: 'edge.bolt.example',
  timeoutMs: 1000,
});

async function pendingDomain(db: Parameters<typeof createDomainChecks>[0]['db'], hostname: string) {
  const [user] = await db
    .insert(users)
    .values({ email: `${hostname}@example.com`, passwordHash: 'x' })
    .returning();
  const [domain] = await db
    .insert(domains)
    .values({
      workspaceId: user!.id,
      hostname,
      verificationToken: `token-for-${hostname}`.padEnd(24, '0'),
      nextCheckAt: now,
    })
    .returning();
  return domain!;
}

describe('background domain checks', () => {
  test('a pending domain is verified once its TXT record is published', async ({ database }) => {
    const checks = createDomainChecks({ db: database.db, dns: dnsCheck, schedule, clock: () => now });
    const domain = await pendingDomain(database.db, 'txt.brand.example');

    const first = await checks.sweep(10);
    expect(first).toMatchObject({ checked: 1, verified: [] });
    let [row] = await database.db.select().from(domains).where(eq(domains.id, domain.id));
    expect(row).toMatchObject({ status: 'pending', attempts: 1, verifiedAt: null });
    expect(row?.lastError).toMatch(/no TXT record at _boltlink.txt.brand.example/);
    expect(row?.nextCheckAt).toEqual(new Date(now.getTime() + 60_000));

    // Not due yet: nothing is asked.
    expect((await checks.sweep(10)).checked).toBe(0);

    dns.zone.txt.set('_boltlink.txt.brand.example', [domain.verificationToken]);
    now = new Date(now.getTime() + 60_000);
    const second = await checks.sweep(10);
    expect(second.verified.map((d) => d.hostname)).toEqual(['txt.brand.example']);
    [row] = await database.db.select().from(domains).where(eq(domains.id, domain.id));
    expect(row).toMatchObject({
      status: 'verified',
      verificationMethod: 'txt',
      verifiedAt: now,
      nextCheckAt: null,
      lastError: null,
      attempts: 2,
    });
  });

  test('a wrong token keeps it pending, with back-off, until it is marked failed', async ({ database }) => {
    const checks = createDomainChecks({ db: database.db, dns: dnsCheck, schedule, clock: () => now });
    const domain = await pendingDomain(database.db, 'wrong.brand.example');
    dns.zone.txt.set('_boltlink.wrong.brand.example', ['someone-elses-token-000000']);

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = await checks.sweep(10);
      expect(result.checked).toBe(1);
      const [row] = await database.db.select().from(domains).where(eq(domains.id, domain.id));
      if (row?.nextCheckAt) {
        delays.push(row.nextCheckAt.getTime() - now.getTime());
        now = row.nextCheckAt;
      } else {
        expect(row).toMatchObject({ status: 'failed', attempts: 3 });
        expect(result.failed.map((d) => d.id)).toEqual([domain.id]);
      }
    }
    expect(delays).toEqual([60_000, 120_000]);

    // "Verify now" after the record is fixed verifies it at once.
    dns.zone.txt.set('_boltlink.wrong.brand.example', [domain.verificationToken]);
    const [failed] = await database.db.select().from(domains).where(eq(domains.id, domain.id));
    expect(await checks.checkNow(failed!)).toMatchObject({ status: 'verified', verificationMethod: 'txt' });
  });

  test('a CNAME to the edge host verifies it too', async ({ database }) => {
    const checks = createDomainChecks({ db: database.db, dns: dnsCheck, schedule, clock: () => now });
    const domain = await pendingDomain(database.db, 'cname.brand.example');
    dns.zone.cname.set('cname.brand.example', 'edge.bolt.example');
    expect(await checks.checkNow(domain)).toMatchObject({ status: 'verified', verificationMethod: 'cname' });
  });

  test('"verify now" on a failed domain that still lacks its record restarts the schedule', async ({
    database,
  }) => {
    const checks = createDomainChecks({ db: database.db, dns: dnsCheck, schedule, clock: () => now });
    const domain = await pendingDomain(database.db, 'late.brand.example');
    await database.db
      .update(domains)
      .set({ status: 'failed', attempts: 3, nextCheckAt: null })
      .where(eq(domains.id, domain.id));
    const [failed] = await database.db.select().from(domains).where(eq(domains.id, domain.id));
    expect(await checks.checkNow(failed!)).toMatchObject({
      status: 'pending',
      attempts: 0,
      nextCheckAt: new Date(now.getTime() + 60_000),
    });
  });
});
