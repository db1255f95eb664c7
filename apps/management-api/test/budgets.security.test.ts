import { workspaceInvitations } from '@boltlink/db/schema';
import { testRedisUrl } from '@boltlink/testing/redis';
import { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import {
  test as apiTest,
  createLink,
  createWorkspace,
  expectProblem,
  signup,
  type TestApi,
  uniqueEmail,
} from './support/api.ts';

const test = apiTest.extend(
  'apiEnv',
  { scope: 'file' },
  {
    LINK_CREATE_RATE_LIMIT_MAX: '5',
    LINK_PASSWORD_RATE_LIMIT_MAX: '3',
    METADATA_FETCH_RATE_LIMIT_MAX: '3',
    QR_PNG_RATE_LIMIT_MAX: '20',
    INVITATION_RATE_LIMIT_MAX: '3',
  },
);

let queueConnection: Redis;
let metadataQueue: Queue;
test.beforeAll(async ({ api }) => {
  queueConnection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  metadataQueue = new Queue('link-metadata', { connection: queueConnection, prefix: api.queuePrefix });
});
test.afterAll(async () => {
  await metadataQueue?.close();
  await queueConnection?.quit();
});

type Auth = Record<string, string>;
const bulk = (api: TestApi, auth: Auth, links: object[]) =>
  api.app.inject({ method: 'POST', url: '/api/v1/links/bulk', headers: auth, payload: { links } });
const create = (api: TestApi, auth: Auth, payload: object) =>
  api.app.inject({ method: 'POST', url: '/api/v1/links', headers: auth, payload });
const urls = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ url: `https://example.com/${tag}/${i}` }));

async function linksOf(api: TestApi, userId: string): Promise<number> {
  const { rows } = await api.database.pool.query('SELECT count(*)::int AS n FROM links WHERE user_id = $1', [
    userId,
  ]);
  return rows[0].n;
}

async function skippedJobs(api: TestApi): Promise<number> {
  const text = await api.metrics.registry.metrics();
  const match = /^boltlink_api_metadata_jobs_skipped_total\{[^}]*\} (\d+)$/m.exec(text);
  return Number(match?.[1] ?? 0);
}

async function expectBudgetRefusal(res: Awaited<ReturnType<typeof create>>) {
  const problem = expectProblem(res, 429);
  expect(problem.type).toBe('https://boltlink.dev/problems/rate-limited');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  return problem;
}

describe('link creation budget', () => {
  test('charges every link a bulk request creates, refunds the items that fail, and refuses a bulk it cannot cover whole', async ({
    api,
  }) => {
    const user = await signup(api);
    const first = await bulk(api, user.auth, [...urls(2, 'a'), { url: 'javascript:alert(1)' }]);
    expect(first.statusCode).toBe(200);
    expect(await linksOf(api, user.user.id)).toBe(2);
    // 3 of 5 left: a bulk of 4 creates nothing.
    const refused = await bulk(api, user.auth, urls(4, 'b'));
    expect((await expectBudgetRefusal(refused)).detail).toMatch(/link-create budget of 5 links/);
    expect(await linksOf(api, user.user.id)).toBe(2);
    expect((await bulk(api, user.auth, urls(3, 'c'))).statusCode).toBe(200);
    await expectBudgetRefusal(await create(api, user.auth, { url: 'https://example.com/one-more' }));
    expect(await linksOf(api, user.user.id)).toBe(5);
    // The budget is the account's: another account is untouched.
    const other = await signup(api);
    expect((await create(api, other.auth, { url: 'https://example.com/' })).statusCode).toBe(201);
  });

  test('lets exactly the budget through when creates race from many clients at once', async ({ api }) => {
    const user = await signup(api);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => create(api, user.auth, { url: `https://example.com/race/${i}` })),
    );
    const statuses = results.map((res) => res.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
    expect(await linksOf(api, user.user.id)).toBe(5);
  });

  test('gives back the charge of a single create that fails', async ({ api }) => {
    const user = await signup(api);
    await createLink(api, user.auth, { url: 'https://example.com/taken', alias: 'budget-taken' });
    for (let i = 0; i < 6; i++) {
      expectProblem(
        await create(api, user.auth, { url: 'https://example.com/', alias: 'budget-taken' }),
        409,
      );
      expectProblem(await create(api, user.auth, { url: 'javascript:alert(1)' }), 400);
    }
    expect((await bulk(api, user.auth, urls(4, 'after-failures'))).statusCode).toBe(200);
    expect(await linksOf(api, user.user.id)).toBe(5);
  });
});

describe('metadata fetch budget', () => {
  test('creates every link but queues fetches only within the budget, counting the skipped ones', async ({
    api,
  }) => {
    const user = await signup(api);
    const skippedBefore = await skippedJobs(api);
    const res = await bulk(api, user.auth, urls(5, 'meta'));
    expect(res.statusCode).toBe(200);
    const created = (res.json().items as { id: string }[]).map((item) => item.id);
    expect(created).toHaveLength(5);
    const jobs = await metadataQueue.getJobs(['waiting', 'delayed', 'active']);
    const queued = jobs.map((job) => job.data.linkId).filter((id) => created.includes(id));
    expect(queued).toHaveLength(3);
    expect((await skippedJobs(api)) - skippedBefore).toBe(2);
  });
});

describe('password hashing bounds', () => {
  test('refuses a bulk request with more than 50 passwords before hashing any, and creates nothing', async ({
    api,
  }) => {
    const user = await signup(api);
    const links = Array.from({ length: 51 }, (_, i) => ({ url: `https://example.com/${i}`, password: 'pw' }));
    const problem = expectProblem(await bulk(api, user.auth, links), 400);
    expect(problem.detail).toBe('links: at most 50 items of one request may set a password (got 51)');
    expect(await linksOf(api, user.user.id)).toBe(0);
  });

  test('charges each password to the account, on create and on change', async ({ api }) => {
    const user = await signup(api);
    const protectedLinks = [
      { url: 'https://example.com/p1', password: 'secret one' },
      { url: 'https://example.com/p2', password: 'secret two' },
    ];
    expect((await bulk(api, user.auth, protectedLinks)).statusCode).toBe(200);
    const third = await createLink(api, user.auth, { url: 'https://example.com/p3', password: 'secret 3' });
    const refused = await create(api, user.auth, { url: 'https://example.com/p4', password: 'secret 4' });
    expect((await expectBudgetRefusal(refused)).detail).toMatch(/link-password budget of 3 password hashes/);
    await expectBudgetRefusal(
      await api.app.inject({
        method: 'PATCH',
        url: `/api/v1/links/${third.id}`,
        headers: user.auth,
        payload: { password: 'changed' },
      }),
    );
    // The refused password took nothing from the link budget: 2 links of 5 remain.
    expect((await create(api, user.auth, { url: 'https://example.com/plain' })).statusCode).toBe(201);
    expect((await create(api, user.auth, { url: 'https://example.com/plain-2' })).statusCode).toBe(201);
    expect(await linksOf(api, user.user.id)).toBe(5);
  });
});

describe('QR PNG budget', () => {
  test('charges PNGs by pixel count and leaves SVGs free', async ({ api }) => {
    const user = await signup(api);
    const link = await createLink(api, user.auth, { url: 'https://example.com/qr' });
    const qr = (query: string) =>
      api.app.inject({ url: `/api/v1/links/${link.id}/qr?${query}`, headers: user.auth });
    expect((await qr('format=png&size=1024')).statusCode).toBe(200); // 16 units
    expect((await qr('format=png&size=512')).statusCode).toBe(200); // 4 units: 20 of 20
    const refused = await qr('format=png&size=64');
    expect((await expectBudgetRefusal(refused)).detail).toMatch(/qr-png budget of 20 QR PNG units/);
    expect((await qr('format=svg&size=2048')).statusCode).toBe(200);
  });
});

describe('invitation budget', () => {
  test('bounds the invitations one account sends, across its workspaces, and stores none it refuses', async ({
    api,
  }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth, 'Team');
    const other = await createWorkspace(api, owner.auth, 'Other team');
    const invite = (header: Record<string, string>) =>
      api.app.inject({
        method: 'POST',
        url: '/api/v1/workspace/invitations',
        headers: { ...owner.auth, ...header },
        payload: { email: uniqueEmail('invitee'), role: 'member' },
      });
    expect((await invite(team.header)).statusCode).toBe(201);
    expect((await invite(team.header)).statusCode).toBe(201);
    expect((await invite(other.header)).statusCode).toBe(201);
    const refused = await invite(other.header);
    expect((await expectBudgetRefusal(refused)).detail).toMatch(/invitation budget of 3 invitations/);
    const stored = await api.database.db
      .select({ id: workspaceInvitations.id })
      .from(workspaceInvitations)
      .where(eq(workspaceInvitations.invitedBy, owner.user.id));
    expect(stored).toHaveLength(3);
    // Another account has its own.
    const colleague = await signup(api);
    const theirs = await createWorkspace(api, colleague.auth, 'Theirs');
    const sent = await api.app.inject({
      method: 'POST',
      url: '/api/v1/workspace/invitations',
      headers: { ...colleague.auth, ...theirs.header },
      payload: { email: uniqueEmail('invitee'), role: 'viewer' },
    });
    expect(sent.statusCode).toBe(201);
  });
});
