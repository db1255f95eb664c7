import Papa from 'papaparse';
import type { Visit } from '../schemas/visits.ts';

export type VisitsExportFormat = 'csv' | 'ndjson';

/** The CSV columns, in order: the Visit fields. */
export const VISIT_COLUMNS = [
  'id',
  'linkId',
  'occurredAt',
  'country',
  'referrerHost',
  'device',
  'browser',
  'os',
  'bot',
  'variant',
] as const satisfies readonly (keyof Visit)[];

export const EXPORT_CONTENT_TYPE: Record<VisitsExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
};

/**
 * CSV lines of a batch (RFC 4180, CRLF). Referrer hosts and user-agent names come from visitors, so a value
 * that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with a quote
 * (papaparse's escapeFormulae).
 */
export function csvLines(rows: readonly Visit[]): string {
  if (rows.length === 0) return '';
  const data = rows.map((row) => VISIT_COLUMNS.map((column) => row[column]));
  return `${Papa.unparse(data, { header: false, newline: '\r\n', escapeFormulae: true })}\r\n`;
}

export function ndjsonLines(rows: readonly Visit[]): string {
  let out = '';
  for (const row of rows) out += `${JSON.stringify(row)}\n`;
  return out;
}

/** The export's text, chunk by chunk as the batches come: one chunk per batch, a CSV header first. */
export async function* encodeVisits(
  batches: AsyncIterable<Visit[]>,
  format: VisitsExportFormat,
): AsyncGenerator<string> {
  if (format === 'csv') yield `${VISIT_COLUMNS.join(',')}\r\n`;
  for await (const rows of batches) yield format === 'csv' ? csvLines(rows) : ndjsonLines(rows);
}
