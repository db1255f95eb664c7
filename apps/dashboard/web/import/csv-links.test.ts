import { describe, expect, it } from 'vitest';
import { campaignLookup, checkRow, chunks, guessMapping, parseCsv, splitTags } from './csv-links.ts';

const table = (text: string) => {
  const parsed = parseCsv(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
};

describe('CSV import of links', () => {
  it('numbers rows as a spreadsheet does and skips blank lines without renumbering the others', () => {
    const parsed = table('\uFEFFurl,alias\nhttps://a.example,one\n\n"https://b.example/?q=1,2",two\n');
    expect(parsed.header).toEqual(['url', 'alias']);
    expect(parsed.rows).toEqual([
      { rowNumber: 2, cells: ['https://a.example', 'one'] },
      { rowNumber: 4, cells: ['https://b.example/?q=1,2', 'two'] },
    ]);
  });

  it('reads semicolon-separated files, and says what is wrong with an empty one', () => {
    expect(table('url;title\nhttps://a.example;A\nhttps://b.example;B\n').rows[1]?.cells).toEqual([
      'https://b.example',
      'B',
    ]);
    expect(parseCsv('')).toEqual({ error: expect.stringMatching(/empty/) });
    expect(parseCsv('url,alias\n')).toEqual({ error: expect.stringMatching(/no links/) });
  });

  it('maps columns by their names, whatever their case and separators', () => {
    expect(guessMapping(['Destination URL', 'Slug', 'Expires_At', 'max-clicks', 'Tags', 'Notes'])).toEqual({
      url: 0,
      alias: 1,
      expiresAt: 2,
      maxClicks: 3,
      tags: 4,
    });
  });

  it('turns a row into the body of a link, tags split on ; or |, the campaign found by name', () => {
    const header = ['url', 'alias', 'title', 'tags', 'expiresAt', 'maxClicks', 'redirectType', 'campaign'];
    const campaigns = campaignLookup([{ id: '7d0e1b8e-0000-4000-8000-000000000001', name: 'Spring Sale' }]);
    const row = {
      rowNumber: 2,
      cells: [
        'https://a.example/x',
        'spring-1',
        'Spring',
        'promo; mail|x ',
        '2027-01-31',
        '100',
        '301',
        'spring sale',
      ],
    };
    expect(checkRow(row, guessMapping(header), campaigns)).toEqual({
      ok: true,
      link: {
        url: 'https://a.example/x',
        alias: 'spring-1',
        title: 'Spring',
        tags: ['promo', 'mail', 'x'],
        expiresAt: '2027-01-31T00:00:00.000Z',
        maxClicks: 100,
        redirectType: 301,
        campaignId: '7d0e1b8e-0000-4000-8000-000000000001',
      },
    });
  });

  it('names every problem of a bad row instead of sending it', () => {
    const mapping = guessMapping(['url', 'alias', 'maxClicks', 'redirectType', 'expiresAt', 'campaign']);
    const check = checkRow(
      { rowNumber: 3, cells: ['javascript:alert(1)', 'no', '1.5', '303', 'soon', 'Unknown'] },
      mapping,
      campaignLookup([]),
    );
    expect(check).toEqual({
      ok: false,
      problems: [
        'url: must be an http:// or https:// address (got "javascript:alert(1)")',
        'alias: 3 to 64 letters, digits, "_" or "-" (got "no")',
        expect.stringMatching(/^expiresAt: not a date \(got "soon"/),
        'maxClicks: must be a whole number of at least 1 (got "1.5")',
        'redirectType: one of 301, 302, 307, 308 (got "303")',
        'campaign: no campaign "Unknown" in this workspace',
      ],
    });
    expect(checkRow({ rowNumber: 2, cells: ['x'] }, {}, campaignLookup([]))).toEqual({
      ok: false,
      problems: ['url: no column holds the destination URL'],
    });
  });

  it('sends at most 1000 links a request', () => {
    expect(chunks(Array.from({ length: 2500 }, (_, i) => i)).map((chunk) => chunk.length)).toEqual([
      1000, 1000, 500,
    ]);
    expect(splitTags(' ; |')).toEqual([]);
  });
});
