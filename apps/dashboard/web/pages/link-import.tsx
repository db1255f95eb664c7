import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useRouteContext } from '@tanstack/react-router';
import { type ChangeEvent, useId, useMemo, useState } from 'react';
import { problemText } from '../api.ts';
import {
  type CampaignLookup,
  type ColumnMapping,
  type CreateLink,
  type CsvRow,
  type CsvTable,
  campaignLookup,
  cellOf,
  checkRow,
  chunks,
  guessMapping,
  IMPORT_FIELDS,
  type ImportField,
  parseCsv,
} from '../import/csv-links.ts';
import { ErrorText } from '../ui/error-text.tsx';
import { useCan, useWorkspace } from '../workspace.tsx';
import './link-import.css';

// Files past this size are someone's database dump, not a list of links; refused before reading.
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const PREVIEW_ROWS = 5;
const NO_CAMPAIGNS: CampaignLookup = new Map();

const FIELD_LABELS: Record<ImportField, string> = {
  url: 'Destination URL (required)',
  alias: 'Alias',
  title: 'Title',
  tags: 'Tags (separated by ; or |)',
  expiresAt: 'Expires at',
  maxClicks: 'Click limit',
  redirectType: 'Redirect type',
  campaign: 'Campaign (name or id)',
};

interface Created {
  rowNumber: number;
  shortUrl: string;
  url: string;
}
interface Failed {
  rowNumber: number;
  input: string;
  error: string;
}
type ImportState =
  | { phase: 'idle' }
  | { phase: 'running'; done: number; total: number }
  | { phase: 'finished'; created: Created[]; failed: Failed[] };

/** The row as the person wrote it, for the problems table: its URL and alias are how they find it again. */
function describe(row: CsvRow, mapping: ColumnMapping): string {
  const url = cellOf(row, mapping, 'url');
  const alias = cellOf(row, mapping, 'alias');
  const text = [url || '(no url)', alias && `alias ${alias}`].filter(Boolean).join(', ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Every campaign of the workspace (a CSV names them), read once when a campaign column is mapped. */
function useCampaigns(enabled: boolean) {
  const { api } = useRouteContext({ from: '__root__' });
  return useQuery({
    queryKey: ['campaigns', 'all'],
    enabled,
    queryFn: async () => {
      const all: { id: string; name: string }[] = [];
      let cursor: string | undefined;
      do {
        const { data, error } = await api.GET('/api/v1/campaigns', {
          params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } },
        });
        if (!data) throw new Error(problemText(error, 'could not load the campaigns'));
        all.push(...data.items);
        cursor = data.nextCursor ?? undefined;
      } while (cursor);
      return campaignLookup(all);
    },
  });
}

function MappingForm(props: {
  header: string[];
  mapping: ColumnMapping;
  onChange: (mapping: ColumnMapping) => void;
  disabled: boolean;
}) {
  const id = useId();
  return (
    <fieldset className="import-mapping" disabled={props.disabled}>
      <legend>Which column holds what</legend>
      {IMPORT_FIELDS.map((field) => (
        <div key={field}>
          <label htmlFor={`${id}-${field}`}>{FIELD_LABELS[field]}</label>
          <select
            id={`${id}-${field}`}
            value={props.mapping[field] ?? ''}
            onChange={(event) => {
              const next = { ...props.mapping };
              if (event.target.value === '') delete next[field];
              else next[field] = Number(event.target.value);
              props.onChange(next);
            }}
          >
            <option value="">(not imported)</option>
            {props.header.map((name, index) => (
              <option key={index} value={index}>
                {name || `Column ${index + 1}`}
              </option>
            ))}
          </select>
        </div>
      ))}
    </fieldset>
  );
}

function Preview({
  table,
  mapping,
  checks,
}: {
  table: CsvTable;
  mapping: ColumnMapping;
  checks: Map<number, string[]>;
}) {
  const rows = table.rows.slice(0, PREVIEW_ROWS);
  return (
    <div className="table-scroll">
      <table>
        <caption>
          Preview: the first {rows.length} of {table.rows.length} rows as they will be imported
        </caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            {IMPORT_FIELDS.filter((field) => mapping[field] !== undefined).map((field) => (
              <th scope="col" key={field}>
                {field}
              </th>
            ))}
            <th scope="col">Problems</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.rowNumber}>
              <td>{row.rowNumber}</td>
              {IMPORT_FIELDS.filter((field) => mapping[field] !== undefined).map((field) => (
                <td key={field} className={field === 'url' ? 'url' : undefined}>
                  {cellOf(row, mapping, field)}
                </td>
              ))}
              <td className="error">{checks.get(row.rowNumber)?.join('; ') ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ProblemsTable({ failed }: { failed: Failed[] }) {
  return (
    <div className="table-scroll">
      <table data-testid="import-problems">
        <caption>Rows not imported ({failed.length}), with the reason</caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Input</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {failed.map((row) => (
            <tr key={row.rowNumber}>
              <td>{row.rowNumber}</td>
              <td className="url">{row.input}</td>
              <td className="error">{row.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CreatedTable({ created }: { created: Created[] }) {
  return (
    <div className="table-scroll">
      <table data-testid="import-created">
        <caption>Links created ({created.length})</caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Short URL</th>
            <th scope="col">Destination</th>
          </tr>
        </thead>
        <tbody>
          {created.map((row) => (
            <tr key={row.rowNumber}>
              <td>{row.rowNumber}</td>
              <td>
                <a href={row.shortUrl}>{row.shortUrl}</a>
              </td>
              <td className="url">{row.url}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Importer() {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const [fileName, setFileName] = useState<string | null>(null);
  const [table, setTable] = useState<CsvTable | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [mapping, setMapping] = useState<ColumnMapping>({});
  const [state, setState] = useState<ImportState>({ phase: 'idle' });
  const campaigns = useCampaigns(mapping.campaign !== undefined);

  const lookup = campaigns.data ?? NO_CAMPAIGNS;
  const checked = useMemo(
    () => (table ? table.rows.map((row) => ({ row, check: checkRow(row, mapping, lookup) })) : []),
    [table, mapping, lookup],
  );
  const problems = new Map(
    checked.flatMap(({ row, check }) => (check.ok ? [] : [[row.rowNumber, check.problems] as const])),
  );
  // Rows refused before sending, with the reasons, as the problems table lists them.
  const refused: Failed[] = checked.flatMap(({ row, check }) =>
    check.ok
      ? []
      : [{ rowNumber: row.rowNumber, input: describe(row, mapping), error: check.problems.join('; ') }],
  );
  const ready = checked.flatMap(({ row, check }) => (check.ok ? [{ row, link: check.link }] : []));
  const waitingForCampaigns = mapping.campaign !== undefined && !campaigns.data;

  async function pick(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    setState({ phase: 'idle' });
    setTable(null);
    setFileError(null);
    setFileName(file?.name ?? null);
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setFileError(
        `The file is ${(file.size / 1024 / 1024).toFixed(1)} MB; at most 10 MB can be imported at once.`,
      );
      return;
    }
    const parsed = parseCsv(await file.text());
    if ('error' in parsed) {
      setFileError(parsed.error);
      return;
    }
    setTable(parsed);
    setMapping(guessMapping(parsed.header));
  }

  async function runImport() {
    if (!table) return;
    const failed = [...refused];
    const created: Created[] = [];
    const batches = chunks(ready);
    let done = 0;
    setState({ phase: 'running', done, total: ready.length });
    for (const [index, batch] of batches.entries()) {
      const { data, error, response } = await api.POST('/api/v1/links/bulk', {
        body: { links: batch.map((item): CreateLink => item.link) },
      });
      if (!data) {
        // 429 (a workspace budget) or 413 create nothing in this request: its rows and those after it stay out.
        const reason = problemText(error, `the import request failed (${response.status})`);
        for (const rest of batches.slice(index).flat()) {
          failed.push({ rowNumber: rest.row.rowNumber, input: describe(rest.row, mapping), error: reason });
        }
        break;
      }
      data.items.forEach((result, i) => {
        const item = batch[i];
        if (!item) return;
        if ('error' in result) {
          failed.push({
            rowNumber: item.row.rowNumber,
            input: describe(item.row, mapping),
            error: result.error.detail,
          });
        } else created.push({ rowNumber: item.row.rowNumber, shortUrl: result.shortUrl, url: result.url });
      });
      done += batch.length;
      setState({ phase: 'running', done, total: ready.length });
    }
    failed.sort((a, b) => a.rowNumber - b.rowNumber);
    setState({ phase: 'finished', created, failed });
    await queryClient.invalidateQueries({ queryKey: ['links'] });
  }

  const running = state.phase === 'running';
  return (
    <>
      <section className="card">
        <h1>Import links</h1>
        <p>
          A CSV file with a header row: one link a row. Columns named <code>url</code>, <code>alias</code>,{' '}
          <code>title</code>, <code>tags</code> (separated by <code>;</code> or <code>|</code>),{' '}
          <code>expiresAt</code>, <code>maxClicks</code>, <code>redirectType</code> and <code>campaign</code>{' '}
          are recognised; choose the others below.
        </p>
        <label htmlFor={`${id}-file`}>CSV file</label>{' '}
        <input
          id={`${id}-file`}
          type="file"
          accept=".csv,text/csv,text/plain"
          disabled={running}
          onChange={(event) => void pick(event)}
        />
        {fileError && (
          <p role="alert" className="error">
            {fileName}: {fileError}
          </p>
        )}
      </section>

      {table && (
        <section className="card" aria-labelledby={`${id}-columns`}>
          <h2 id={`${id}-columns`}>Columns and preview</h2>
          <MappingForm header={table.header} mapping={mapping} onChange={setMapping} disabled={running} />
          <ErrorText error={campaigns.error} />
          <Preview table={table} mapping={mapping} checks={problems} />
          <p role="status">
            {table.rows.length} rows: {ready.length} ready to import
            {problems.size > 0 ? `, ${problems.size} with problems (not sent; listed below)` : ''}.
          </p>
          {state.phase !== 'finished' && problems.size > 0 && <ProblemsTable failed={refused} />}
          <div className="actions">
            <button
              type="button"
              disabled={running || ready.length === 0 || waitingForCampaigns}
              onClick={() => void runImport()}
            >
              Import {ready.length} {ready.length === 1 ? 'link' : 'links'}
            </button>
          </div>
          {running && (
            <p>
              <label htmlFor={`${id}-progress`}>
                Importing: {state.done} of {state.total}
              </label>{' '}
              <progress id={`${id}-progress`} max={state.total} value={state.done} />
            </p>
          )}
        </section>
      )}

      {state.phase === 'finished' && (
        <section className="card" aria-labelledby={`${id}-result`}>
          <h2 id={`${id}-result`}>Result</h2>
          <p role="status">
            {state.created.length} {state.created.length === 1 ? 'link' : 'links'} created,{' '}
            {state.failed.length} {state.failed.length === 1 ? 'row' : 'rows'} not imported.
          </p>
          {state.failed.length > 0 && <ProblemsTable failed={state.failed} />}
          {state.created.length > 0 && <CreatedTable created={state.created} />}
          <p>
            <Link to="/links">Back to the links</Link>
          </p>
        </section>
      )}
    </>
  );
}

export function LinkImportPage() {
  const { workspace } = useWorkspace();
  const canWrite = useCan('links:write');
  if (!workspace) return <p>Loading…</p>;
  if (canWrite) return <Importer />;
  return (
    <section className="card">
      <h1>Import links</h1>
      <p>
        Your role in {workspace.name} ({workspace.role}) does not create links; an owner or admin can change
        it.
      </p>
    </section>
  );
}
