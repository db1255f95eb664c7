import { describe, expect, test } from 'vitest';
import { prefersHtml } from './prefers-html.ts';

describe('prefersHtml', () => {
  test.each([
    // What browsers send for a typed or clicked address.
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
    'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'TEXT/HTML',
    'application/json;q=0.5, text/html',
    'application/xhtml+xml',
  ])('gives a page to %s', (accept) => {
    expect(prefersHtml(accept)).toBe(true);
  });

  test.each([
    [undefined],
    [''],
    ['*/*'],
    ['application/json'],
    ['application/problem+json'],
    ['text/html, application/json'],
    ['text/html;q=0.5, application/problem+json'],
    ['text/html;q=0'],
    ['text/html;q=abc'],
    ['text/*'],
    ['text/htmlx'],
  ])('keeps problem+json for %s', (accept) => {
    expect(prefersHtml(accept)).toBe(false);
  });

  test('reads no further than the first 32 media ranges of a hostile header', () => {
    expect(prefersHtml(`${'application/x-junk, '.repeat(40)}text/html`)).toBe(false);
    expect(prefersHtml(`${'application/x-junk, '.repeat(10)}text/html`)).toBe(true);
  });
});
