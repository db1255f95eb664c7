import { describe, expect, it } from 'vitest';
import type { LinkCache, LinkStore, RedirectLink } from './ports.ts';
import { createLinkResolver, LinkLookupUnavailableError } from './resolve-link.ts';

const LINK: RedirectLink = {
  v: 1,
  id: 'link-1',
  url: 'https://example.com/',
  redirectType: 302,
  expiresAt: null,
  maxClicks: null,
  passwordHash: null,
  utm: null,
};

/** Port doubles for unit tests; the integration tests run the real Redis and Postgres adapters. */
function fakes(options: { cacheDown?: boolean } = {}) {
  const calls = { store: 0, cacheSet: 0, cacheMissing: 0 };
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const rows = new Map<string, RedirectLink>([['sho.rt/abc', LINK]]);
  const store: LinkStore = {
    async findLink(domain, code) {
      calls.store += 1;
      await gate;
      return rows.get(`${domain}/${code}`) ?? null;
    },
    async humanClickCount() {
      return 0;
    },
  };
  const cache: LinkCache = {
    async get() {
      if (options.cacheDown) throw new Error('redis down');
      return undefined;
    },
    async set() {
      calls.cacheSet += 1;
    },
    async setMissing() {
      calls.cacheMissing += 1;
    },
  };
  return { calls, store, cache, release, rows };
}

describe('link resolver', () => {
  it('coalesces concurrent misses into one store lookup and then answers from memory', async () => {
    const f = fakes();
    const resolver = createLinkResolver({ ...f, lruMax: 10, lruTtlMs: 60_000, negativeLruTtlMs: 1000 });
    const pending = Array.from({ length: 50 }, () => resolver.resolve('sho.rt', 'abc'));
    f.release();
    const answers = await Promise.all(pending);
    expect(answers.every((link) => link === LINK)).toBe(true);
    expect(f.calls.store).toBe(1);
    expect(f.calls.cacheSet).toBe(1);
    expect(resolver.peek('sho.rt', 'abc')).toBe(LINK);
  });

  it('remembers unknown codes (null) separately from "not in memory" (undefined)', async () => {
    const f = fakes();
    f.release();
    const resolver = createLinkResolver({ ...f, lruMax: 10, lruTtlMs: 60_000, negativeLruTtlMs: 60_000 });
    expect(resolver.peek('sho.rt', 'nope')).toBeUndefined();
    expect(await resolver.resolve('sho.rt', 'nope')).toBeNull();
    expect(resolver.peek('sho.rt', 'nope')).toBeNull();
    expect(f.calls.cacheMissing).toBe(1);
  });

  it('does not keep an answer that was invalidated while it was being loaded', async () => {
    const f = fakes();
    const resolver = createLinkResolver({ ...f, lruMax: 10, lruTtlMs: 60_000, negativeLruTtlMs: 1000 });
    const pending = resolver.resolve('sho.rt', 'abc');
    resolver.invalidate('sho.rt', 'abc');
    f.release();
    expect(await pending).toBe(LINK);
    expect(resolver.peek('sho.rt', 'abc')).toBeUndefined();
  });

  it('falls through to the store when the cache is down, and reports the store being down as unavailable', async () => {
    const f = fakes({ cacheDown: true });
    f.release();
    const resolver = createLinkResolver({ ...f, lruMax: 0, lruTtlMs: 0, negativeLruTtlMs: 0 });
    expect(await resolver.resolve('sho.rt', 'abc')).toBe(LINK);
    expect(f.calls.cacheSet).toBe(0);

    const broken = createLinkResolver({
      store: {
        findLink: async () => {
          throw new Error('ECONNREFUSED');
        },
        humanClickCount: async () => null,
      },
      cache: f.cache,
      lruMax: 10,
      lruTtlMs: 1000,
      negativeLruTtlMs: 1000,
    });
    await expect(broken.resolve('sho.rt', 'abc')).rejects.toBeInstanceOf(LinkLookupUnavailableError);
  });
});
