import { describe, expect } from 'vitest';
import type { LinkView } from '../src/schemas/links.ts';
import { createLink, expectProblem, PASSWORD, signup, type TestApi, test } from './support/api.ts';

let user: Awaited<ReturnType<typeof signup>>;
let link: LinkView;
test.beforeAll(async ({ api }) => {
  user = await signup(api);
  link = await createLink(api, user.auth, { url: 'https://example.com/qr' });
});

const inject = (
  api: TestApi,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: object,
  auth = user.auth,
) => api.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });

async function count(api: TestApi, table: string): Promise<number> {
  const { rows } = await api.database.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

const utm = { source: 'news', medium: 'email', campaign: 'spring' };

describe('NUL bytes in text fields', () => {
  test.for([
    [
      'link title',
      'POST',
      '/api/v1/links',
      { url: 'https://example.com/', title: 'a\u0000b' },
      'title',
      'links',
    ],
    [
      'link tag',
      'POST',
      '/api/v1/links',
      { url: 'https://example.com/', tags: ['ok', 'a\u0000'] },
      'tags[1]',
      'links',
    ],
    ['campaign name', 'POST', '/api/v1/campaigns', { name: 'a\u0000b', utm }, 'name', 'campaigns'],
    [
      'campaign UTM value',
      'POST',
      '/api/v1/campaigns',
      { name: 'c', utm: { ...utm, source: '\u0000' } },
      'utm.source',
      'campaigns',
    ],
    ['API key name', 'POST', '/api/v1/api-keys', { name: 'key\u0000' }, 'name', 'api_keys'],
  ] as const)(
    'rejects a NUL in the %s with a 400 naming the field, and stores nothing',
    async ([_name, method, url, payload, field, table], { api }) => {
      const before = await count(api, table);
      const problem = expectProblem(await inject(api, method, url, payload), 400);
      expect(problem.detail).toBe(`${field}: must not contain NUL bytes`);
      expect(await count(api, table)).toBe(before);
    },
  );

  test('rejects a NUL in a PATCHed title and leaves the link unchanged', async ({ api }) => {
    const problem = expectProblem(
      await inject(api, 'PATCH', `/api/v1/links/${link.id}`, { title: 'x\u0000' }),
      400,
    );
    expect(problem.detail).toBe('title: must not contain NUL bytes');
    expect((await inject(api, 'GET', `/api/v1/links/${link.id}`)).json().title).toBeNull();
  });

  test('rejects a NUL in the email of a sign-up or a login', async ({ api }) => {
    const users = await count(api, 'users');
    for (const path of ['/api/v1/auth/signup', '/api/v1/auth/login']) {
      const res = await api.app.inject({
        method: 'POST',
        url: path,
        payload: { email: 'a\u0000b@example.com', password: PASSWORD },
      });
      expect(expectProblem(res, 400).detail).toBe('email: must not contain NUL bytes');
    }
    expect(await count(api, 'users')).toBe(users);
  });

  test('rejects a NUL in a search query parameter', async ({ api }) => {
    expect(expectProblem(await inject(api, 'GET', '/api/v1/links?q=a%00b'), 400).detail).toBe(
      'q: must not contain NUL bytes',
    );
    expect(expectProblem(await inject(api, 'GET', '/api/v1/links?tag=%00'), 400).detail).toBe(
      'tag: must not contain NUL bytes',
    );
  });

  test('fails only the bulk items that carry a NUL; the others are created', async ({ api }) => {
    const res = await inject(api, 'POST', '/api/v1/links/bulk', {
      links: [
        { url: 'https://example.com/bulk-1' },
        { url: 'https://example.com/bulk-2', title: 'bad\u0000title' },
        { url: 'https://example.com/bulk-3', tags: ['\u0000'] },
        { url: 'https://example.com/bulk-4' },
      ],
    });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as ({ url: string } | { error: { status: number; detail: string } })[];
    expect(items[0]).toMatchObject({ url: 'https://example.com/bulk-1' });
    expect(items[1]).toMatchObject({ error: { status: 400, detail: 'title: must not contain NUL bytes' } });
    expect(items[2]).toMatchObject({ error: { status: 400, detail: 'tags[0]: must not contain NUL bytes' } });
    expect(items[3]).toMatchObject({ url: 'https://example.com/bulk-4' });
    const { rows } = await api.database.pool.query(
      "SELECT url FROM links WHERE url LIKE 'https://example.com/bulk-%' ORDER BY url",
    );
    expect(rows.map((row) => row.url)).toEqual(['https://example.com/bulk-1', 'https://example.com/bulk-4']);
  });
});

describe('non-finite numbers', () => {
  test.for(['1e309', '-1e309', 'Infinity'])('rejects limit=%s with a 400', async (value, { api }) => {
    const problem = expectProblem(await inject(api, 'GET', `/api/v1/links?limit=${value}`), 400);
    expect(problem.detail).toMatch(/^limit: /);
  });

  test.for(['svg', 'png'])('rejects a QR %s of size=1e309 with a 400', async (format, { api }) => {
    const res = await inject(api, 'GET', `/api/v1/links/${link.id}/qr?format=${format}&size=1e309`);
    expect(expectProblem(res, 400).detail).toBe('size: must be a finite number');
  });
});

describe('QR code size', () => {
  test('renders a PNG up to 1024 px and refuses a larger one', async ({ api }) => {
    const ok = await inject(api, 'GET', `/api/v1/links/${link.id}/qr?format=png&size=1024`);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('image/png');
    // The PNG header states the width (bytes 16-19, big-endian).
    expect(ok.rawPayload.readUInt32BE(16)).toBe(1024);
    const big = await inject(api, 'GET', `/api/v1/links/${link.id}/qr?format=png&size=2048`);
    expect(expectProblem(big, 400).detail).toBe('size: must be <= 1024 for PNG');
  });

  test('still renders a 2048-px SVG, which only states its width', async ({ api }) => {
    const res = await inject(api, 'GET', `/api/v1/links/${link.id}/qr?format=svg&size=2048`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('width="2048"');
  });
});
