import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useRouteContext, useSearch } from '@tanstack/react-router';
import { useMemo } from 'react';
import { problemText } from '../api.ts';
import { ErrorText } from '../ui/error-text.tsx';
import { activeFilters, filtersOf, type StatsFilter, withoutFilters } from '../ui/stats-filters.ts';
import { resolveRange, type StatsSearch } from '../ui/stats-range.ts';
import {
  ClicksOverTime,
  Dimensions,
  FilterChips,
  SourceNote,
  StatsControls,
  Totals,
} from '../ui/stats-view.tsx';
import { statsProblem } from '../ui/stats-words.ts';
import { visitsSearchOf } from '../visits-search.ts';
import './analytics.css';

/** Null when the link is not in this workspace (or the address names no link). */
const NOT_FOUND = new Set([400, 404]);

/** One link's clicks: over time and by dimension, A/B variants included (GET /links/:id/stats), filtered as the URL says. */
export function LinkAnalyticsPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const { linkId } = useParams({ from: '/signed-in/links/$linkId/analytics' });
  const search = useSearch({ from: '/signed-in/links/$linkId/analytics' });
  const navigate = useNavigate();
  const resolved = useMemo(() => resolveRange(search, Date.now()), [search]);
  const filters = useMemo(() => filtersOf(search, 'link'), [search]);
  const show = (next: StatsSearch) =>
    void navigate({ to: '/links/$linkId/analytics', params: { linkId }, search: next });
  const setFilter = (name: StatsFilter, value: string | undefined) => {
    const next: StatsSearch = { ...search };
    if (value === undefined) delete next[name];
    else next[name] = value;
    show(next);
  };

  const link = useQuery({
    queryKey: ['links', linkId],
    queryFn: async () => {
      const { data, error, response } = await api.GET('/api/v1/links/{id}', {
        params: { path: { id: linkId } },
      });
      if (NOT_FOUND.has(response.status)) return null;
      if (!data) throw new Error(problemText(error, 'could not load the link'));
      return data;
    },
  });

  const stats = useQuery({
    queryKey: ['stats', 'link', linkId, resolved.ok ? resolved.query : null, filters],
    enabled: resolved.ok && Boolean(link.data),
    queryFn: async () => {
      if (!resolved.ok) throw new Error(resolved.message);
      const { data, error, response } = await api.GET('/api/v1/links/{id}/stats', {
        params: { path: { id: linkId }, query: { ...resolved.query, ...filters } },
      });
      if (!data) throw new Error(statsProblem(response.status, problemText(error, ''), 'link'));
      return data;
    },
  });

  if (link.data === null) {
    return (
      <section className="card">
        <h1>Link analytics</h1>
        <p role="alert">This link does not exist in this workspace.</p>
        <Link to="/links">Back to the links</Link>
      </section>
    );
  }

  return (
    <div className="analytics">
      <section className="card">
        <p className="crumbs">
          <Link to="/links">Links</Link> /{' '}
          <Link to="/analytics" search={search}>
            Workspace analytics
          </Link>{' '}
          / {/* The visits behind these figures: the same filters, range and bots. */}
          <Link to="/links/$linkId/visits" params={{ linkId }} search={visitsSearchOf(search, resolved)}>
            Visits
          </Link>
        </p>
        <h1>Link analytics</h1>
        <ErrorText error={link.error} />
        {link.data && (
          <p className="link-summary">
            <a href={link.data.shortUrl}>{link.data.shortUrl}</a>
            <span className="muted"> → </span>
            <span className="url">{link.data.title ?? link.data.url}</span>
          </p>
        )}
        <StatsControls search={search} resolved={resolved} onChange={show} />
        <FilterChips
          filters={filters}
          onRemove={(name) => setFilter(name, undefined)}
          onClear={() => show(withoutFilters(search))}
        />
        <ErrorText error={!resolved.ok && resolved.message} />
        <ErrorText error={stats.error} />
        {resolved.ok && (link.isPending || stats.isPending) && <p>Loading…</p>}
        {stats.data && (
          <Totals stats={stats.data} visitorsEstimated={false} botsOnly={search.bots === 'only'} />
        )}
        {stats.data && <SourceNote stats={stats.data} />}
      </section>
      {stats.data && stats.data.total === 0 && link.data && (
        <section className="card">
          <p data-testid="stats-empty">
            {activeFilters(filters).length > 0 ? (
              'No clicks match these filters in this range.'
            ) : (
              <>
                No clicks in this range yet. Share <a href={link.data.shortUrl}>{link.data.shortUrl}</a>: each
                visit shows here a few seconds later.
              </>
            )}
          </p>
        </section>
      )}
      {stats.data && stats.data.total > 0 && (
        <>
          <ClicksOverTime stats={stats.data} />
          <Dimensions
            stats={stats.data}
            filters={filters}
            onFilter={setFilter}
            withVariants={(link.data?.variants.length ?? 0) > 0}
          />
        </>
      )}
    </div>
  );
}
