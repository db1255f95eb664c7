import { type CachedDomain, cachedDomainFromRow } from '@boltlink/redis-keys/domain-cache';
import { describe, expect, it } from 'vitest';
import { createDomainDirectory, customHostname, DomainLookupUnavailableError } from './domain-directory.ts';
import type { DomainCache, DomainStore } from './ports.ts';

interface Row {
  hostname: string;
  status: string;
  rootRedirectUrl: string | null;
  notFoundRedirectUrl: string | null;
}

/** A test double of the domains table and its Redis projection, counting the reads that reach them. */
function fakes() {
  const rows = new Map<string, Row>();
  const cached = new Map<string, CachedDomain>();
  const reads = { store: 0, cache: 0 };
  let storeDown = false;
  /** While set, a read sees the row as it is, then waits for this before answering. */
  let hold: Promise<void> | undefined;
  const store: DomainStore = {
    async findDomain(hostname) {
      reads.store += 1;
      if (storeDown) throw new Error('connection refused');
      const value = cachedDomainFromRow(hostname, rows.get(hostname) ?? null);
      await hold;
      return value;
    },
  };
  const cache: DomainCache = {
    async get(hostname) {
      reads.cache += 1;
      return cached.get(hostname);
    },
    async set(value) {
      cached.set(value.hostname, value);
    },
    async delete(hostname) {
      cached.delete(hostname);
    },
  };
  const verified = (hostname: string, extra: Partial<Row> = {}) =>
    rows.set(hostname, {
      hostname,
      status: 'verified',
      rootRedirectUrl: null,
      notFoundRedirectUrl: null,
      ...extra,
    });
  return {
    rows,
    cached,
    reads,
    store,
    cache,
    verified,
    setStoreDown: (down: boolean) => {
      storeDown = down;
    },
    holdReads: () => {
      let release = () => {};
      hold = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
  };
}

function directoryWith(f: ReturnType<typeof fakes>, ttlMs = 60_000) {
  return createDomainDirectory({
    shortDomains: ['sho.rt', 'localhost:8080'],
    defaultDomain: 'sho.rt',
    rootRedirectUrl: 'https://instance.example/',
    store: f.store,
    cache: f.cache,
    lruTtlMs: ttlMs,
    negativeLruTtlMs: ttlMs,
  });
}

describe('customHostname', () => {
  it('normalises a Host header to the form the domains table holds, or refuses it', () => {
    expect(customHostname('Go.Example.COM')).toBe('go.example.com');
    expect(customHostname('go.example.com:8443')).toBe('go.example.com');
    expect(customHostname('go.example.com.')).toBe('go.example.com');
    for (const host of [
      'localhost',
      '127.0.0.1:8080',
      '[::1]:8080',
      'a b.com',
      'exa_mple.com',
      '',
      '-a.com',
    ]) {
      expect(customHostname(host), host).toBeNull();
    }
  });
});

describe('domain directory', () => {
  it('serves instance domains from memory, with their configured redirects, without any lookup', async () => {
    const f = fakes();
    const directory = directoryWith(f);
    expect(directory.peek('sho.rt')).toMatchObject({ name: 'sho.rt', custom: false });
    expect(directory.peek('SHO.RT:8443')?.name).toBe('sho.rt');
    expect(directory.peek('localhost:8080')?.rootRedirectUrl).toBe('https://instance.example/');
    // Hosts that can never be a custom domain fall back to the default domain at once.
    expect(directory.peek('10.0.0.7:8080')?.name).toBe('sho.rt');
    expect(directory.peek(undefined)?.name).toBe('sho.rt');
    expect(f.reads).toEqual({ store: 0, cache: 0 });
  });

  it('looks a custom host up once, then answers it from memory, served or not', async () => {
    const f = fakes();
    f.verified('go.acme.com', { notFoundRedirectUrl: 'https://acme.com/missing' });
    f.rows.set('pending.acme.com', {
      hostname: 'pending.acme.com',
      status: 'pending',
      rootRedirectUrl: 'https://acme.com/',
      notFoundRedirectUrl: null,
    });
    const directory = directoryWith(f);

    expect(directory.peek('go.acme.com')).toBeUndefined();
    const [first, second] = await Promise.all([
      directory.resolve('go.acme.com'),
      directory.resolve('GO.acme.com:443'),
    ]);
    expect(first).toEqual({
      name: 'go.acme.com',
      custom: true,
      rootRedirectUrl: null,
      notFoundRedirectUrl: 'https://acme.com/missing',
    });
    expect(second).toBe(first);
    expect(f.reads.store).toBe(1);
    expect(directory.peek('go.acme.com')).toBe(first);

    // Pending and unknown hosts are served as any unknown host: the default domain, remembered as such.
    expect((await directory.resolve('pending.acme.com')).name).toBe('sho.rt');
    expect((await directory.resolve('nobody.example')).name).toBe('sho.rt');
    expect(directory.peek('nobody.example')?.name).toBe('sho.rt');
    expect(f.reads.store).toBe(3);
    // The answers went to Redis for the other edges, negative ones included.
    expect(f.cached.get('go.acme.com')?.served).toBe(true);
    expect(f.cached.get('nobody.example')?.served).toBe(false);
  });

  it('reads the shared cache before Postgres', async () => {
    const f = fakes();
    f.cached.set(
      'go.acme.com',
      cachedDomainFromRow('go.acme.com', {
        hostname: 'go.acme.com',
        status: 'verified',
        rootRedirectUrl: 'https://acme.com/',
        notFoundRedirectUrl: null,
      }),
    );
    const directory = directoryWith(f);
    expect((await directory.resolve('go.acme.com')).rootRedirectUrl).toBe('https://acme.com/');
    expect(f.reads).toEqual({ store: 0, cache: 1 });
  });

  it('forgets a domain when its change is announced, in memory and in the shared cache', async () => {
    const f = fakes();
    f.verified('go.acme.com');
    const directory = directoryWith(f);
    expect((await directory.resolve('go.acme.com')).custom).toBe(true);

    f.rows.delete('go.acme.com');
    directory.invalidate('GO.ACME.COM');
    expect(f.cached.has('go.acme.com')).toBe(false);
    expect(directory.peek('go.acme.com')).toBeUndefined();
    expect((await directory.resolve('go.acme.com')).name).toBe('sho.rt');
  });

  it('keeps neither in memory nor in Redis an answer read before an announced change', async () => {
    const f = fakes();
    f.verified('go.acme.com');
    const directory = directoryWith(f);
    const release = f.holdReads();
    const pending = directory.resolve('go.acme.com');
    while (f.reads.store === 0) await Promise.resolve();
    // The change lands while the read above is under way.
    f.rows.delete('go.acme.com');
    directory.invalidate('go.acme.com');
    release();
    expect((await pending).custom).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(f.cached.has('go.acme.com')).toBe(false);
    expect((await directory.resolve('go.acme.com')).name).toBe('sho.rt');
  });

  it('serves the last answer it had for a host through a Redis and Postgres outage, and says so when it has none', async () => {
    const f = fakes();
    f.verified('go.acme.com');
    const directory = directoryWith(f, 1);
    expect((await directory.resolve('go.acme.com')).custom).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    f.cached.clear();
    f.setStoreDown(true);
    expect(directory.peek('go.acme.com')).toBeUndefined();
    expect((await directory.resolve('go.acme.com')).name).toBe('go.acme.com');
    await expect(directory.resolve('never.seen.example')).rejects.toBeInstanceOf(
      DomainLookupUnavailableError,
    );
  });

  it('tells a TLS ask which host names it serves', async () => {
    const f = fakes();
    f.verified('go.acme.com');
    f.rows.set('pending.acme.com', {
      hostname: 'pending.acme.com',
      status: 'pending',
      rootRedirectUrl: null,
      notFoundRedirectUrl: null,
    });
    const directory = directoryWith(f);
    expect(await directory.serves('sho.rt')).toBe(true);
    expect(await directory.serves('localhost')).toBe(true);
    expect(await directory.serves('go.acme.com')).toBe(true);
    expect(await directory.serves('GO.ACME.COM.')).toBe(true);
    expect(await directory.serves('pending.acme.com')).toBe(false);
    expect(await directory.serves('nobody.example')).toBe(false);
    expect(await directory.serves('go.acme.com:443')).toBe(false);
    expect(await directory.serves('127.0.0.1')).toBe(false);
  });
});
