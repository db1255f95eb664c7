import type { components } from '@boltlink/api-client/client';
import type { EChartsCoreOption } from 'echarts/core';
import { type ChangeEvent, useId, useMemo } from 'react';
import { Chart, type ChartColours, useChartColours } from './chart.tsx';
import {
  activeFilters,
  filterValue,
  type StatsFilter,
  type StatsFilters,
  type VisitFilter,
} from './stats-filters.ts';
import {
  type Interval,
  RANGE_LABELS,
  RANGES,
  type RangeName,
  type ResolvedRange,
  type StatsSearch,
} from './stats-range.ts';
import { FILTER_LABELS, sourceText, valueLabel } from './stats-words.ts';

/** The stats answer both pages show (GET /links/:id/stats; GET /stats adds top links). */
export type Stats = components['schemas']['LinkStats'];
type Counted = Stats['countries'];

const numbers = new Intl.NumberFormat();
const dayFormat = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', day: 'numeric', month: 'short' });
const longDayFormat = new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});
const hourFormat = new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** A bucket's start as people read it (the API counts UTC hours and days). */
export const bucketLabel = (t: string, interval: Interval): string =>
  (interval === 'hour' ? hourFormat : dayFormat).format(new Date(t));

const BOTS = [
  { value: '', label: 'People only' },
  { value: 'true', label: 'People and bots' },
  { value: 'only', label: 'Bots only' },
] as const;

/**
 * The range, its interval and whose clicks count (people, people and bots, bots only): each change is a new
 * URL, so the view can be shared. The filters stay as they are.
 */
export function StatsControls({
  search,
  resolved,
  onChange,
}: {
  search: StatsSearch;
  resolved: ResolvedRange;
  onChange: (next: StatsSearch) => void;
}) {
  const id = useId();
  const range = search.range ?? '7d';
  const change = (patch: Partial<StatsSearch>) => {
    const next: StatsSearch = { ...search, ...patch };
    if (next.range !== 'custom') {
      delete next.from;
      delete next.to;
    }
    if (!next.bots) delete next.bots;
    onChange(next);
  };
  const pickRange = (event: ChangeEvent<HTMLSelectElement>) => {
    const picked = event.target.value as RangeName;
    // A preset comes with its own interval; a custom range starts as the days shown now.
    const next: StatsSearch = { ...search, range: picked };
    delete next.interval;
    delete next.from;
    delete next.to;
    if (picked === 'custom' && resolved.ok) {
      next.from = resolved.firstDay;
      next.to = resolved.lastDay;
    }
    onChange(next);
  };
  return (
    <form className="stats-controls" onSubmit={(event) => event.preventDefault()}>
      <div>
        <label htmlFor={`${id}-range`}>Range</label>
        <select id={`${id}-range`} value={range} onChange={pickRange}>
          {RANGES.map((name) => (
            <option key={name} value={name}>
              {RANGE_LABELS[name]}
            </option>
          ))}
        </select>
      </div>
      {range === 'custom' && (
        <>
          <div>
            <label htmlFor={`${id}-from`}>From (UTC day)</label>
            <input
              id={`${id}-from`}
              type="date"
              value={search.from ?? ''}
              onChange={(event) => event.target.value && change({ from: event.target.value })}
              required
            />
          </div>
          <div>
            <label htmlFor={`${id}-to`}>To (UTC day)</label>
            <input
              id={`${id}-to`}
              type="date"
              value={search.to ?? ''}
              onChange={(event) => event.target.value && change({ to: event.target.value })}
              required
            />
          </div>
        </>
      )}
      <div>
        <label htmlFor={`${id}-interval`}>Interval</label>
        <select
          id={`${id}-interval`}
          value={resolved.ok ? resolved.interval : (search.interval ?? 'day')}
          onChange={(event) => change({ interval: event.target.value as Interval })}
        >
          <option value="hour" disabled={resolved.ok && !resolved.hourAllowed}>
            {resolved.ok && !resolved.hourAllowed ? 'By hour (31 days at most)' : 'By hour'}
          </option>
          <option value="day">By day</option>
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-bots`}>Clicks of</label>
        <select
          id={`${id}-bots`}
          value={search.bots === undefined ? '' : String(search.bots)}
          onChange={(event) => {
            const picked = event.target.value;
            change({ bots: picked === 'true' ? true : picked === 'only' ? 'only' : undefined });
          }}
        >
          {BOTS.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </div>
    </form>
  );
}

function timeseriesOption(stats: Stats, colours: ChartColours): EChartsCoreOption {
  const axisText = { color: colours.muted };
  return {
    animation: false,
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    // richText: drawn on the canvas, not an HTML tooltip with inline styles (CSP).
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      backgroundColor: colours.card,
      borderColor: colours.border,
      textStyle: { color: colours.fg },
    },
    xAxis: {
      type: 'category',
      data: stats.timeseries.map((point) => bucketLabel(point.t, stats.interval)),
      axisLabel: axisText,
      axisLine: { lineStyle: { color: colours.border } },
      axisTick: { show: false },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: axisText,
      splitLine: { lineStyle: { color: colours.border } },
    },
    series: [
      {
        name: 'Clicks',
        type: stats.timeseries.length > 48 ? 'line' : 'bar',
        data: stats.timeseries.map((point) => point.clicks),
        itemStyle: { color: colours.accent },
        lineStyle: { color: colours.accent },
        showSymbol: false,
        barMaxWidth: 32,
      },
    ],
  };
}

function timeseriesSummary(stats: Stats): string {
  const points = stats.timeseries;
  const first = points[0];
  const last = points[points.length - 1];
  const unit = stats.interval === 'hour' ? 'hour' : 'day';
  if (!first || !last) return `Clicks by ${unit}: none in this range.`;
  const peak = points.reduce((best, point) => (point.clicks > best.clicks ? point : best), first);
  const span = `${bucketLabel(first.t, stats.interval)} to ${bucketLabel(last.t, stats.interval)} (UTC)`;
  return `Clicks by ${unit}, ${span}: ${numbers.format(stats.total)} in total, most in the ${unit} of ${bucketLabel(
    peak.t,
    stats.interval,
  )} (${numbers.format(peak.clicks)}).`;
}

/** Clicks over time: a chart to read at a glance, and the same figures as a table for anyone who asks. */
export function ClicksOverTime({ stats }: { stats: Stats }) {
  const colours = useChartColours();
  const option = useMemo(() => timeseriesOption(stats, colours), [stats, colours]);
  const unit = stats.interval === 'hour' ? 'hour' : 'day';
  return (
    <section className="card" aria-labelledby="clicks-over-time">
      <h2 id="clicks-over-time">Clicks over time</h2>
      <Chart option={option} label={timeseriesSummary(stats)} className="chart" height={260} />
      <details>
        <summary>Clicks by {unit} as a table</summary>
        <div className="table-scroll">
          <table>
            <caption>Clicks by {unit} (UTC)</caption>
            <thead>
              <tr>
                <th scope="col">{unit === 'hour' ? 'Hour' : 'Day'}</th>
                <th scope="col">Clicks</th>
              </tr>
            </thead>
            <tbody>
              {stats.timeseries.map((point) => (
                <tr key={point.t}>
                  <td>{bucketLabel(point.t, stats.interval)}</td>
                  <td>{numbers.format(point.clicks)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

/** The breakdowns of the answer, and the filter each one's rows set. */
const DIMENSIONS = {
  countries: { title: 'Countries', filter: 'country' },
  referrers: { title: 'Referrers', filter: 'referrer' },
  devices: { title: 'Devices', filter: 'device' },
  browsers: { title: 'Browsers', filter: 'browser' },
  os: { title: 'Operating systems', filter: 'os' },
  variants: { title: 'A/B variants', filter: 'variant' },
} as const satisfies Record<string, { title: string; filter: VisitFilter }>;
type Dimension = keyof typeof DIMENSIONS;

/**
 * One breakdown as a table: a row per value, most clicks first, with its share as a bar. A value's button
 * filters the page by it (pressed while that filter is on; pressing it again removes the filter).
 */
function Breakdown({
  name,
  counted,
  total,
  active,
  onFilter,
}: {
  name: Dimension;
  counted: Counted;
  total: number;
  active: string | undefined;
  onFilter: (filter: VisitFilter, value: string | undefined) => void;
}) {
  const { title, filter } = DIMENSIONS[name];
  const headingId = `dimension-${name}`;
  const top = counted[0]?.clicks ?? 0;
  return (
    <section className="card dimension" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {counted.length === 0 ? (
        <p className="muted">None recorded in this range.</p>
      ) : (
        <table className="breakdown">
          <caption className="visually-hidden">
            {title}, most clicks first; choose one to see only its clicks
          </caption>
          <thead className="visually-hidden">
            <tr>
              <th scope="col">{FILTER_LABELS[filter]}</th>
              <th scope="col">Clicks</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {counted.map((entry) => {
              const value = filterValue(filter, entry.value);
              const label = valueLabel(filter, entry.value);
              const pressed = value !== undefined && value === active;
              const share = total > 0 ? Math.round((entry.clicks / total) * 100) : 0;
              return (
                <tr key={entry.value}>
                  <th scope="row">
                    {value === undefined ? (
                      <span className="breakdown-value">{label}</span>
                    ) : (
                      <button
                        type="button"
                        className="breakdown-value"
                        aria-pressed={pressed}
                        onClick={() => onFilter(filter, pressed ? undefined : value)}
                      >
                        {label}
                      </button>
                    )}
                    <span className="breakdown-bar" aria-hidden="true">
                      <span style={{ width: `${top > 0 ? (entry.clicks / top) * 100 : 0}%` }} />
                    </span>
                  </th>
                  <td className="number">{numbers.format(entry.clicks)}</td>
                  <td className="number share">{share} %</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * Countries, referrers, devices, browsers and operating systems (the top 10 of each), and a link's A/B
 * variants when it has a split or had one in the range.
 */
export function Dimensions({
  stats,
  filters,
  onFilter,
  withVariants = false,
}: {
  stats: Stats;
  filters: StatsFilters;
  onFilter: (filter: VisitFilter, value: string | undefined) => void;
  withVariants?: boolean;
}) {
  const names = (Object.keys(DIMENSIONS) as Dimension[]).filter(
    (name) => name !== 'variants' || withVariants || (stats.variants?.length ?? 0) > 0,
  );
  return (
    <div className="dimensions">
      {names.map((name) => (
        <Breakdown
          key={name}
          name={name}
          counted={stats[name] ?? []}
          total={stats.total}
          active={filters[DIMENSIONS[name].filter]}
          onFilter={onFilter}
        />
      ))}
    </div>
  );
}

/**
 * The filters on, as chips that remove themselves, and a way to remove them all. `names` labels the values
 * that are ids (a campaign's name for its id).
 */
export function FilterChips({
  filters,
  names = {},
  onRemove,
  onClear,
}: {
  filters: StatsFilters;
  names?: Partial<Record<StatsFilter, string>>;
  onRemove: (filter: StatsFilter) => void;
  onClear: () => void;
}) {
  const active = activeFilters(filters);
  if (active.length === 0) return null;
  return (
    <div className="filter-chips">
      <h2 className="visually-hidden">Filters on</h2>
      <ul aria-label="Filters on">
        {active.map(({ name, value }) => {
          const text = `${FILTER_LABELS[name]}: ${names[name] ?? valueLabel(name, value)}`;
          return (
            <li key={name}>
              <span className="chip">
                {text}
                <button type="button" aria-label={`Remove filter ${text}`} onClick={() => onRemove(name)}>
                  <span aria-hidden="true">×</span>
                </button>
              </span>
            </li>
          );
        })}
      </ul>
      {active.length > 1 && (
        <button type="button" className="secondary" onClick={onClear}>
          Remove all filters
        </button>
      )}
    </div>
  );
}

/** Where the figures come from, in words: the daily totals, or single visits kept for a while. */
export function SourceNote({ stats }: { stats: Stats }) {
  return (
    <p className="muted source-note" data-testid="stats-source">
      {sourceText(stats, Date.now())}
    </p>
  );
}

/** Total clicks and unique visitors of the range. */
export function Totals({
  stats,
  visitorsEstimated,
  botsOnly,
}: {
  stats: Stats;
  visitorsEstimated: boolean;
  botsOnly: boolean;
}) {
  return (
    <dl className="totals">
      <div>
        <dt>Clicks{botsOnly ? ' of bots only' : stats.includeBots ? ' (bots included)' : ''}</dt>
        <dd data-testid="stats-total">{numbers.format(stats.total)}</dd>
      </div>
      <div>
        <dt>Unique visitors{visitorsEstimated ? ' (estimate)' : ''}</dt>
        <dd data-testid="stats-visitors">{numbers.format(stats.uniqueVisitors)}</dd>
      </div>
      <div>
        <dt>Range (UTC)</dt>
        <dd className="range">
          {longDayFormat.format(new Date(stats.from))} – {longDayFormat.format(new Date(stats.to))}
        </dd>
      </div>
    </dl>
  );
}
