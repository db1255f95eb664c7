import { describe, expect, it } from 'vitest';
import { createRecentMemo } from './recent-memo.ts';

describe('recent memo', () => {
  it('answers what was set, and nothing for what was not', () => {
    const memo = createRecentMemo<string, number>(4);
    memo.set('a', 1);
    expect(memo.get('a')).toBe(1);
    expect(memo.get('b')).toBeUndefined();
  });

  it('never holds more than its bound, however many keys pass through', () => {
    const memo = createRecentMemo<number, number>(100);
    for (let i = 0; i < 10_000; i += 1) {
      memo.set(i, i);
      expect(memo.size).toBeLessThanOrEqual(100);
    }
    expect(memo.get(9_999)).toBe(9_999);
    expect(memo.get(0)).toBeUndefined();
  });

  it('keeps an entry that keeps being asked for while new keys stream past', () => {
    const memo = createRecentMemo<string, string>(10);
    memo.set('hot', 'kept');
    for (let i = 0; i < 1_000; i += 1) {
      memo.set(`cold-${i}`, 'passing');
      if (i % 3 === 0) expect(memo.get('hot')).toBe('kept');
    }
    expect(memo.size).toBeLessThanOrEqual(10);
  });

  it('replaces a value without growing, and forgets everything when cleared', () => {
    const memo = createRecentMemo<string, number>(4);
    memo.set('a', 1);
    memo.set('a', 2);
    expect(memo.get('a')).toBe(2);
    expect(memo.size).toBe(1);
    memo.clear();
    expect(memo.get('a')).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('refuses a bound it cannot keep', () => {
    expect(() => createRecentMemo(1)).toThrow(/at least 2/);
  });
});
