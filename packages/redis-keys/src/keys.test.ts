import { describe, expect, it } from 'vitest';
import { createRedisKeys } from './keys.ts';

/** The part of a key Redis Cluster hashes: the first {...} with at least one character inside, else the key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

const keys = createRedisKeys('bl');
const LINK_ID = '6f1c1a4e-9d1b-4c55-8f0e-2a6e8f4c9b10';

describe('createRedisKeys', () => {
  it('builds a versioned link cache key tagged by domain and code', () => {
    expect(keys.linkCache('example.com', 'abc')).toBe('bl:link:v1:{example.com/abc}');
    expect(hashTag(keys.linkCache('example.com', 'abc'))).toBe('example.com/abc');
  });

  it('puts a link and its negative entry in the same cluster slot, under different keys', () => {
    const cached = keys.linkCache('go.example', 'Xy_9');
    const negative = keys.linkNegative('go.example', 'Xy_9');
    expect(negative).not.toBe(cached);
    expect(hashTag(negative)).toBe(hashTag(cached));
  });

  it('treats domains case-insensitively and codes case-sensitively', () => {
    expect(keys.linkCache('Example.COM', 'abc')).toBe(keys.linkCache('example.com', 'abc'));
    expect(keys.linkCache('example.com', 'ABC')).not.toBe(keys.linkCache('example.com', 'abc'));
  });

  it('keeps hostile codes from changing the hash tag or the key layout', () => {
    const key = keys.linkNegative('example.com', 'a}b{c:d e');
    expect(key).toBe('bl:link-miss:v1:{example.com/a%7Db%7Bc%3Ad%20e}');
    expect(hashTag(key)).toBe('example.com/a%7Db%7Bc%3Ad%20e');
    expect(keys.linkCache('example.com', 'a/b')).not.toBe(keys.linkCache('example.com/a', 'b'));
  });

  it('tags per-entity keys by their entity', () => {
    expect(keys.clickCap(LINK_ID)).toBe(`bl:click-cap:{${LINK_ID}}`);
    expect(keys.session('ab12')).toBe('bl:session:{ab12}');
    expect(keys.sessionEpoch(LINK_ID)).toBe(`bl:session-epoch:{${LINK_ID}}`);
    expect(keys.passwordAttempts(LINK_ID, '2001:db8::1')).toBe(
      `bl:pw-attempts:{${LINK_ID}}:2001%3Adb8%3A%3A1`,
    );
    expect(hashTag(keys.passwordAttempts(LINK_ID, '10.0.0.1'))).toBe(LINK_ID);
    expect(keys.passwordLinkFailures(LINK_ID)).toBe(`bl:pw-link-failures:{${LINK_ID}}`);
    // One script touches both: they must hash to the same slot.
    expect(hashTag(keys.passwordLinkFailures(LINK_ID))).toBe(LINK_ID);
    expect(keys.budget('link-create', LINK_ID)).toBe(`bl:budget:link-create:{${LINK_ID}}`);
    expect(hashTag(keys.budget('qr-png', LINK_ID))).toBe(LINK_ID);
    expect(() => keys.budget('Link create', LINK_ID)).toThrow(/budget name/);
  });

  it('builds the shared hash, rate-limit prefixes and the invalidation channel', () => {
    expect(keys.apiKeyLastUsed()).toBe('bl:api-key-last-used');
    expect(keys.rateLimit('login')).toBe('bl:rl:login:');
    expect(keys.rateLimit('not-found')).toBe('bl:rl:not-found:');
    expect(keys.invalidationChannel()).toBe('bl:link-invalidation');
    expect(keys.domainInvalidationChannel()).toBe('bl:domain-invalidation');
    expect(() => keys.rateLimit('Login!')).toThrow(/rate-limit name/);
  });

  it('separates namespaces so no two builders can produce the same key', () => {
    const all = [
      keys.linkCache('d', 'c'),
      keys.linkNegative('d', 'c'),
      keys.clickCap('c'),
      keys.session('c'),
      keys.sessionEpoch('c'),
      keys.pendingSignup('c'),
      keys.apiKeyLastUsed(),
      keys.passwordAttempts('c', 'x'),
      keys.passwordLinkFailures('c'),
      keys.budget('c', 'x'),
      keys.invalidationChannel(),
      keys.domainInvalidationChannel(),
      keys.domainCache('d'),
      keys.accountVisitors('c', '2026-03-01', 'human'),
      keys.accountVisitors('c', '2026-03-01', 'bot'),
    ];
    expect(new Set(all).size).toBe(all.length);
    expect(createRedisKeys('t1').session('x')).not.toBe(createRedisKeys('t2').session('x'));
  });

  it("keeps an account's visitor sketches in one slot, one key per day and kind, and matches them by pattern", () => {
    const human = keys.accountVisitors('acc-1', '2026-03-01', 'human');
    expect(human).toBe('bl:visitors:v1:{acc-1}:2026-03-01:human');
    expect(keys.accountVisitors('acc-1', '2026-03-02', 'bot')).toBe('bl:visitors:v1:{acc-1}:2026-03-02:bot');
    expect(keys.accountVisitorsPattern('acc-1')).toBe('bl:visitors:v1:{acc-1}:*');
    expect(() => keys.accountVisitors('acc-1', '2026-03-01:x', 'human')).toThrow(/YYYY-MM-DD/);
  });

  it('keys a custom domain by its lower-cased host name, in a slot of its own', () => {
    expect(keys.domainCache('Go.Example.COM')).toBe('bl:domain:v1:{go.example.com}');
    expect(hashTag(keys.domainCache('go.example.com'))).toBe('go.example.com');
    expect(hashTag(keys.domainCache('a}{b'))).toBe('a%7D%7Bb');
  });

  it('refuses a prefix that could break the key layout', () => {
    for (const prefix of ['', 'a:b', '{bl}', 'b l']) {
      expect(() => createRedisKeys(prefix), prefix).toThrow(/prefix/);
    }
  });
});
