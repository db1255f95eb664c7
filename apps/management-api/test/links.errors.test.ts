import { startPrivateRedis } from '@boltlink/testing/redis';
import { describe, expect } from 'vitest';
import { createLink, expectProblem, signup, startTestApi, type TestApi, test } from './support/api.ts';

let user: Awaited<ReturnType<typeof signup>>;
test.beforeAll(async ({ api }) => {
  user = await signup(api);
});

const create = (api: TestApi, payload: unknown) =>
  api.app.inject({ method: 'POST', url: '/api/v1/links', headers: user.auth, payload: payload as object });

async function linkCount(api: TestApi): Promise<number> {
  const { rows } = await api.database.pool.query('SELECT count(*)::int AS n FROM links WHERE user_id = $1', [
    user.user.id,
  ]);
  return rows[0].n;
}

describe('destination rules', () => {
  test.for([
    ['javascript:', 'javascript:alert(1)'],
    ['mixed-case scheme', 'JaVaScRiPt:alert(1)'],
    ['tab inside the scheme', 'java\tscript:alert(1)'],
    ['newline inside the scheme', 'java\nscript:alert(1)'],
    ['leading space', ' javascript:alert(1)'],
    ['leading space before http', ' https://example.com/'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['file:', 'file:///etc/passwd'],
    ['ftp:', 'ftp://example.com/file'],
    ['vbscript:', 'vbscript:msgbox(1)'],
    ['relative URL', '/just/a/path'],
    ['credentials in the URL', 'https://bank.example@evil.example/'],
    ['self-loop to the default short domain', 'https://sho.rt/abc'],
    ['self-loop to a short domain with another port', 'http://localhost:9999/x'],
    ['self-loop with a trailing dot and capitals', 'https://SHO.RT./abc'],
    ['blocklisted domain', 'https://blocked.example/'],
    ['blocklisted subdomain', 'https://a.b.Blocked.Example/path'],
    ['more than 8 KiB', `https://example.com/${'a'.repeat(8200)}`],
  ])('rejects %s with 400 and stores nothing', async ([_name, url], { api }) => {
    const before = await linkCount(api);
    const problem = expectProblem(await create(api, { url }), 400);
    expect(problem.detail).toMatch(/^url/);
    expect(await linkCount(api)).toBe(before);
  });

  test('accepts a lookalike of a blocked domain and stores the normalized href', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'HTTPS://notblocked.example:443/A?b=c#d' });
    expect(link.url).toBe('https://notblocked.example/A?b=c#d');
  });
});

describe('field rules', () => {
  const future = new Date(Date.now() + 3_600_000).toISOString();
  test.for<[string, Record<string, unknown>, string]>([
    ['an alias of 2 characters', { alias: 'ab' }, 'alias'],
    ['an alias of 65 characters', { alias: 'a'.repeat(65) }, 'alias'],
    ['an alias with a dot', { alias: 'a.b.c' }, 'alias'],
    ['an alias with a slash', { alias: 'a/bc' }, 'alias'],
    ['a reserved alias', { alias: 'api' }, 'alias'],
    ['a reserved alias in capitals', { alias: 'Docs' }, 'alias'],
    ['a domain that is not ours', { domain: 'evil.example' }, 'domain'],
    ['an expiry in the past', { expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['an expiry that is not a date', { expiresAt: 'tomorrow' }, 'expiresAt'],
    ['maxClicks 0', { maxClicks: 0 }, 'maxClicks'],
    ['a 129-character password', { password: 'p'.repeat(129) }, 'password'],
    ['an empty password', { password: '' }, 'password'],
    ['redirectType 303', { redirectType: 303 }, 'redirectType'],
    ['11 tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags'],
    ['a 33-character tag', { tags: ['x'.repeat(33)] }, 'tags'],
    ['an unknown campaign', { campaignId: '00000000-0000-4000-8000-000000000000' }, 'campaignId'],
    ['an unknown field', { colour: 'red' }, 'colour'],
  ])('rejects %s with 400 naming the field', async ([_name, extra, field], { api }) => {
    const problem = expectProblem(
      await create(api, { url: 'https://example.com/', expiresAt: future, ...extra }),
      400,
    );
    expect(problem.detail).toContain(field);
  });

  test('answers 409 for a taken alias; aliases are case-sensitive', async ({ api }) => {
    await createLink(api, user.auth, { url: 'https://example.com/', alias: 'CaseAlias' });
    expectProblem(await create(api, { url: 'https://example.com/', alias: 'CaseAlias' }), 409);
    expect((await create(api, { url: 'https://example.com/', alias: 'casealias' })).statusCode).toBe(201);
    // The same alias on another short domain is a different link.
    expect(
      (await create(api, { url: 'https://example.com/', alias: 'CaseAlias', domain: 'localhost:8080' }))
        .statusCode,
    ).toBe(201);
  });

  test('refuses to change the alias with PATCH and leaves the link unchanged', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/p' });
    const res = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/links/${link.id}`,
      headers: user.auth,
      payload: { alias: 'renamed' },
    });
    expect(expectProblem(res, 400).detail).toContain('alias');
    const again = await api.app.inject({ url: `/api/v1/links/${link.id}`, headers: user.auth });
    expect(again.json().code).toBe(link.code);
  });

  test('rejects an empty PATCH, a bad id, a bad list of ids and a forged cursor', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/q' });
    expectProblem(
      await api.app.inject({
        method: 'PATCH',
        url: `/api/v1/links/${link.id}`,
        headers: user.auth,
        payload: {},
      }),
      400,
    );
    expectProblem(await api.app.inject({ url: '/api/v1/links/not-a-uuid', headers: user.auth }), 400);
    expectProblem(await api.app.inject({ url: '/api/v1/links?cursor=garbage', headers: user.auth }), 400);
    const forged = Buffer.from(
      JSON.stringify([1, '0000-01-01T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000']),
    ).toString('base64url');
    expectProblem(await api.app.inject({ url: `/api/v1/links?cursor=${forged}`, headers: user.auth }), 400);
    expectProblem(await api.app.inject({ url: '/api/v1/links?limit=501', headers: user.auth }), 400);
    const ids = async (list: string) =>
      expectProblem(await api.app.inject({ url: `/api/v1/links?ids=${list}`, headers: user.auth }), 400)
        .detail;
    expect(await ids(`${link.id},not-a-link`)).toBe('ids: "not-a-link" is not a link id (a uuid)');
    expect(await ids(`${link.id},`)).toBe('ids: "" is not a link id (a uuid)');
    const many = Array.from(
      { length: 101 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    expect(await ids(many.join(','))).toBe('ids: at most 100 link ids (got 101)');
    expectProblem(await api.app.inject({ url: '/api/v1/links?ids=', headers: user.auth }), 400);
    expectProblem(
      await api.app.inject({ url: `/api/v1/links/${link.id}/qr?format=gif`, headers: user.auth }),
      400,
    );
  });

  test('answers 413 for a body over 1 MiB and accepts a larger one on the bulk route', async ({ api }) => {
    const big = { url: 'https://example.com/', title: 'x'.repeat(1_100_000) };
    expectProblem(await create(api, big), 413);
    const bulk = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links/bulk',
      headers: user.auth,
      payload: {
        links: Array.from({ length: 200 }, (_, i) => ({
          url: `https://example.com/${'p'.repeat(6000)}/${i}`,
        })),
      },
    });
    expect(bulk.statusCode).toBe(200);
    expectProblem(
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/links/bulk',
        headers: user.auth,
        payload: { links: Array.from({ length: 1001 }, () => ({ url: 'https://example.com/' })) },
      }),
      400,
    );
  });
});

describe('when the link cache Redis is down', () => {
  test('still creates the link in Postgres, answers 201 and counts the failed cache write', async () => {
    const cacheServer = await startPrivateRedis();
    const isolated = await startTestApi({ CACHE_REDIS_URL: cacheServer.url });
    try {
      const owner = await signup(isolated);
      await cacheServer.stop();
      const res = await isolated.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        headers: owner.auth,
        payload: { url: 'https://example.com/cache-down', title: 't' },
      });
      expect(res.statusCode).toBe(201);
      const { rows } = await isolated.database.pool.query('SELECT url FROM links WHERE id = $1', [
        res.json().id,
      ]);
      expect(rows[0].url).toBe('https://example.com/cache-down');
      expect(await isolated.metrics.registry.metrics()).toMatch(
        /boltlink_api_link_cache_write_failures_total\{[^}]*\} 1/,
      );
      // The API still answers, so it stays ready; the cache's state is a gauge, not a probe's answer.
      expect((await isolated.app.inject({ url: '/ready' })).statusCode).toBe(200);
    } finally {
      await isolated.close().catch(() => undefined);
      await cacheServer.destroy();
    }
  });
});
