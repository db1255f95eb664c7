import { startLocalDnsServer } from '@boltlink/local-servers/dns';
import { describe, expect } from 'vitest';
import type { DomainView } from '../src/schemas/domains.ts';
import type { LinkDomain } from '../src/schemas/links.ts';
import { test as apiTest, createApiKey, createLink, expectProblem, signup } from './support/api.ts';

// A real DNS server on loopback proves the custom domain, as the internet's would.
const dns = await startLocalDnsServer();
const test = apiTest.extend(
  'apiEnv',
  { scope: 'file' },
  { DNS_SERVERS: dns.address, EDGE_HOSTNAME: 'edge.sho.rt', DNS_TIMEOUT_MS: '1000' },
);
test.afterAll(async () => {
  await dns.close();
});

describe('the domains a link may use', () => {
  test('lists the instance domains, default first, then the verified custom domains only', async ({
    api,
  }) => {
    const owner = await signup(api);
    const listDomains = async (auth: Record<string, string>) => {
      const res = await api.app.inject({ url: '/api/v1/link-domains', headers: auth });
      expect(res.statusCode).toBe(200);
      return (res.json() as { items: LinkDomain[] }).items;
    };
    expect(await listDomains(owner.auth)).toEqual([
      { domain: 'sho.rt', kind: 'instance', isDefault: true },
      { domain: 'localhost:8080', kind: 'instance', isDefault: false },
    ]);

    const add = async (hostname: string) =>
      (
        await api.app.inject({
          method: 'POST',
          url: '/api/v1/domains',
          headers: owner.auth,
          payload: { hostname },
        })
      ).json() as DomainView;
    const verified = await add('go.links.example');
    await add('pending.links.example');
    dns.zone.txt.set('_boltlink.go.links.example', [verified.verification.txt.value]);
    await api.app.inject({
      method: 'POST',
      url: `/api/v1/domains/${verified.id}/verify`,
      headers: owner.auth,
    });

    const offered = await listDomains(owner.auth);
    expect(offered.map((d) => d.domain)).toEqual(['sho.rt', 'localhost:8080', 'go.links.example']);
    expect(offered[2]).toEqual({ domain: 'go.links.example', kind: 'custom', isDefault: false });
    // What is offered is what POST /links accepts.
    const link = await createLink(api, owner.auth, {
      url: 'https://links.example/a',
      domain: 'go.links.example',
    });
    expect(link.domain).toBe('go.links.example');

    // An API key with links:read sees the same list; another account sees none of this workspace's domains.
    const key = await createApiKey(api, owner.token, ['links:read']);
    expect((await listDomains(key.auth)).map((d) => d.domain)).toContain('go.links.example');
    const stranger = await signup(api);
    expect((await listDomains(stranger.auth)).map((d) => d.domain)).toEqual(['sho.rt', 'localhost:8080']);
  });

  test('answers 401 without credentials', async ({ api }) => {
    expectProblem(await api.app.inject({ url: '/api/v1/link-domains' }), 401);
  });
});
