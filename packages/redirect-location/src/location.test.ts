import { describe, expect, it } from 'vitest';
import { buildLocation } from './location.ts';

describe('buildLocation', () => {
  it('returns the destination unchanged when there is nothing to merge', () => {
    expect(buildLocation('https://example.com/a?x=%20y&flag', '', null)).toBe(
      'https://example.com/a?x=%20y&flag',
    );
  });

  it('lets the visitor win a clash and keeps the other destination parameters verbatim', () => {
    expect(buildLocation('https://example.com/a?x=1&keep=a%20b&x=2', 'x=9&new=1', null)).toBe(
      'https://example.com/a?keep=a%20b&x=9&new=1',
    );
  });

  it('applies campaign UTM parameters last, over the destination and the visitor', () => {
    const location = buildLocation('https://example.com/?utm_source=old', 'utm_source=visitor&v=1', {
      utm_source: 'newsletter',
      utm_campaign: 'spring sale',
    });
    expect(location).toBe('https://example.com/?v=1&utm_source=newsletter&utm_campaign=spring%20sale');
  });

  it('produces ASCII for non-ASCII hosts, paths, queries and fragments', () => {
    const location = buildLocation('https://bücher.example/straße?q=ü#façade', 'v=é', null);
    expect(location).toMatch(/^[\x21-\x7e]+$/);
    expect(location).toBe('https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC&v=%C3%A9#fa%C3%A7ade');
  });

  it('refuses destinations that are not http(s) URLs', () => {
    expect(buildLocation('javascript:alert(1)', '', null)).toBeNull();
    expect(buildLocation('not a url', '', null)).toBeNull();
  });

  it('keeps a malformed visitor escape as written instead of throwing', () => {
    expect(buildLocation('https://example.com/', 'bad=%E0%A4%A', null)).toBe(
      'https://example.com/?bad=%E0%A4%A',
    );
  });
});
