import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import {
  createDestinationPolicy,
  validateAlias,
  validateDestination,
  validateDomain,
  validateTags,
} from './link-rules.ts';

const policy = createDestinationPolicy(['sho.rt', 'localhost:8080', 'bücher.example'], ['blocked.example']);

const rejects = (fn: () => unknown, field: string) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('validation_failed');
    expect((error as AppError).message.startsWith(field)).toBe(true);
    return;
  }
  throw new Error('expected a validation error');
};

describe('validateDestination', () => {
  it('stores the WHATWG-normalized href', () => {
    expect(validateDestination('HTTP://Example.COM:80/a b', policy)).toBe('http://example.com/a%20b');
    expect(validateDestination('https://例え.jp/', policy)).toBe('https://xn--r8jz45g.jp/');
  });

  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'java\tscript:alert(1)',
    'java\rscript:alert(1)',
    '\u0000javascript:alert(1)',
    ' https://example.com',
    'https://example.com ',
    'data:text/html,x',
    'file:///etc/passwd',
    'blob:https://example.com/uuid',
    'https://user:pass@example.com/',
    'https://sho.rt/x',
    'https://localhost/x',
    'https://xn--bcher-kva.example/x',
    'https://bücher.example/x',
    'https://blocked.example./x',
    'https://deep.sub.blocked.example/x',
    'not a url',
  ])('rejects %j', (url) => rejects(() => validateDestination(url, policy), 'url'));

  it('does not treat a lookalike suffix as a subdomain of a blocked domain', () => {
    expect(validateDestination('https://notblocked.example/', policy)).toBe('https://notblocked.example/');
  });
});

describe('alias, domain and tags', () => {
  it('accepts valid aliases and refuses reserved ones in any case', () => {
    expect(validateAlias('Ab-_9')).toBe('Ab-_9');
    for (const alias of ['ab', 'a'.repeat(65), 'a b', 'ümlaut', 'API', 'Health', 'metrics']) {
      rejects(() => validateAlias(alias), 'alias');
    }
  });

  it('defaults to the first short domain and matches case-insensitively', () => {
    expect(validateDomain(undefined, ['sho.rt', 'b.example'])).toBe('sho.rt');
    expect(validateDomain('B.Example', ['sho.rt', 'b.example'])).toBe('b.example');
    rejects(() => validateDomain('c.example', ['sho.rt']), 'domain');
  });

  it('trims and de-duplicates tags within the limits', () => {
    expect(validateTags([' a', 'a', 'b '])).toEqual(['a', 'b']);
    rejects(() => validateTags(['  ']), 'tags');
    rejects(() => validateTags(Array.from({ length: 11 }, (_, i) => `t${i}`)), 'tags');
  });
});
