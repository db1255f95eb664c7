import type { components } from '@boltlink/api-client/client';
import type { EChartsCoreOption } from 'echarts/core';
import { type ChangeEvent, useEffect, useId, useMemo, useState } from 'react';
import { Chart, type ChartColours, useChartColours } from './chart.tsx';
import {
  type Interval,
  RANGE_LABELS,
  RANGES,
  type RangeName,
  type ResolvedRange,
  type StatsSearch,
} from './stats-range.ts';

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

/** The range, its interval and the bots switch: each change is a new URL, so the view can be shared. */
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
  // The switch shows its new state at once; the URL (a navigation, a moment later) stays the source of truth.
  const [bots, setBots] = useState(search.bots === true);
  useEffect(() => setBots(search.bots === true), [search.bots]);
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
    const next: StatsSearch = { range: picked };
    if (search.bots) next.bots = true;
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
      <div className="stats-bots">
        <input
          id={`${id}-bots`}
          type="checkbox"
          checked={bots}
          onChange={(event) => {
            setBots(event.target.checked);
            change({ bots: event.target.checked });
          }}
        />
        <label htmlFor={`${id}-bots`}>Include bot clicks</label>
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

const regionNames = new Intl.DisplayNames(undefined, { type: 'region', fallback: 'code' });

/**
 * A dimension's value as people read it: a country's name, "Direct" for no referrer. The consumer stores
 * 'unknown' for a country it could not tell and '(direct)' for a visit without a referrer.
 */
function valueLabel(dimension: keyof typeof DIMENSIONS, value: string): string {
  if (value === '(direct)') return 'Direct (no referrer)';
  if (value === '' || value === 'unknown') return 'Unknown';
  if (dimension === 'countries' && /^[A-Z]{2}$/.test(value)) {
    try {
      return regionNames.of(value) ?? value;
    } catch {
      return value;
    }
  }
  return value;
}

const DIMENSIONS = {
  countries: 'Countries',
  referrers: 'Referrers',
  devices: 'Devices',
  browsers: 'Browsers',
  os: 'Operating systems',
} as const;

function dimensionOption(labels: string[], counted: Counted, colours: ChartColours): EChartsCoreOption {
  return {
    animation: false,
    grid: { left: 8, right: 40, top: 4, bottom: 4, containLabel: true },
    xAxis: { type: 'value', show: false },
    yAxis: {
      type: 'category',
      inverse: true,
      data: labels,
      axisLabel: { color: colours.fg, width: 140, overflow: 'truncate' },
      axisLine: { show: false },
      axisTick: { show: false },
    },
    series: [
      {
        type: 'bar',
        data: counted.map((entry) => entry.clicks),
        itemStyle: { color: colours.accent, borderRadius: 3 },
        label: { show: true, position: 'right', color: colours.fg },
        barMaxWidth: 18,
      },
    ],
  };
}

function Dimension({
  name,
  counted,
  total,
}: {
  name: keyof typeof DIMENSIONS;
  counted: Counted;
  total: number;
}) {
  const colours = useChartColours();
  const labels = useMemo(() => counted.map((entry) => valueLabel(name, entry.value)), [name, counted]);
  const option = useMemo(() => dimensionOption(labels, counted, colours), [labels, counted, colours]);
  const title = DIMENSIONS[name];
  const headingId = `dimension-${name}`;
  const summary = `${title}: ${counted
    .map((entry, index) => {
      const share = total > 0 ? ` (${Math.round((entry.clicks / total) * 100)} %)` : '';
      return `${labels[index]} ${numbers.format(entry.clicks)}${share}`;
    })
    .join(', ')}.`;
  return (
    <section className="card dimension" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {counted.length === 0 ? (
        <p className="muted">None recorded in this range.</p>
      ) : (
        <Chart option={option} label={summary} className="chart" height={counted.length * 28 + 16} />
      )}
    </section>
  );
}

/** Countries, referrers, devices, browsers and operating systems: the top 10 of each. */
export function Dimensions({ stats }: { stats: Stats }) {
  return (
    <div className="dimensions">
      {(Object.keys(DIMENSIONS) as (keyof typeof DIMENSIONS)[]).map((name) => (
        <Dimension key={name} name={name} counted={stats[name]} total={stats.total} />
      ))}
    </div>
  );
}

/** Total clicks and unique visitors of the range. */
export function Totals({ stats, visitorsEstimated }: { stats: Stats; visitorsEstimated: boolean }) {
  return (
    <dl className="totals">
      <div>
        <dt>Clicks{stats.includeBots ? ' (bots included)' : ''}</dt>
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
