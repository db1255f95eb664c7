import type { paths } from '@boltlink/api-client/client';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useRouteContext, useSearch } from '@tanstack/react-router';
import { type FormEvent, useId, useMemo } from 'react';
import { problemText } from '../api.ts';
import { campaignsQuery, linkDomainsQuery } from '../link-queries.ts';
import { ErrorText } from '../ui/error-text.tsx';
import {
  activeFilters,
  filtersOf,
  filterValue,
  type StatsFilter,
  withoutFilters,
  withoutLinkFilters,
} from '../ui/stats-filters.ts';
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
import './analytics.css';

type AccountStats = paths['/api/v1/stats']['get']['responses'][200]['content']['application/json'];

const numbers = new Intl.NumberFormat();

function TopLinks({ stats, search }: { stats: AccountStats; search: StatsSearch }) {
  // A link's own analytics take the visit filters, not the workspace's link filters.
  const linkSearch = withoutLinkFilters(search);
  return (
    <section className="card" aria-labelledby="top-links">
      <h2 id="top-links">Top links</h2>
      <div className="table-scroll">
        <table>
          <caption>The links with the most clicks in this view; open one for its own analytics</caption>
          <thead>
            <tr>
              <th scope="col">Short link</th>
              <th scope="col" className="number">
                Clicks
              </th>
            </tr>
          </thead>
          <tbody>
            {stats.topLinks.map((link) => (
              <tr key={link.id}>
                <td>
                  <Link to="/links/$linkId/analytics" params={{ linkId: link.id }} search={linkSearch}>
                    {link.domain}/{link.code}
                  </Link>
                </td>
                <td className="number">{numbers.format(link.clicks)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Which links count: a tag, a short domain, a campaign (GET /links' filters), applied together. */
function LinkPickers({ search, onChange }: { search: StatsSearch; onChange: (next: StatsSearch) => void }) {
  const { api } = useRouteContext({ from: '__root__' });
  const id = useId();
  const domains = useQuery(linkDomainsQuery(api));
  const campaigns = useQuery(campaignsQuery(api));

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: StatsSearch = { ...search };
    for (const name of ['tag', 'domain', 'campaignId'] as const) {
      const value = filterValue(name, form.get(name));
      if (value === undefined) delete next[name];
      else next[name] = value;
    }
    onChange(next);
  }

  return (
    <form
      className="stats-links"
      onSubmit={apply}
      aria-label="Links counted"
      // Keyed by the applied filters: removing a chip shows in the fields too.
      key={`${search.tag}|${search.domain}|${search.campaignId}|${domains.data?.length}|${campaigns.data?.length}`}
    >
      <div>
        <label htmlFor={`${id}-tag`}>Tag</label>
        <input id={`${id}-tag`} name="tag" type="text" maxLength={32} defaultValue={search.tag ?? ''} />
      </div>
      <div>
        <label htmlFor={`${id}-domain`}>Domain</label>
        <select id={`${id}-domain`} name="domain" defaultValue={search.domain ?? ''}>
          <option value="">All domains</option>
          {search.domain && !domains.data?.some((d) => d.domain === search.domain) && (
            <option value={search.domain}>{search.domain}</option>
          )}
          {domains.data?.map((d) => (
            <option key={d.domain} value={d.domain}>
              {d.domain}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-campaign`}>Campaign</label>
        <select id={`${id}-campaign`} name="campaignId" defaultValue={search.campaignId ?? ''}>
          <option value="">All campaigns</option>
          {search.campaignId && !campaigns.data?.some((c) => c.id === search.campaignId) && (
            <option value={search.campaignId}>{search.campaignId}</option>
          )}
          {campaigns.data?.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <button type="submit" className="secondary">
          Apply to links
        </button>
      </div>
    </form>
  );
}

/** The workspace's clicks: over time, by dimension, and its top links (GET /stats), filtered as the URL says. */
export function AnalyticsPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const search = useSearch({ from: '/signed-in/analytics' });
  const navigate = useNavigate();
  const resolved = useMemo(() => resolveRange(search, Date.now()), [search]);
  const filters = useMemo(() => filtersOf(search, 'workspace'), [search]);
  const campaigns = useQuery(campaignsQuery(api));
  const show = (next: StatsSearch) => void navigate({ to: '/analytics', search: next });
  const setFilter = (name: StatsFilter, value: string | undefined) => {
    const next: StatsSearch = { ...search };
    if (value === undefined) delete next[name];
    else next[name] = value;
    show(next);
  };

  const stats = useQuery({
    queryKey: ['stats', 'workspace', resolved.ok ? resolved.query : null, filters],
    enabled: resolved.ok,
    queryFn: async () => {
      if (!resolved.ok) throw new Error(resolved.message);
      const { data, error, response } = await api.GET('/api/v1/stats', {
        params: { query: { ...resolved.query, ...filters } },
      });
      if (!data) throw new Error(statsProblem(response.status, problemText(error, ''), 'workspace'));
      return data;
    },
  });
  const campaignName = campaigns.data?.find((c) => c.id === filters.campaignId)?.name;

  return (
    <div className="analytics">
      <section className="card">
        <h1>Analytics</h1>
        <p className="muted">Clicks on every link of this workspace, counted in UTC hours and days.</p>
        <StatsControls search={search} resolved={resolved} onChange={show} />
        <LinkPickers search={search} onChange={show} />
        <FilterChips
          filters={filters}
          names={campaignName ? { campaignId: campaignName } : {}}
          onRemove={(name) => setFilter(name, undefined)}
          onClear={() => show(withoutFilters(search))}
        />
        <ErrorText error={!resolved.ok && resolved.message} />
        <ErrorText error={stats.error} />
        {resolved.ok && stats.isPending && <p>Loading…</p>}
        {stats.data && (
          <Totals
            stats={stats.data}
            visitorsEstimated={activeFilters(filters).length === 0}
            botsOnly={search.bots === 'only'}
          />
        )}
        {stats.data && <SourceNote stats={stats.data} />}
      </section>
      {stats.data && stats.data.total === 0 && (
        <section className="card">
          <p data-testid="stats-empty">
            {activeFilters(filters).length > 0
              ? 'No clicks match these filters in this range.'
              : "No clicks in this range yet. Clicks appear here a few seconds after someone opens one of the workspace's short links."}
          </p>
        </section>
      )}
      {stats.data && stats.data.total > 0 && (
        <>
          <ClicksOverTime stats={stats.data} />
          <TopLinks stats={stats.data} search={search} />
          <Dimensions stats={stats.data} filters={filters} onFilter={setFilter} />
        </>
      )}
    </div>
  );
}
