import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { Visit } from '../schemas/visits.ts';
import { csvLines, encodeVisits, ndjsonLines, VISIT_COLUMNS } from './visits-export.ts';

const visit = (overrides: Partial<Visit> = {}): Visit => ({
  id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  linkId: '6f1c2a9e-0b7d-4c3e-9a41-7d2b00000010',
  occurredAt: '2026-12-07T13:48:00.123000Z',
  country: 'DE',
  referrerHost: 'news.example',
  device: 'mobile',
  browser: 'Safari',
  os: 'iOS',
  bot: false,
  variant: 'control',
  ...overrides,
});

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

async function* batchesOf(...batches: Visit[][]) {
  yield* batches;
}

describe('visit exports', () => {
  it('writes a CSV header, then one line per visit that a CSV reader reads back as the visit', async () => {
    const rows = [visit(), visit({ country: null, referrerHost: null, bot: true })];
    const text = await collect(encodeVisits(batchesOf(rows), 'csv'));
    const parsed = Papa.parse<string[]>(text.trimEnd(), { newline: '\r\n' }).data;
    expect(parsed[0]).toEqual([...VISIT_COLUMNS]);
    expect(parsed[1]).toEqual([
      visit().id,
      visit().linkId,
      '2026-12-07T13:48:00.123000Z',
      'DE',
      'news.example',
      'mobile',
      'Safari',
      'iOS',
      'false',
      'control',
    ]);
    expect(parsed[2]?.slice(3, 5)).toEqual(['', '']);
    expect(parsed[2]?.[8]).toBe('true');
  });

  it('writes only the header for an export without visits', async () => {
    expect(await collect(encodeVisits(batchesOf(), 'csv'))).toBe(`${VISIT_COLUMNS.join(',')}\r\n`);
    expect(await collect(encodeVisits(batchesOf(), 'ndjson'))).toBe('');
  });

  it('quotes commas, quotes and line breaks, and defuses values a spreadsheet would run as formulas', () => {
    const line = csvLines([
      visit({
        referrerHost: '=HYPERLINK("http://evil.example")',
        browser: 'Evil, "Browser"\nv2',
        os: '@SUM(1)',
      }),
    ]);
    const [parsed] = Papa.parse<string[]>(line.trimEnd(), { newline: '\r\n' }).data;
    expect(parsed?.[4]).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(parsed?.[6]).toBe('Evil, "Browser"\nv2');
    expect(parsed?.[7]).toBe(`'@SUM(1)`);
  });

  it('writes NDJSON as one Visit object a line', () => {
    const rows = [visit(), visit({ bot: true })];
    const lines = ndjsonLines(rows).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual(rows);
  });
});
