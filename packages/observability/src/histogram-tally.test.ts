import { AggregatorRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics.ts';

const route = '/:code';
// Below the first bound, between bounds, exactly on a bound, and above the last one (+Inf only).
const VALUES = [0.0001, 0.0003, 0.003, 0.005, 0.07, 2, 42];

const histogramLines = (text: string) =>
  text.split('\n').filter((line) => line.startsWith('http_request_duration_seconds'));

describe('a histogram tally', () => {
  it('scrapes exactly as the same observations made one by one, into the same series', async () => {
    const direct = createMetricsRegistry('edge', { defaultMetrics: false });
    const tallied = createMetricsRegistry('edge', { defaultMetrics: false });
    const tally = tallied.httpRequestDurationTally();
    const get302 = tally.series({ method: 'GET', route, status_code: 302 });
    const head301 = tally.series({ method: 'HEAD', route, status_code: 301 });
    for (const value of VALUES) {
      direct.httpRequestDuration.observe({ method: 'GET', route, status_code: 302 }, value);
      direct.httpRequestDuration.observe({ method: 'HEAD', route, status_code: 301 }, value / 10);
      tally.observe(get302, value);
      tally.observe(head301, value / 10);
    }
    // Another path observing into one of the tallied series, as Fastify's hook does.
    direct.httpRequestDuration.observe({ method: 'GET', route, status_code: 302 }, 0.02);
    tallied.httpRequestDuration.observe({ method: 'GET', route, status_code: 302 }, 0.02);

    const expected = histogramLines(await direct.registry.metrics());
    expect(expected.length).toBeGreaterThan(0);
    expect(histogramLines(await tallied.registry.metrics())).toEqual(expected);
    // Read again with nothing new: nothing is added twice.
    expect(histogramLines(await tallied.registry.metrics())).toEqual(expected);

    tally.observe(get302, 0.0002);
    direct.httpRequestDuration.observe({ method: 'GET', route, status_code: 302 }, 0.0002);
    expect(histogramLines(await tallied.registry.metrics())).toEqual(
      histogramLines(await direct.registry.metrics()),
    );
  });

  it('shows no series that was looked up but never observed', async () => {
    const metrics = createMetricsRegistry('edge', { defaultMetrics: false });
    metrics.httpRequestDurationTally().series({ method: 'GET', route, status_code: 308 });
    expect(histogramLines(await metrics.registry.metrics())).toEqual([]);
  });

  it('is included in what a cluster primary gathers from its workers', async () => {
    const worker = createMetricsRegistry('edge', { defaultMetrics: false });
    const tally = worker.httpRequestDurationTally();
    const series = tally.series({ method: 'GET', route, status_code: 302 });
    for (let i = 0; i < 5; i += 1) tally.observe(series, 0.0004);
    const merged = AggregatorRegistry.aggregate([await worker.registry.getMetricsAsJSON()]);
    expect(await merged.metrics()).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/:code",status_code="302",service="edge"\} 5$/m,
    );
  });
});
