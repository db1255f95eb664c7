import { describe, expect, it } from 'vitest';
import { isoToLocalInput, localInputToIso, parseTags, readLinkOptions } from './link-options.tsx';

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

describe('the link option fields', () => {
  it('reads every option as POST /links takes it, leaving empty fields to the API defaults', () => {
    const read = readLinkOptions(
      form({
        domain: 'go.example.com',
        title: ' Spring sale ',
        tags: 'promo, spring,, promo ',
        expiresAt: '2027-03-01T09:30',
        maxClicks: '500',
        password: ' open sesame ',
        redirectType: '301',
        campaignId: '0b7f3c9e-1d2a-4c5b-8e9f-0a1b2c3d4e5f',
      }),
    );
    expect(read).toEqual({
      options: {
        domain: 'go.example.com',
        title: 'Spring sale',
        tags: ['promo', 'spring'],
        expiresAt: new Date('2027-03-01T09:30').toISOString(),
        maxClicks: 500,
        password: ' open sesame ',
        redirectType: 301,
        campaignId: '0b7f3c9e-1d2a-4c5b-8e9f-0a1b2c3d4e5f',
      },
    });
    expect(readLinkOptions(form({ domain: '', title: '', tags: '', redirectType: '' }))).toEqual({
      options: {},
    });
  });

  it('names the field to fix before anything is sent', () => {
    const problem = (fields: Record<string, string>) => {
      const read = readLinkOptions(form(fields));
      return 'problem' in read ? read.problem : null;
    };
    expect(problem({ maxClicks: '0' })).toMatch(/^click limit/);
    expect(problem({ maxClicks: '2.5' })).toMatch(/^click limit/);
    expect(problem({ tags: Array.from({ length: 11 }, (_, i) => `t${i}`).join(',') })).toMatch(
      /^tags: at most 10/,
    );
    expect(problem({ tags: 'x'.repeat(33) })).toMatch(/^tags: .* longer than 32/);
    expect(problem({ expiresAt: 'next tuesday' })).toMatch(/^expiry/);
  });

  it('shows a stored expiry in the datetime field as the same local minute it was set at', () => {
    const iso = localInputToIso('2027-03-01T09:30');
    expect(iso).toBeDefined();
    expect(isoToLocalInput(iso ?? null)).toBe('2027-03-01T09:30');
    expect(isoToLocalInput(null)).toBe('');
    expect(parseTags(' a , b ,a')).toEqual(['a', 'b']);
  });
});
