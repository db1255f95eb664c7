import type { Histogram } from 'prom-client';

/**
 * Observations of a histogram counted in preallocated arrays and added to its prom-client series when the
 * histogram is read (every scrape), for a path that observes too often for prom-client's `observe`: that
 * validates the label object, builds its series key from the label values and looks it up, on every call
 * (about a quarter of the edge's CPU per cached redirect on Node 26, measured with bench/edge-ab.ts). Here
 * the series is found once (`series`) and an observation is a bucket search and three additions.
 *
 * What a scrape shows is the same as with `observe`: the same series, buckets, sum and count, whoever else
 * observes into them; tallied observations appear at the next read.
 */
export interface HistogramTally<L extends string> {
  /** The number of the series with these labels, for `observe`: look it up once, not per observation. */
  series(labels: Record<L, string | number>): number;
  /** One observation of `value` in `series` (a number from `series`). */
  observe(series: number, value: number): void;
}

/** What prom-client 15 keeps per series of a histogram (lib/histogram.js `createBaseValues`). */
interface PromClientSeries {
  labels: Record<string, string | number>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

interface Tallied {
  labels: Record<string, string | number>;
  /** Observations per bucket (non-cumulative), then those above the last bound. */
  counts: Float64Array;
  sum: number;
  total: number;
}

const folds = new WeakMap<Histogram<string>, (() => void)[]>();

/**
 * Adds every tally of `histogram` to its series: call it from the histogram's `collect`, so each read
 * (a scrape, or the cluster primary's gathering of its workers) includes what was tallied until then.
 */
export function foldTallies(histogram: Histogram<string>): void {
  for (const fold of folds.get(histogram) ?? []) fold();
}

function sameLabels(a: Record<string, string | number>, b: Record<string, string | number>): boolean {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((key) => String(a[key]) === String(b[key]));
}

/**
 * The series of `labels` as prom-client keeps it, created empty by the public `zero` when it does not exist.
 *
 * prom-client has no public way to add many observations at once, so this is the one place that writes its
 * internal series record. Delete it when prom-client can add pre-counted buckets itself; its shape is
 * checked here so that an upgrade that changes it fails loudly (and the tests that scrape after tallied
 * observations fail) instead of losing observations.
 */
function promClientSeries(
  histogram: Histogram<string>,
  labels: Record<string, string | number>,
): PromClientSeries {
  const find = () => {
    const map = (histogram as unknown as { hashMap?: Record<string, PromClientSeries> }).hashMap ?? {};
    return Object.values(map).find((entry) => sameLabels(entry.labels, labels));
  };
  let entry = find();
  if (entry === undefined) {
    histogram.zero(labels);
    entry = find();
  }
  if (
    entry === undefined ||
    typeof entry.bucketValues !== 'object' ||
    typeof entry.sum !== 'number' ||
    typeof entry.count !== 'number'
  ) {
    throw new Error(
      `prom-client's histogram series record is not the one histogram-tally.ts was written for`,
    );
  }
  return entry;
}

/**
 * A tally for `histogram`, whose bucket bounds are `buckets` (the ones it was created with); folded into it
 * by `foldTallies`, which the histogram's `collect` must call (`createMetricsRegistry`'s HTTP histogram does).
 */
export function createHistogramTally<L extends string>(
  histogram: Histogram<L>,
  buckets: readonly number[],
): HistogramTally<L> {
  const bounds = Float64Array.from(buckets);
  const tallied: Tallied[] = [];
  const byKey = new Map<string, number>();

  function fold(): void {
    for (const series of tallied) {
      if (series.total === 0) continue;
      const entry = promClientSeries(histogram as Histogram<string>, series.labels);
      for (let i = 0; i < bounds.length; i += 1) {
        const key = String(bounds[i]);
        entry.bucketValues[key] = (entry.bucketValues[key] ?? 0) + (series.counts[i] ?? 0);
      }
      entry.sum += series.sum;
      entry.count += series.total;
      series.counts.fill(0);
      series.sum = 0;
      series.total = 0;
    }
  }
  const registered = folds.get(histogram as Histogram<string>) ?? [];
  registered.push(fold);
  folds.set(histogram as Histogram<string>, registered);

  return {
    series(labels) {
      const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
      const known = byKey.get(key);
      if (known !== undefined) return known;
      tallied.push({ labels: { ...labels }, counts: new Float64Array(bounds.length + 1), sum: 0, total: 0 });
      byKey.set(key, tallied.length - 1);
      return tallied.length - 1;
    },
    observe(series, value) {
      const entry = tallied[series];
      if (entry === undefined) throw new RangeError(`no tallied series ${series}`);
      let bucket = 0;
      while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket += 1;
      entry.counts[bucket] = (entry.counts[bucket] ?? 0) + 1;
      entry.sum += value;
      entry.total += 1;
    },
  };
}
