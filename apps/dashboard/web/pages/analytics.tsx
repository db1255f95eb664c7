import type { paths } from '@boltlink/api-client/client';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useRouteContext, useSearch } from '@tanstack/react-router';
import { useMemo } from 'react';
import { problemText } from '../api.ts';
import { ErrorText } from '../ui/error-text.tsx';
import { resolveRange, type StatsSearch } from '../ui/stats-range.ts';
import { ClicksOverTime, Dimensions, StatsControls, Totals } from '../ui/stats-view.tsx';
import './analytics.css';

type AccountStats = paths['/api/v1/stats']['get']['responses'][200]['content']['application/json'];

const numbers = new Intl.NumberFormat();

function TopLinks({ stats, search }: { stats: AccountStats; search: StatsSearch }) {
  return (
    <section className="card" aria-labelledby="top-links">
      <h2 id="top-links">Top links</h2>
      <div className="table-scroll">
        <table>
          <caption>The links with the most clicks in this range; open one for its own analytics</caption>
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
                  <Link to="/links/$linkId/analytics" params={{ linkId: link.id }} search={search}>
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

/** The workspace's clicks: over time, by dimension, and its top links (GET /stats). */
export function AnalyticsPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const search = useSearch({ from: '/signed-in/analytics' });
  const navigate = useNavigate();
  const resolved = useMemo(() => resolveRange(search, Date.now()), [search]);

  const stats = useQuery({
    queryKey: ['stats', 'workspace', resolved.ok ? resolved.query : null],
    enabled: resolved.ok,
    queryFn: async () => {
      if (!resolved.ok) throw new Error(resolved.message);
      const { data, error } = await api.GET('/api/v1/stats', { params: { query: resolved.query } });
      if (!data) throw new Error(problemText(error, 'could not load the analytics'));
      return data;
    },
  });

  return (
    <div className="analytics">
      <section className="card">
        <h1>Analytics</h1>
        <p className="muted">Clicks on every link of this workspace, counted in UTC hours and days.</p>
        <StatsControls
          search={search}
          resolved={resolved}
          onChange={(next) => void navigate({ to: '/analytics', search: next })}
        />
        <ErrorText error={!resolved.ok && resolved.message} />
        <ErrorText error={stats.error} />
        {resolved.ok && stats.isPending && <p>Loading…</p>}
        {stats.data && <Totals stats={stats.data} visitorsEstimated />}
      </section>
      {stats.data && stats.data.total === 0 && (
        <section className="card">
          <p data-testid="stats-empty">
            No clicks in this range yet. Clicks appear here a few seconds after someone opens one of the
            workspace's short links.
          </p>
        </section>
      )}
      {stats.data && stats.data.total > 0 && (
        <>
          <ClicksOverTime stats={stats.data} />
          <TopLinks stats={stats.data} search={search} />
          <Dimensions stats={stats.data} />
        </>
      )}
    </div>
  );
}
