import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { compileVariants, LinkVariants, visitorBucketHash } from './variants.ts';

const LINK = '5b0f4c1e-8d2a-4c55-9a7e-3f1d2b6c7a80';
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36';

const split = (...weights: number[]) =>
  weights.map((weight, i) => ({ name: `v${i}`, url: `https://example.com/${i}`, weight }));

function shares(weights: number[], visitors: number): number[] {
  const compiled = compileVariants(split(...weights));
  const counts = weights.map(() => 0);
  for (let i = 0; i < visitors; i += 1) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const index = compiled.pick(visitorBucketHash(LINK, ip, UA));
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts.map((count) => count / visitors);
}

describe('visitor variant', () => {
  it('is the same for the same link, IP and User-Agent, and differs between links for some visitors', () => {
    const hash = visitorBucketHash(LINK, '203.0.113.7', UA);
    expect(visitorBucketHash(LINK, '203.0.113.7', UA)).toBe(hash);
    expect(visitorBucketHash(LINK, '203.0.113.7', `${UA} `)).not.toBe(hash);
    expect(visitorBucketHash(LINK.replace('5b', '6b'), '203.0.113.7', UA)).not.toBe(hash);
    expect(visitorBucketHash(LINK, '203.0.113.7', undefined)).toBe(
      visitorBucketHash(LINK, '203.0.113.7', ''),
    );
    expect(hash).toBeGreaterThanOrEqual(0);
    expect(hash).toBeLessThan(2 ** 32);
  });

  it('keeps every visitor on the variant earlier releases gave them (hashes pinned)', () => {
    expect([
      visitorBucketHash(LINK, '203.0.113.7', UA),
      visitorBucketHash(LINK, '2001:db8::1', undefined),
      visitorBucketHash(LINK, '198.51.100.23', 'curl/8.5.0'),
    ]).toEqual([2033832633, 2494877326, 405363111]);
  });

  it('picks the same variant from a split compiled for its link as from the whole hash', () => {
    const compiled = compileVariants(split(5, 3, 2), LINK);
    for (let i = 0; i < 2000; i += 1) {
      const ip = `192.0.${(i >> 8) & 255}.${i & 255}`;
      const agent = i % 7 === 0 ? undefined : `${UA} ${i % 13}`;
      expect(compiled.pickFor(ip, agent)).toBe(compiled.pick(visitorBucketHash(LINK, ip, agent)));
    }
  });

  it('shares visitors by weight (loose bounds over 20 000 visitors)', () => {
    const [a, b] = shares([1, 1], 20_000) as [number, number];
    expect(Math.abs(a - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(b - 0.5)).toBeLessThan(0.03);
    const weighted = shares([70, 20, 10], 20_000);
    expect(Math.abs((weighted[0] as number) - 0.7)).toBeLessThan(0.03);
    expect(Math.abs((weighted[1] as number) - 0.2)).toBeLessThan(0.03);
    expect(Math.abs((weighted[2] as number) - 0.1)).toBeLessThan(0.03);
  });

  it('gives the bucket ranges in order: the first weight holds the lowest buckets', () => {
    const compiled = compileVariants(split(1, 2, 3));
    expect([0, 1, 2, 3, 4, 5, 6].map((hash) => compiled.pick(hash))).toEqual([0, 1, 1, 2, 2, 2, 0]);
  });
});

describe('variants schema', () => {
  const check = Compile(LinkVariants);
  it('takes 2 to 10 named, weighted destinations and refuses the rest', () => {
    expect(check.Check(split(1, 1))).toBe(true);
    expect(check.Check(split(1))).toBe(false);
    expect(check.Check(split(...Array.from({ length: 11 }, () => 1)))).toBe(false);
    expect(check.Check([{ name: 'Bad', url: 'https://a/', weight: 1 }, ...split(1)])).toBe(false);
    expect(check.Check(split(0, 1))).toBe(false);
    expect(check.Check(split(1001, 1))).toBe(false);
  });
});
