import { createDb } from '@boltlink/db/client';
import { domains, users } from '@boltlink/db/schema';
import { createDomainChecks } from '@boltlink/domains/checks';
import { createDnsCheck } from '@boltlink/domains/dns-check';
import { startLocalDnsServer } from '@boltlink/local-servers/dns';
import { createCacheRedis, createSubscriber, waitForReady } from '@boltlink/redis-keys/clients';
import {
  decodeDomainInvalidation,
  publishDomainInvalidation,
} from '@boltlink/redis-keys/domain-invalidation';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { describe, expect } from 'vitest';
import { startDomainCheckSweeper } from '../src/domains/domain-check-sweeper.ts';
import { test } from './support/consumer.ts';

const until = async (what: string, check: () => Promise<boolean>) => {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
};

describe('background custom domain checks', () => {
  test('a pending domain is verified by the sweeper once its record is published on DNS, and the edges are told', async ({
    database,
    workerPool,
    redisUrl,
    prefix,
  }) => {
    // A real DNS server on loopback, a real Redis for the announcement, the consumer's own pool.
    const dns = await startLocalDnsServer();
    const keys = createRedisKeys(prefix);
    const publisher = createCacheRedis(redisUrl);
    const subscriber = createSubscriber(redisUrl);
    await Promise.all([waitForReady(publisher), waitForReady(subscriber)]);
    const announced: string[] = [];
    subscriber.on('message', (_channel: string, raw: string) => {
      announced.push(decodeDomainInvalidation(raw)?.hostname ?? 'undecodable');
    });
    await subscriber.subscribe(keys.domainInvalidationChannel());

    const [user] = await database.db
      .insert(users)
      .values({ email: 'domains@example.com', passwordHash: 'x' })
      .returning();
    const insert = (hostname: string, token: string) =>
      database.db
        .insert(domains)
        .values({ workspaceId: user!.id, hostname, verificationToken: token, nextCheckAt: new Date() })
        .returning();
    const [txt] = await insert('txt.brand.example', 'boltlink-verify-right-token-0001');
    const [wrong] = await insert('wrong.brand.example', 'boltlink-verify-right-token-0002');
    const [cname] = await insert('cname.brand.example', 'boltlink-verify-right-token-0003');
    dns.zone.txt.set('_boltlink.wrong.brand.example', ['boltlink-verify-someone-else']);

    const sweeper = startDomainCheckSweeper({
      checks: createDomainChecks({
        db: createDb(workerPool),
        dns: createDnsCheck({ servers: [dns.address], cnameTarget: 'edge.sho.rt', timeoutMs: 1000 }),
        // Re-checked every 50 ms in this test, never given up.
        schedule: { intervalMs: 50, maxIntervalMs: 50, maxAttempts: 1000 },
      }),
      announce: (hostname) => publishDomainInvalidation(publisher, keys, hostname),
      logger: pino({ level: 'silent' }),
      intervalMs: 50,
    });
    try {
      const status = async (id: string) =>
        (await database.db.select().from(domains).where(eq(domains.id, id)))[0];
      // Checked at least once while nothing is published: still pending, with what was found.
      await until('a first check', async () => ((await status(txt!.id))?.attempts ?? 0) >= 1);
      expect(await status(txt!.id)).toMatchObject({ status: 'pending', verifiedAt: null });
      expect((await status(txt!.id))?.lastError).toMatch(/no TXT record/);

      dns.zone.txt.set('_boltlink.txt.brand.example', [txt!.verificationToken]);
      dns.zone.cname.set('cname.brand.example', 'edge.sho.rt');
      await until('both verified', async () => {
        const rows = await Promise.all([status(txt!.id), status(cname!.id)]);
        return rows.every((row) => row?.status === 'verified');
      });
      expect(await status(txt!.id)).toMatchObject({ verificationMethod: 'txt', lastError: null });
      expect(await status(cname!.id)).toMatchObject({ verificationMethod: 'cname' });
      await until('the announcements', async () =>
        ['txt.brand.example', 'cname.brand.example'].every((h) => announced.includes(h)),
      );

      // The wrong token keeps its domain pending, however often it is checked.
      await until(
        'several checks of the wrong token',
        async () => ((await status(wrong!.id))?.attempts ?? 0) >= 3,
      );
      expect(await status(wrong!.id)).toMatchObject({ status: 'pending', verifiedAt: null });
      expect(announced).not.toContain('wrong.brand.example');
    } finally {
      await sweeper.close();
      await Promise.all([publisher.quit(), subscriber.quit(), dns.close()]);
    }
  });
});
