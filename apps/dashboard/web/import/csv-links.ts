import type { components } from '@boltlink/api-client/client';
import Papa from 'papaparse';

export type CreateLink = components['schemas']['CreateLink'];

/** The link fields a CSV column can fill, in the order the mapping shows them. */
export const IMPORT_FIELDS = [
  'url',
  'alias',
  'title',
  'tags',
  'expiresAt',
  'maxClicks',
  'redirectType',
  'campaign',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Which column (index in the header row) fills which field; a field without a column stays unset. */
export type ColumnMapping = Partial<Record<ImportField, number>>;

export interface CsvRow {
  /** The row's number in the file as a spreadsheet counts it: the header row is 1. */
  rowNumber: number;
  cells: string[];
}

export interface CsvTable {
  header: string[];
  rows: CsvRow[];
}

/** The bulk route's size, and so the size of each request of an import. */
export const BULK_LIMIT = 1000;
// The same bounds as the API's link schema, so most mistakes are named before anything is sent.
const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 32;
const MAX_TITLE_LENGTH = 500;
const MAX_CLICKS = 2_147_483_647;
const ALIAS = /^[A-Za-z0-9_-]{3,64}$/;
const REDIRECT_TYPES = [301, 302, 307, 308] as const;

/**
 * Header names each field is recognised by, compared lower-cased without spaces, dashes or underscores
 * ("Expires at", "expires_at" and "expiresAt" are the same), so exports of other shorteners map themselves.
 */
const HEADER_NAMES: Record<ImportField, string[]> = {
  url: ['url', 'destination', 'destinationurl', 'longurl', 'target', 'targeturl', 'link'],
  alias: ['alias', 'code', 'shortcode', 'slug', 'key', 'backhalf'],
  title: ['title', 'name'],
  tags: ['tags', 'tag', 'labels'],
  expiresAt: ['expiresat', 'expires', 'expiry', 'expiration', 'expirationdate'],
  maxClicks: ['maxclicks', 'clicklimit', 'clickcap', 'maxvisits'],
  redirectType: ['redirecttype', 'redirect', 'redirectstatus', 'statuscode'],
  campaign: ['campaign', 'campaignname', 'campaignid'],
};

const normalise = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '');

/**
 * Parses the text of a CSV file (comma, semicolon, tab or pipe separated; quoted fields may hold separators
 * and line breaks) into its header row and the data rows that hold anything. An empty file, or one with a
 * header row only, is an error a person can act on.
 */
export function parseCsv(text: string): CsvTable | { error: string } {
  const content = text.replace(/^\uFEFF/, '');
  const parsed = Papa.parse<string[]>(content, { delimiter: delimiterOf(content), skipEmptyLines: false });
  // An unclosed quote swallows the rest of the file into one cell: nothing after it can be trusted.
  const quote = parsed.errors.find((error) => error.type === 'Quotes');
  if (quote)
    return { error: `Row ${(quote.row ?? 0) + 1}: ${quote.message}; fix the file and pick it again.` };
  const [header, ...records] = parsed.data;
  if (!header || header.every((cell) => cell.trim() === '')) {
    return { error: 'The file is empty: the first row must name the columns (url, alias, title, …).' };
  }
  const rows = records
    .map((cells, index) => ({ rowNumber: index + 2, cells }))
    .filter((row) => row.cells.some((cell) => cell.trim() !== ''));
  if (rows.length === 0) return { error: 'The file has a header row but no links below it.' };
  return { header: header.map((cell) => cell.trim()), rows };
}

/**
 * The separator is the one the header row uses most: the header names columns, so it holds no tag lists
 * (`a;b`) that would mislead a guess made over the data rows, and blank lines cannot sway it.
 */
function delimiterOf(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = firstLine.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/** The column each field is read from, guessed from the header row's names. */
export function guessMapping(header: readonly string[]): ColumnMapping {
  const names = header.map(normalise);
  const mapping: ColumnMapping = {};
  for (const field of IMPORT_FIELDS) {
    const index = names.findIndex((name) => HEADER_NAMES[field].includes(name));
    if (index !== -1) mapping[field] = index;
  }
  return mapping;
}

/** Campaigns of the workspace by lower-cased name and by id: a CSV names a campaign either way. */
export type CampaignLookup = ReadonlyMap<string, string>;

export function campaignLookup(campaigns: readonly { id: string; name: string }[]): CampaignLookup {
  const lookup = new Map<string, string>();
  for (const campaign of campaigns) {
    lookup.set(campaign.id.toLowerCase(), campaign.id);
    lookup.set(campaign.name.trim().toLowerCase(), campaign.id);
  }
  return lookup;
}

/** A row turned into the body of one link, or the reasons it cannot be one (never sent). */
export type RowCheck = { ok: true; link: CreateLink } | { ok: false; problems: string[] };

/** The value of a field in a row, trimmed; '' when the field has no column or the cell is missing. */
export function cellOf(row: CsvRow, mapping: ColumnMapping, field: ImportField): string {
  const index = mapping[field];
  return index === undefined ? '' : (row.cells[index] ?? '').trim();
}

/** Tags in one cell, separated by `;` or `|` (a comma separates the columns). */
export const splitTags = (value: string): string[] =>
  value
    .split(/[;|]/)
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');

export function checkRow(row: CsvRow, mapping: ColumnMapping, campaigns: CampaignLookup): RowCheck {
  const problems: string[] = [];
  const value = (field: ImportField) => cellOf(row, mapping, field);
  const link: CreateLink = { url: value('url') };

  if (mapping.url === undefined) problems.push('url: no column holds the destination URL');
  else if (link.url === '') problems.push('url: is empty');
  else if (!isHttpUrl(link.url))
    problems.push(`url: must be an http:// or https:// address (got "${link.url}")`);

  const alias = value('alias');
  if (alias !== '') {
    if (ALIAS.test(alias)) link.alias = alias;
    else problems.push(`alias: 3 to 64 letters, digits, "_" or "-" (got "${alias}")`);
  }

  const title = value('title');
  if (title !== '') {
    if (title.length <= MAX_TITLE_LENGTH) link.title = title;
    else problems.push(`title: at most ${MAX_TITLE_LENGTH} characters`);
  }

  const tags = splitTags(value('tags'));
  if (tags.length > MAX_TAGS) problems.push(`tags: at most ${MAX_TAGS} (got ${tags.length})`);
  else if (tags.some((tag) => tag.length > MAX_TAG_LENGTH)) {
    problems.push(`tags: each at most ${MAX_TAG_LENGTH} characters`);
  } else if (tags.length > 0) link.tags = tags;

  const expiresAt = value('expiresAt');
  if (expiresAt !== '') {
    const time = Date.parse(expiresAt);
    if (Number.isNaN(time)) {
      problems.push(
        `expiresAt: not a date (got "${expiresAt}"; write e.g. 2027-01-31 or 2027-01-31T18:00:00Z)`,
      );
    } else link.expiresAt = new Date(time).toISOString();
  }

  const maxClicks = value('maxClicks');
  if (maxClicks !== '') {
    const count = /^\d+$/.test(maxClicks) ? Number(maxClicks) : Number.NaN;
    if (count >= 1 && count <= MAX_CLICKS) link.maxClicks = count;
    else problems.push(`maxClicks: must be a whole number of at least 1 (got "${maxClicks}")`);
  }

  const redirectType = value('redirectType');
  if (redirectType !== '') {
    const status = REDIRECT_TYPES.find((type) => String(type) === redirectType);
    if (status !== undefined) link.redirectType = status;
    else problems.push(`redirectType: one of 301, 302, 307, 308 (got "${redirectType}")`);
  }

  const campaign = value('campaign');
  if (campaign !== '') {
    const id = campaigns.get(campaign.toLowerCase());
    if (id !== undefined) link.campaignId = id;
    else problems.push(`campaign: no campaign "${campaign}" in this workspace`);
  }

  return problems.length === 0 ? { ok: true, link } : { ok: false, problems };
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Splits the rows to send into requests of at most `size` (the bulk route's limit). */
export function chunks<T>(items: readonly T[], size = BULK_LIMIT): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
