import type { paths } from '@boltlink/api-client/client';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useNavigate, useRouteContext, useSearch } from '@tanstack/react-router';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { problemText } from '../api.ts';
import {
  isDomainFilter,
  ORPHAN_KINDS,
  ORPHAN_RANGES,
  type OrphanKind,
  type OrphanRange,
  type OrphanSearch,
} from '../orphan-search.ts';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { RequirePermission } from '../ui/require-permission.tsx';
import './visits.css';
import { LoadMore } from '../ui/load-more.tsx';

type OrphanPage = paths['/api/v1/orphan-visits']['get']['responses'][200]['content']['application/json'];

const PAGE_SIZE = 50;
const HOUR_MS = 3_600_000;
const numbers = new Intl.NumberFormat();

const KIND_LABELS: Record<OrphanKind, string> = {
  'not-found': 'Unknown address',
  root: 'Bare domain',
  gone: 'Dead link',
};
const RANGE_LABELS: Record<OrphanRange, string> = {
  all: 'Everything kept',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
};

/** The query of the view: presets start on a whole UTC hour, so the cache key holds within the hour. */
function orphanQuery(search: OrphanSearch, now: number) {
  const query: { domain?: string; kind?: OrphanKind; from?: string } = {};
  if (search.domain) query.domain = search.domain;
  if (search.kind) query.kind = search.kind;
  if (search.range) {
    const hours = search.range === '24h' ? 24 : Number.parseInt(search.range, 10) * 24;
    query.from = new Date(Math.floor(now / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS).toISOString();
  }
  return query;
}

function OrphanFilters({ search, onApply }: { search: OrphanSearch; onApply: (next: OrphanSearch) => void }) {
  const id = useId();
  const [problem, setProblem] = useState<string | null>(null);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: OrphanSearch = {};
    const domain = String(form.get('domain') ?? '').trim();
    if (domain !== '') {
      if (!isDomainFilter(domain)) {
        setProblem('Domain: a host name such as go.example.com.');
        return;
      }
      next.domain = domain.toLowerCase();
    }
    const kind = String(form.get('kind') ?? '');
    if (ORPHAN_KINDS.includes(kind as OrphanKind)) next.kind = kind as OrphanKind;
    const range = String(form.get('range') ?? 'all');
    if (range === '24h' || range === '7d' || range === '30d') next.range = range;
    setProblem(null);
    onApply(next);
  }
  return (
    <form className="visits-filters" onSubmit={submit} aria-label="Filter orphan visits" noValidate>
      <div className="field">
        <label htmlFor={`${id}-range`}>Time range</label>
        <select id={`${id}-range`} name="range" defaultValue={search.range ?? 'all'}>
          {ORPHAN_RANGES.map((name) => (
            <option key={name} value={name}>
              {RANGE_LABELS[name]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-domain`}>Domain</label>
        <input id={`${id}-domain`} name="domain" defaultValue={search.domain ?? ''} maxLength={259} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select id={`${id}-kind`} name="kind" defaultValue={search.kind ?? ''}>
          <option value="">Every kind</option>
          {ORPHAN_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {KIND_LABELS[kind]}
            </option>
          ))}
        </select>
      </div>
      <div className="actions start visits-apply">
        <button type="submit">Apply filters</button>
      </div>
      <ErrorText error={problem} />
    </form>
  );
}

function OrphanVisits() {
  const { api } = useRouteContext({ from: '__root__' });
  const search = useSearch({ from: '/signed-in/orphan-visits' });
  const navigate = useNavigate();
  const query = useMemo(() => orphanQuery(search, Date.now()), [search]);
  const visits = useInfiniteQuery({
    queryKey: ['orphan-visits', query],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: OrphanPage) => page.nextCursor ?? undefined,
    queryFn: async ({ pageParam }): Promise<OrphanPage> => {
      const { data, error } = await api.GET('/api/v1/orphan-visits', {
        params: { query: { ...query, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
      });
      if (!data) throw new Error(problemText(error, 'could not load the orphan visits'));
      return data;
    },
  });
  const items = useMemo(() => visits.data?.pages.flatMap((page) => page.items) ?? [], [visits.data]);
  const filtered = Object.keys(search).length > 0;
  const apply = (next: OrphanSearch) => void navigate({ to: '/orphan-visits', search: next });

  return (
    <div className="visits">
      <section className="card">
        <h1>Orphan visits</h1>
        <p className="muted">
          Requests to the workspace's domains that reached no link: an unknown address, the bare domain
          without a root redirect, or a link that expired, used up its clicks or was disabled. They are
          counted per minute.
        </p>
        <OrphanFilters key={JSON.stringify(search)} search={search} onApply={apply} />
        {filtered && (
          <p>
            <button type="button" className="secondary" onClick={() => apply({})}>
              Clear filters
            </button>
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="orphan-list">
        <h2 id="orphan-list">Visits that reached no link</h2>
        <ErrorText error={visits.error} />
        {visits.isPending && <p>Loading…</p>}
        {visits.data && items.length === 0 && (
          <p data-testid="orphan-empty">
            {filtered
              ? 'No orphan visits match these filters.'
              : 'No orphan visits yet. When someone opens an address on one of your custom domains that leads nowhere (a mistyped code, the bare domain, a dead link), it is listed here, so you can add the link they looked for or a redirect.'}
          </p>
        )}
        {items.length > 0 && (
          <>
            <div className="table-scroll">
              <table className="visits-table">
                <caption>Orphan visits per minute, newest first (times in your time zone)</caption>
                <thead>
                  <tr>
                    <th scope="col">Minute</th>
                    <th scope="col">Domain</th>
                    <th scope="col">Path</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Referrer</th>
                    <th scope="col">Country</th>
                    <th scope="col">Bot</th>
                    <th scope="col" className="number">
                      Visits
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((visit) => (
                    <tr
                      key={`${visit.minute}|${visit.domain}|${visit.path}|${visit.kind}|${visit.referrerHost}|${visit.country}|${visit.bot}`}
                    >
                      <td>
                        <DateTime value={visit.minute} />
                      </td>
                      <td>{visit.domain}</td>
                      <td className="url">{visit.path ?? '(many paths)'}</td>
                      <td>{KIND_LABELS[visit.kind]}</td>
                      <td className="url">{visit.referrerHost ?? '(direct)'}</td>
                      <td>{visit.country ?? 'Unknown'}</td>
                      <td>{visit.bot ? 'Bot' : 'No'}</td>
                      <td className="number">{numbers.format(visit.visits)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <LoadMore pages={visits} />
          </>
        )}
      </section>
    </div>
  );
}

/** Visits to unknown codes, bare domains and dead links (GET /orphan-visits), for those who read stats. */
export function OrphanVisitsPage() {
  return (
    <RequirePermission
      permission="stats:read"
      title="Orphan visits"
      denied={(name) => `Your role in ${name} does not include its statistics.`}
    >
      {() => <OrphanVisits />}
    </RequirePermission>
  );
}
