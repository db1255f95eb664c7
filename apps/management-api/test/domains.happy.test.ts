import { auditEvents, blockedDestinations, links } from '@boltlink/db/schema';
import { startLocalDnsServer } from '@boltlink/local-servers/dns';
import { createSubscriber, type RedisClient, waitForReady } from '@boltlink/redis-keys/clients';
import { decodeDomainInvalidation } from '@boltlink/redis-keys/domain-invalidation';
import { decodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { testRedisUrl } from '@boltlink/testing/redis';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import type { DomainView } from '../src/schemas/domains.ts';
import {
  test as apiTest,
  createLink,
  createWorkspace,
  expectProblem,
  signup,
  type TestApi,
} from './support/api.ts';

// A real DNS server on loopback: the API's resolver asks it, as it would ask the internet's.
const dns = await startLocalDnsServer();
const test = apiTest.extend(
  'apiEnv',
  { scope: 'file' },
  { DNS_SERVERS: dns.address, EDGE_HOSTNAME: 'edge.sho.rt', DNS_TIMEOUT_MS: '1000' },
);

let subscriber: RedisClient;
const domainMessages: string[] = [];
const linkMessages: string[] = [];
test.beforeAll(async ({ api }) => {
  subscriber = createSubscriber(testRedisUrl());
  await waitForReady(subscriber);
  subscriber.on('message', (channel: string, raw: string) => {
    if (channel === api.keys.domainInvalidationChannel()) {
      domainMessages.push(decodeDomainInvalidation(raw)?.hostname ?? 'undecodable');
    } else {
      linkMessages.push(decodeLinkInvalidation(raw)?.code ?? 'undecodable');
    }
  });
  await subscriber.subscribe(api.keys.domainInvalidationChannel(), api.keys.invalidationChannel());
});
test.afterAll(async () => {
  await subscriber?.quit();
  await dns.close();
});

const eventually = async (check: () => void) => {
  for (let i = 0; i < 100; i++) {
    try {
      return check();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  check();
};

/** Adds a custom domain to the caller's workspace and verifies it by its TXT record on the test's DNS server. */
async function addVerifiedDomain(
  api: TestApi,
  auth: Record<string, string>,
  hostname: string,
): Promise<DomainView> {
  const domain = (
    await api.app.inject({ method: 'POST', url: '/api/v1/domains', headers: auth, payload: { hostname } })
  ).json() as DomainView;
  dns.zone.txt.set(`_boltlink.${hostname}`, [domain.verification.txt.value]);
  await api.app.inject({ method: 'POST', url: `/api/v1/domains/${domain.id}/verify`, headers: auth });
  return domain;
}

describe('custom domains', () => {
  test('added pending with the records to publish, verified by its TXT record, then serves links', async ({
    api,
  }) => {
    const user = await signup(api);
    const added = await api.app.inject({
      method: 'POST',
      url: '/api/v1/domains',
      headers: user.auth,
      payload: { hostname: '  Go.Brand.Example. ' },
    });
    expect(added.statusCode).toBe(201);
    const domain = added.json() as DomainView;
    expect(domain).toMatchObject({
      hostname: 'go.brand.example',
      status: 'pending',
      verification: {
        txt: { type: 'TXT', name: '_boltlink.go.brand.example' },
        cname: { type: 'CNAME', name: 'go.brand.example', value: 'edge.sho.rt' },
      },
      verificationMethod: null,
      verifiedAt: null,
      attempts: 0,
      rootRedirectUrl: null,
      notFoundRedirectUrl: null,
    });
    expect(domain.verification.txt.value).toMatch(/^boltlink-verify-[0-9a-f]{32}$/);

    // Not verified yet: no link on it.
    const early = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: user.auth,
      payload: { url: 'https://brand.example/a', domain: 'go.brand.example' },
    });
    expect(expectProblem(early, 400).detail).toMatch(/verified domain of this workspace/);

    const unpublished = await api.app.inject({
      method: 'POST',
      url: `/api/v1/domains/${domain.id}/verify`,
      headers: user.auth,
    });
    expect(unpublished.json()).toMatchObject({
      status: 'pending',
      lastError: 'no TXT record at _boltlink.go.brand.example; no CNAME record at go.brand.example',
    });

    dns.zone.txt.set('_boltlink.go.brand.example', [domain.verification.txt.value]);
    const verified = await api.app.inject({
      method: 'POST',
      url: `/api/v1/domains/${domain.id}/verify`,
      headers: user.auth,
    });
    expect(verified.json()).toMatchObject({ status: 'verified', verificationMethod: 'txt', lastError: null });
    await eventually(() => expect(domainMessages).toContain('go.brand.example'));

    const link = await createLink(api, user.auth, {
      url: 'https://brand.example/spring',
      domain: 'GO.brand.example',
      alias: 'spring',
    });
    expect(link).toMatchObject({ domain: 'go.brand.example', shortUrl: 'https://go.brand.example/spring' });
    // A code is unique per domain: the same alias is free on an instance domain.
    expect(
      (await createLink(api, user.auth, { url: 'https://brand.example/x', alias: 'spring' })).domain,
    ).toBe('sho.rt');

    const list = await api.app.inject({ url: '/api/v1/domains', headers: user.auth });
    expect(list.json()).toEqual({ items: [verified.json()] });
    expect(
      (await api.app.inject({ url: `/api/v1/domains/${domain.id}`, headers: user.auth })).json(),
    ).toEqual(verified.json());
    const actions = await api.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.targetId, domain.id));
    expect(actions.map((a) => a.action).sort()).toEqual(['domain.added', 'domain.verified']);
  });

  test('a CNAME to the edge host verifies a domain too', async ({ api }) => {
    const user = await signup(api);
    const domain = (
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/domains',
        headers: user.auth,
        payload: { hostname: 'links.cname.example' },
      })
    ).json() as DomainView;
    dns.zone.cname.set('links.cname.example', 'edge.sho.rt.');
    const verified = await api.app.inject({
      method: 'POST',
      url: `/api/v1/domains/${domain.id}/verify`,
      headers: user.auth,
    });
    expect(verified.json()).toMatchObject({ status: 'verified', verificationMethod: 'cname' });
  });

  test("links refuse another workspace's verified domain", async ({ api }) => {
    const owner = await signup(api);
    const domain = await addVerifiedDomain(api, owner.auth, 'mine.brand.example');

    const team = await createWorkspace(api, owner.auth);
    const other = await signup(api);
    for (const headers of [other.auth, { ...owner.auth, ...team.header }]) {
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        headers,
        payload: { url: 'https://brand.example/a', domain: 'mine.brand.example' },
      });
      expectProblem(res, 400);
    }
    // Nor can another workspace add the hostname, or see the domain.
    expectProblem(
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/domains',
        headers: other.auth,
        payload: { hostname: 'mine.brand.example' },
      }),
      409,
    );
    expectProblem(await api.app.inject({ url: `/api/v1/domains/${domain.id}`, headers: other.auth }), 404);
  });

  test('sets and clears the root and not-found redirects, validated like destinations', async ({ api }) => {
    const user = await signup(api);
    const domain = (
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/domains',
        headers: user.auth,
        payload: { hostname: 'redirects.brand.example', rootRedirectUrl: 'https://brand.example/' },
      })
    ).json() as DomainView;
    expect(domain.rootRedirectUrl).toBe('https://brand.example/');

    const patched = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/domains/${domain.id}`,
      headers: user.auth,
      payload: { rootRedirectUrl: null, notFoundRedirectUrl: 'https://brand.example/missing' },
    });
    expect(patched.json()).toMatchObject({
      rootRedirectUrl: null,
      notFoundRedirectUrl: 'https://brand.example/missing',
    });
    await eventually(() => expect(domainMessages).toContain('redirects.brand.example'));

    // A destination an instance admin blocked is refused like BLOCKED_DOMAINS.
    await api.database.db.insert(blockedDestinations).values({ hostname: 'spam.example' });

    for (const [payload, detail] of [
      [{ rootRedirectUrl: 'javascript:alert(1)' }, /^rootRedirectUrl: only http and https/],
      [{ notFoundRedirectUrl: 'https://redirects.brand.example/x' }, /^notFoundRedirectUrl: .*redirect loop/],
      [{ rootRedirectUrl: 'https://blocked.example/' }, /^rootRedirectUrl: destination domain is blocked/],
      [
        { notFoundRedirectUrl: 'https://www.spam.example/' },
        /^notFoundRedirectUrl: destination domain is blocked/,
      ],
    ] as const) {
      const res = await api.app.inject({
        method: 'PATCH',
        url: `/api/v1/domains/${domain.id}`,
        headers: user.auth,
        payload,
      });
      expect(expectProblem(res, 400).detail).toMatch(detail);
    }
  });

  test('refuses malformed hostnames, the instance domains and a second add', async ({ api }) => {
    const user = await signup(api);
    const add = (hostname: string) =>
      api.app.inject({ method: 'POST', url: '/api/v1/domains', headers: user.auth, payload: { hostname } });
    for (const bad of ['https://x.example', 'x.example:8443', 'localhost', '10.0.0.1', 'a_b.example']) {
      expect(expectProblem(await add(bad), 400).detail).toMatch(/^hostname: /);
    }
    expect(expectProblem(await add('SHO.RT'), 409).detail).toMatch(/instance's own domains/);
    expect(expectProblem(await add('edge.sho.rt'), 409).detail).toMatch(/instance's own domains/);
    expect((await add('twice.brand.example')).statusCode).toBe(201);
    expect(expectProblem(await add('twice.brand.example'), 409).detail).toMatch(/already added/);
  });

  test('removing a domain deletes its links, and the edges are told', async ({ api }) => {
    const user = await signup(api);
    const domain = await addVerifiedDomain(api, user.auth, 'gone.brand.example');
    const onDomain = await createLink(api, user.auth, {
      url: 'https://brand.example/a',
      domain: 'gone.brand.example',
      alias: 'bye-bye',
    });
    const elsewhere = await createLink(api, user.auth, { url: 'https://brand.example/b' });

    const res = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/domains/${domain.id}`,
      headers: user.auth,
    });
    expect(res.statusCode).toBe(204);
    const remaining = await api.database.db
      .select({ id: links.id })
      .from(links)
      .where(eq(links.workspaceId, user.user.id));
    expect(remaining.map((l) => l.id)).toEqual([elsewhere.id]);
    expectProblem(await api.app.inject({ url: `/api/v1/links/${onDomain.id}`, headers: user.auth }), 404);
    await eventually(() => {
      expect(linkMessages).toContain('bye-bye');
      expect(domainMessages.filter((h) => h === 'gone.brand.example')).toHaveLength(2);
    });
    expectProblem(await api.app.inject({ url: `/api/v1/domains/${domain.id}`, headers: user.auth }), 404);
  });

  test('a link created or moved onto a domain while it is being removed is refused: no link outlives its domain', async ({
    api,
  }) => {
    const user = await signup(api);
    const domain = await addVerifiedDomain(api, user.auth, 'racing.brand.example');
    const elsewhere = await createLink(api, user.auth, { url: 'https://brand.example/stay' });

    // The removal's transaction, stopped between its two deletes: the domain row is deleted, not yet committed.
    const removal = await api.database.pool.connect();
    try {
      await removal.query('BEGIN');
      await removal.query('DELETE FROM domains WHERE id = $1', [domain.id]);
      const inject = (method: 'POST' | 'PATCH', url: string, payload: object) =>
        api.app.inject({ method, url, headers: user.auth, payload });
      const writes = [
        inject('POST', '/api/v1/links', { url: 'https://brand.example/new', domain: 'racing.brand.example' }),
        inject('POST', '/api/v1/links/bulk', {
          links: [{ url: 'https://brand.example/bulk', domain: 'racing.brand.example' }],
        }),
        inject('PATCH', `/api/v1/links/${elsewhere.id}`, { domain: 'racing.brand.example' }),
      ];
      let finished = 0;
      for (const write of writes) void write.then(() => finished++);
      // Each write waits for the domain's row (or, without the hold, has already finished).
      for (let i = 0; i < 250; i++) {
        const waiting = await api.database.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        if ((waiting.rows[0]?.n ?? 0) + finished >= writes.length) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await removal.query('DELETE FROM links WHERE domain = $1', ['racing.brand.example']);
      await removal.query('COMMIT');

      const [created, bulk, moved] = await Promise.all(writes);
      expectProblem(created as NonNullable<typeof created>, 400);
      expect(bulk?.json()).toMatchObject({
        items: [{ error: { status: 400, detail: expect.stringContaining('verified domain') } }],
      });
      expectProblem(moved as NonNullable<typeof moved>, 400);
    } finally {
      removal.release();
    }
    const onDomain = await api.database.db
      .select({ id: links.id })
      .from(links)
      .where(eq(links.domain, 'racing.brand.example'));
    expect(onDomain).toEqual([]);
    const kept = await api.app.inject({ url: `/api/v1/links/${elsewhere.id}`, headers: user.auth });
    expect(kept.json()).toMatchObject({ domain: 'sho.rt' });
  });

  test('deleting a workspace removes its domains, and the edges are told', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const headers = { ...owner.auth, ...team.header };
    const added = await api.app.inject({
      method: 'POST',
      url: '/api/v1/domains',
      headers,
      payload: { hostname: 'team.brand.example' },
    });
    expect(added.statusCode).toBe(201);
    expect((await api.app.inject({ method: 'DELETE', url: '/api/v1/workspace', headers })).statusCode).toBe(
      204,
    );
    await eventually(() => expect(domainMessages).toContain('team.brand.example'));
    // The hostname is free again.
    const again = await api.app.inject({
      method: 'POST',
      url: '/api/v1/domains',
      headers: owner.auth,
      payload: { hostname: 'team.brand.example' },
    });
    expect(again.statusCode).toBe(201);
  });
});
