import type { paths } from '@boltlink/api-client/client';
import { useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useRouteContext, useSearch } from '@tanstack/react-router';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { problemText } from '../api.ts';
import { linkKeys, linkQuery } from '../link-queries.ts';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import {
  checkFilter,
  FILTER_LABELS,
  TEXT_FILTERS,
  type TextFilter,
  VISIT_RANGES,
  type VisitRange,
  type VisitsQuery,
  type VisitsSearch,
} from '../visits-search.ts';
import { keptSince, VISIT_RANGE_LABELS, visitsQuery } from './visits-query.ts';
import './visits.css';
import { LoadMore } from '../ui/load-more.tsx';

type VisitPage = paths['/api/v1/visits']['get']['responses'][200]['content']['application/json'];
type Visit = VisitPage['items'][number];
type Format = 'csv' | 'ndjson';

const PAGE_SIZE = 50;
const numbers = new Intl.NumberFormat();

const FILTER_HINTS: Record<TextFilter, string> = {
  country: 'Two letters (DE), or unknown',
  referrer: 'A host (news.example), or (direct)',
  device: 'desktop, mobile, tablet…',
  browser: 'As the stats name it: Chrome, Firefox',
  os: 'As the stats name it: iOS, Windows',
  variant: "An A/B split's variant: control, b…",
};

/** The filters of a visits page, applied together: each application is a new URL, so a view can be shared. */
function VisitsFilters({ search, onApply }: { search: VisitsSearch; onApply: (next: VisitsSearch) => void }) {
  const id = useId();
  const [range, setRange] = useState<VisitRange>(search.range ?? 'all');
  const [problem, setProblem] = useState<string | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: VisitsSearch = {};
    if (range !== 'all') next.range = range;
    if (range === 'custom') {
      const from = String(form.get('from') ?? '');
      const to = String(form.get('to') ?? '');
      if (from === '' || to === '') {
        setProblem('Choose the first and the last day.');
        return;
      }
      next.from = from;
      next.to = to;
    }
    for (const name of TEXT_FILTERS) {
      const checked = checkFilter(name, String(form.get(name) ?? ''));
      if ('problem' in checked) {
        setProblem(checked.problem);
        return;
      }
      if (checked.value !== undefined) next[name] = checked.value;
    }
    const bot = form.get('bot');
    if (bot === 'true') next.bot = true;
    if (bot === 'false') next.bot = false;
    setProblem(null);
    onApply(next);
  }

  return (
    <form className="visits-filters" onSubmit={submit} aria-label="Filter visits" noValidate>
      <div className="field">
        <label htmlFor={`${id}-range`}>Time range</label>
        <select
          id={`${id}-range`}
          name="range"
          value={range}
          onChange={(event) => setRange(event.target.value as VisitRange)}
        >
          {VISIT_RANGES.map((name) => (
            <option key={name} value={name}>
              {VISIT_RANGE_LABELS[name]}
            </option>
          ))}
        </select>
      </div>
      {range === 'custom' && (
        <>
          <div className="field">
            <label htmlFor={`${id}-from`}>From (UTC day)</label>
            <input id={`${id}-from`} name="from" type="date" defaultValue={search.from ?? ''} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To (UTC day)</label>
            <input id={`${id}-to`} name="to" type="date" defaultValue={search.to ?? ''} />
          </div>
        </>
      )}
      {TEXT_FILTERS.map((name) => (
        <div className="field" key={name}>
          <label htmlFor={`${id}-${name}`}>{FILTER_LABELS[name]}</label>
          <input
            id={`${id}-${name}`}
            name={name}
            defaultValue={search[name] ?? ''}
            aria-describedby={`${id}-${name}-hint`}
            maxLength={255}
          />
          <small id={`${id}-${name}-hint`} className="muted">
            {FILTER_HINTS[name]}
          </small>
        </div>
      ))}
      <div className="field">
        <label htmlFor={`${id}-bot`}>Bots</label>
        <select id={`${id}-bot`} name="bot" defaultValue={search.bot === undefined ? '' : String(search.bot)}>
          <option value="">People and bots</option>
          <option value="false">People only</option>
          <option value="true">Bots only</option>
        </select>
      </div>
      <div className="actions start visits-apply">
        <button type="submit">Apply filters</button>
      </div>
      <ErrorText error={problem} />
    </form>
  );
}

/**
 * The short link each visit went to (workspace view): one `GET /links?ids=` per page of visits (at most 50
 * links, within the API's 100), cached by the page's ids. A link deleted since keeps no name.
 */
function useLinkNames(pages: readonly VisitPage[], enabled: boolean): Map<string, string> {
  const { api } = useRouteContext({ from: '__root__' });
  const idsPerPage = useMemo(
    () => (enabled ? pages.map((page) => [...new Set(page.items.map((visit) => visit.linkId))].sort()) : []),
    [pages, enabled],
  );
  const lookups = useQueries({
    queries: idsPerPage.map((ids) => ({
      queryKey: [...linkKeys.all, 'names', ids],
      enabled: ids.length > 0,
      staleTime: 60_000,
      queryFn: async () => {
        const { data, error } = await api.GET('/api/v1/links', {
          params: { query: { ids: ids.join(','), limit: 100 } },
        });
        if (!data) throw new Error(problemText(error, 'could not load the links of these visits'));
        return data.items.map((link) => [link.id, `${link.domain}/${link.code}`] as const);
      },
    })),
  });
  const names = new Map<string, string>();
  for (const lookup of lookups) for (const [id, name] of lookup.data ?? []) names.set(id, name);
  return names;
}

function VisitsTable({
  visits,
  names,
}: {
  visits: readonly Visit[];
  /** The workspace view's link names by id; undefined on a link's own page (no link column). */
  names?: Map<string, string>;
}) {
  // Only a split link's visits have a variant: the column is there when this list has one.
  const withVariant = visits.some((visit) => visit.variant !== null);
  return (
    <div className="table-scroll">
      <table className="visits-table">
        <caption>Visits, newest first (times in your time zone)</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {names && <th scope="col">Link</th>}
            <th scope="col">Country</th>
            <th scope="col">Referrer</th>
            <th scope="col">Device</th>
            <th scope="col">Browser</th>
            <th scope="col">OS</th>
            {withVariant && <th scope="col">Variant</th>}
            <th scope="col">Bot</th>
          </tr>
        </thead>
        <tbody>
          {visits.map((visit) => (
            <tr key={visit.id}>
              <td>
                <DateTime value={visit.occurredAt} />
              </td>
              {names && (
                <td>
                  <Link to="/links/$linkId/visits" params={{ linkId: visit.linkId }}>
                    {names.get(visit.linkId) ?? 'Link'}
                  </Link>
                </td>
              )}
              <td>{visit.country ?? 'Unknown'}</td>
              <td className="url">{visit.referrerHost ?? '(direct)'}</td>
              <td>{visit.device}</td>
              <td>{visit.browser}</td>
              <td>{visit.os}</td>
              {withVariant && <td>{visit.variant ?? '—'}</td>}
              <td>{visit.bot ? 'Bot' : 'No'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The export buttons. The API takes the workspace from the BoltLink-Workspace header only, which a plain
 * navigation (an <a href> to the API) cannot send; so the file is fetched through the API client, as a Blob
 * (never a string: the browser keeps large blobs out of the page's memory, on disk), then saved from an
 * object URL under a name of the view.
 */
function ExportButtons({ linkId, query, name }: { linkId?: string; query: VisitsQuery; name: string }) {
  const { api } = useRouteContext({ from: '__root__' });
  const [busy, setBusy] = useState<Format | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function download(format: Format) {
    setProblem(null);
    setBusy(format);
    try {
      const params = { query: { ...query, format } };
      const { data, error } = linkId
        ? await api.GET('/api/v1/links/{id}/visits/export', {
            params: { ...params, path: { id: linkId } },
            parseAs: 'blob',
          })
        : await api.GET('/api/v1/visits/export', { params, parseAs: 'blob' });
      if (!data)
        throw new Error(problemText(error, `could not export the visits as ${format.toUpperCase()}`));
      const url = URL.createObjectURL(data);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `${name}.${format}`;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      // The browser has taken the file once the click returned; a moment later the URL can go.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (caught) {
      setProblem(caught instanceof Error ? caught.message : 'could not export the visits');
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="visits-export">
      <div className="actions start">
        <button
          type="button"
          className="secondary"
          disabled={busy !== null}
          onClick={() => void download('csv')}
        >
          {busy === 'csv' ? 'Exporting CSV…' : 'Export CSV'}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy !== null}
          onClick={() => void download('ndjson')}
        >
          {busy === 'ndjson' ? 'Exporting NDJSON…' : 'Export NDJSON'}
        </button>
      </div>
      <ErrorText error={problem} />
    </div>
  );
}

/** A list of visits with its filters, paging and exports: a link's (linkId) or the workspace's. */
function VisitsView({
  linkId,
  search,
  onApply,
  exportName,
}: {
  linkId?: string;
  search: VisitsSearch;
  onApply: (next: VisitsSearch) => void;
  exportName: string;
}) {
  const { api } = useRouteContext({ from: '__root__' });
  const resolved = useMemo(() => visitsQuery(search, Date.now()), [search]);
  const visits = useInfiniteQuery({
    queryKey: ['visits', linkId ?? 'workspace', resolved.ok ? resolved.query : null],
    enabled: resolved.ok,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: VisitPage) => page.nextCursor ?? undefined,
    queryFn: async ({ pageParam }): Promise<VisitPage> => {
      if (!resolved.ok) throw new Error(resolved.message);
      const query = { ...resolved.query, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) };
      const { data, error } = linkId
        ? await api.GET('/api/v1/links/{id}/visits', { params: { path: { id: linkId }, query } })
        : await api.GET('/api/v1/visits', { params: { query } });
      if (!data) throw new Error(problemText(error, 'could not load the visits'));
      return data;
    },
  });
  const pages = useMemo(() => visits.data?.pages ?? [], [visits.data]);
  const items = useMemo(() => pages.flatMap((page) => page.items), [pages]);
  const names = useLinkNames(pages, linkId === undefined);
  const since = visits.data?.pages[0]?.rawEventsSince;
  const filtered = Object.keys(search).length > 0;

  return (
    <>
      <section className="card">
        <VisitsFilters key={JSON.stringify(search)} search={search} onApply={onApply} />
        {filtered && (
          <p>
            <button type="button" className="secondary" onClick={() => onApply({})}>
              Clear filters
            </button>
          </p>
        )}
        <ErrorText error={!resolved.ok && resolved.message} />
        {since && (
          <p className="muted" data-testid="visits-kept">
            Single visits are kept for {keptSince(since, Date.now())}, since <DateTime value={since} />; the
            analytics count every click, further back.
          </p>
        )}
        {resolved.ok && <ExportButtons linkId={linkId} query={resolved.query} name={exportName} />}
      </section>
      <section className="card" aria-labelledby="visits-list">
        <h2 id="visits-list">Visits</h2>
        <ErrorText error={visits.error} />
        {resolved.ok && visits.isPending && <p>Loading…</p>}
        {visits.data && items.length === 0 && (
          <p data-testid="visits-empty">
            {filtered
              ? 'No visits match these filters.'
              : 'No visits yet. Each click on a short link shows here a few seconds later.'}
          </p>
        )}
        {items.length > 0 && (
          <>
            <VisitsTable visits={items} names={linkId === undefined ? names : undefined} />
            <p className="muted" role="status" data-testid="visits-shown">
              {items.length === 1 ? '1 visit shown' : `${numbers.format(items.length)} visits shown`}
              {visits.hasNextPage ? '; there are more.' : '.'}
            </p>
            <LoadMore pages={visits} />
          </>
        )}
      </section>
    </>
  );
}

/** The workspace's visits: every click of its links, newest first (GET /visits). */
export function VisitsPage() {
  const search = useSearch({ from: '/signed-in/visits' });
  const navigate = useNavigate();
  return (
    <div className="visits">
      <section className="card">
        <h1>Visits</h1>
        <p className="muted">
          Each click on the workspace's links, newest first. <Link to="/analytics">Analytics</Link> shows the
          totals.
        </p>
      </section>
      <VisitsView
        search={search}
        exportName="visits"
        onApply={(next) => void navigate({ to: '/visits', search: next })}
      />
    </div>
  );
}

/** One link's visits (GET /links/:id/visits). */
export function LinkVisitsPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const { linkId } = useParams({ from: '/signed-in/links/$linkId/visits' });
  const search = useSearch({ from: '/signed-in/links/$linkId/visits' });
  const navigate = useNavigate();
  const link = useQuery(linkQuery(api, linkId));

  if (link.data === null) {
    return (
      <section className="card">
        <h1>Link visits</h1>
        <p role="alert">This link does not exist in this workspace.</p>
        <Link to="/links">Back to the links</Link>
      </section>
    );
  }
  return (
    <div className="visits">
      <section className="card">
        <p className="crumbs">
          <Link to="/links">Links</Link> /{' '}
          <Link to="/links/$linkId" params={{ linkId }}>
            {link.data ? `${link.data.domain}/${link.data.code}` : 'This link'}
          </Link>{' '}
          /{' '}
          <Link to="/links/$linkId/analytics" params={{ linkId }}>
            Analytics
          </Link>{' '}
          / <Link to="/visits">Workspace visits</Link>
        </p>
        <h1>Link visits</h1>
        <ErrorText error={link.error} />
        {link.data && (
          <p className="visits-link url">
            <a href={link.data.shortUrl}>{link.data.shortUrl}</a> → {link.data.title ?? link.data.url}
          </p>
        )}
      </section>
      <VisitsView
        linkId={linkId}
        search={search}
        exportName={link.data ? `visits-${link.data.code}` : 'visits'}
        onApply={(next) => void navigate({ to: '/links/$linkId/visits', params: { linkId }, search: next })}
      />
    </div>
  );
}
