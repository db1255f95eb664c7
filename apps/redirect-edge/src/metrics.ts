import type { MetricsRegistry } from '@boltlink/observability/metrics';
import type { LookupSource } from './domain/resolve-link.ts';

export interface EdgeMetrics {
  lookup(source: LookupSource): void;
  cacheError(): void;
  clicksDropped(count: number): void;
  clicksEnqueued(count: number): void;
  clickPublishFailed(): void;
  observeBuffer(size: () => number): void;
}

/** Counters of the redirect path. Children are bound once: an increment on the hot path is a field update. */
export function createEdgeMetrics(metrics: MetricsRegistry): EdgeMetrics {
  const lookups = metrics.counter({
    name: 'link_lookups_total',
    help: 'Link lookups answered, by the layer that answered (lru, redis, postgres)',
    labelNames: ['source'],
  });
  const bySource = {
    lru: lookups.labels('lru'),
    redis: lookups.labels('redis'),
    postgres: lookups.labels('postgres'),
  } as const;
  const cacheErrors = metrics.counter({
    name: 'link_cache_errors_total',
    help: 'Failed Redis link-cache reads or write-backs (the lookup fell through to Postgres)',
  });
  const dropped = metrics.counter({
    name: 'clicks_dropped_total',
    help: 'Click events dropped because the in-memory buffer was full (queue Redis unreachable or too slow)',
  });
  const enqueued = metrics.counter({
    name: 'clicks_enqueued_total',
    help: 'Click events enqueued to the clicks queue',
  });
  const publishFailures = metrics.counter({
    name: 'click_batch_publish_failures_total',
    help: 'Click batches that failed to enqueue and went back to the buffer',
  });
  let bufferSize: () => number = () => 0;
  metrics.gauge({
    name: 'click_buffer_events',
    help: 'Click events waiting in memory to be enqueued',
    collect() {
      this.set(bufferSize());
    },
  });

  return {
    lookup: (source) => bySource[source].inc(),
    cacheError: () => cacheErrors.inc(),
    clicksDropped: (count) => dropped.inc(count),
    clicksEnqueued: (count) => enqueued.inc(count),
    clickPublishFailed: () => publishFailures.inc(),
    observeBuffer(size) {
      bufferSize = size;
    },
  };
}
