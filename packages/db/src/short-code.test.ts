import { describe, expect, it } from 'vitest';
import { isAlias, isShortCode, SHORT_CODE_PATTERN, shortCodeOfPath } from './short-code.ts';

describe('short code format', () => {
  it.each([
    ['abc', true],
    ['A-b_9', true],
    ['a', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['a.b', false],
    ['a~b', false],
    ['a%41', false],
    ['ä', false],
    ['a/b', false],
  ])('%j is a code: %s', (value, expected) => {
    expect(isShortCode(value)).toBe(expected);
  });

  it('takes aliases of 3 to 64 code characters', () => {
    expect(isAlias('ab')).toBe(false);
    expect(isAlias('abc')).toBe(true);
    expect(isAlias('a'.repeat(64))).toBe(true);
    expect(isAlias('a'.repeat(65))).toBe(false);
    expect(isAlias('a b')).toBe(false);
  });

  it.each([
    ['/abc', 'abc'],
    ['/abc?x=1', 'abc'],
    ['/A-b_9?', 'A-b_9'],
    [`/${'a'.repeat(64)}`, 'a'.repeat(64)],
    [`/${'a'.repeat(65)}`, null],
    ['/', null],
    ['/?x=1', null],
    ['abc', null],
    ['/a/b', null],
    ['/a%2Fb', null],
    ['/abc/', null],
    ['/a;b', null],
    ['/a.b', null],
  ])('finds the code of %j: %j', (url, expected) => {
    expect(shortCodeOfPath(url)).toBe(expected);
  });

  it('agrees with the pattern on every ASCII character', () => {
    const pattern = new RegExp(SHORT_CODE_PATTERN);
    for (let c = 0; c < 128; c += 1) {
      const value = String.fromCharCode(c);
      if (value === '?') continue; // ends the path, by design
      expect(shortCodeOfPath(`/${value}`) === value).toBe(pattern.test(value));
    }
  });
});
