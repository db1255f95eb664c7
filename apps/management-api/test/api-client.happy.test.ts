import type { AddressInfo } from 'node:net';
import { createBoltlinkClient } from '@boltlink/api-client/client';
import { describe, expect } from 'vitest';
import { PASSWORD, test, uniqueEmail } from './support/api.ts';

describe('the typed API client against the real API', () => {
  test('signs up, creates a link and lists it', async ({ api }) => {
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.app.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;

    const anonymous = createBoltlinkClient({ baseUrl });
    const email = uniqueEmail('client');
    const signup = await anonymous.POST('/api/v1/auth/signup', { body: { email, password: PASSWORD } });
    expect(signup.response.status).toBe(201);
    // 201 carries the account; 202 (email on: confirmed by mail) carries nothing.
    const account = signup.data !== undefined && 'user' in signup.data ? signup.data : undefined;
    expect(account?.user.email).toBe(email);

    const client = createBoltlinkClient({ baseUrl, token: account?.token });
    const created = await client.POST('/api/v1/links', {
      body: { url: 'https://example.com/typed', tags: ['client'] },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.url).toBe('https://example.com/typed');

    const listed = await client.GET('/api/v1/links', { params: { query: { tag: 'client' } } });
    expect(listed.response.status).toBe(200);
    expect(listed.data?.items.map((link) => link.id)).toEqual([created.data?.id]);

    const refused = await anonymous.GET('/api/v1/links');
    expect(refused.response.status).toBe(401);
    expect(refused.error?.status).toBe(401);
  });
});
