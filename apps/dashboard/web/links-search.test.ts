import { describe, expect, it } from 'vitest';
import { validateLinksSearch } from './links-search.ts';

const CURSOR = Buffer.from(JSON.stringify([1, '2026-12-07T10:00:00.123456Z', 'x'])).toString('base64url');

describe('the links table in the URL', () => {
  it('keeps the filters and the trail of page cursors a bookmark carries', () => {
    expect(
      validateLinksSearch({
        q: '  spring ',
        tag: 'promo',
        domain: 'go.example.com',
        campaignId: '0b7f3c9e-1d2a-4c5b-8e9f-0a1b2c3d4e5f',
        pages: [CURSOR, CURSOR],
      }),
    ).toEqual({
      q: 'spring',
      tag: 'promo',
      domain: 'go.example.com',
      campaignId: '0b7f3c9e-1d2a-4c5b-8e9f-0a1b2c3d4e5f',
      pages: [CURSOR, CURSOR],
    });
  });

  it('drops what the API would refuse instead of failing the page: empty, too long, not a uuid, not a cursor', () => {
    expect(
      validateLinksSearch({
        q: '   ',
        tag: 'x'.repeat(33),
        domain: 42,
        campaignId: 'launch',
        pages: [CURSOR, 'not a cursor!'],
      }),
    ).toEqual({});
    expect(validateLinksSearch({ pages: 'abc' })).toEqual({});
    expect(validateLinksSearch({ q: 'x'.repeat(201) })).toEqual({});
  });
});
