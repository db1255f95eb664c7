import { describe, expect } from 'vitest';
import type { LinkView } from '../src/schemas/links.ts';
import { test as apiTest, createApiKey, createLink, expectProblem, signup } from './support/api.ts';

const test = apiTest.extend('apiEnv', { scope: 'file' }, { DATABASE_POOL_MAX: '10' });

describe('authorization matrix', () => {
  test("answers 404 for another account's link on every route, and changes nothing", async ({ api }) => {
    const alice = await signup(api);
    const bob = await signup(api);
    const bobKey = await createApiKey(api, bob.token);
    const link = await createLink(api, alice.auth, { url: 'https://example.com/alice', title: 'Alice' });
    for (const auth of [bob.auth, bobKey.auth]) {
      for (const [method, url, payload] of [
        ['GET', `/api/v1/links/${link.id}`],
        ['PATCH', `/api/v1/links/${link.id}`, { url: 'https://evil.example/' }],
        ['DELETE', `/api/v1/links/${link.id}`],
        ['GET', `/api/v1/links/${link.id}/qr`],
        ['GET', `/api/v1/links/${link.id}/stats`],
      ] as const) {
        const res = await api.app.inject({ method, url, headers: auth, payload });
        expectProblem(res, 404);
      }
    }
    const own = await api.app.inject({ url: `/api/v1/links/${link.id}`, headers: alice.auth });
    expect(own.json()).toEqual(link);
    const bobList = await api.app.inject({ url: '/api/v1/links', headers: bob.auth });
    expect(bobList.json().items).toEqual([]);
  });
});

describe('concurrency', () => {
  test('gives exactly one 201 for 100 concurrent creates of one alias; the rest get 409', async ({ api }) => {
    const user = await signup(api);
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api.app.inject({
          method: 'POST',
          url: '/api/v1/links',
          headers: user.auth,
          payload: { url: `https://example.com/race/${i}`, alias: 'the-race' },
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    const { rows } = await api.database.pool.query(
      "SELECT count(*)::int AS n FROM links WHERE code = 'the-race'",
    );
    expect(rows[0].n).toBe(1);
  });

  test('returns every link exactly once while links are being inserted during pagination', async ({
    api,
  }) => {
    const user = await signup(api);
    const existing = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links/bulk',
      headers: user.auth,
      payload: {
        links: Array.from({ length: 120 }, (_, i) => ({ url: `https://example.com/page/${i}`, title: 't' })),
      },
    });
    const existingIds = (existing.json().items as LinkView[]).map((l) => l.id);
    expect(existingIds).toHaveLength(120);

    let inserting = true;
    let inserted = 0;
    const writer = (async () => {
      while (inserting) {
        await createLink(api, user.auth, { url: `https://example.com/new/${inserted}`, title: 'n' });
        inserted++;
      }
    })();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=7&cursor=${cursor}` : '?limit=7';
      const page = await api.app.inject({ url: `/api/v1/links${query}`, headers: user.auth });
      expect(page.statusCode).toBe(200);
      const body = page.json() as { items: LinkView[]; nextCursor: string | null };
      seen.push(...body.items.map((l) => l.id));
      cursor = body.nextCursor;
      // Give the writer room to interleave with the reader.
      await new Promise((resolve) => setTimeout(resolve, 2));
    } while (cursor);
    inserting = false;
    await writer;

    expect(inserted).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of existingIds) expect(seen).toContain(id);
  });
});
