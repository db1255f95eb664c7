import type { MetricsRegistry } from '@boltlink/observability/metrics';
import type { BreakerState } from './domain/circuit-breaker.ts';
import type { DomainLookupSource } from './domain/domain-directory.ts';
import type { LookupSource } from './domain/resolve-link.ts';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };

export type RedirectPath = 'fast' | 'fastify';

/** The Fastify route pattern of a redirect (routes/redirect.ts), the histogram's `route` label for both paths. */
export const REDIRECT_ROUTE = '/:code';
const FAST_METHODS = ['GET', 'HEAD'] as const;
const REDIRECT_STATUSES = [301, 302, 307, 308] as const;

export interface EdgeMetrics {
  lookup(source: LookupSource): void;
  /** A custom-domain host looked up beyond the in-process directory. */
  domainLookup(source: DomainLookupSource): void;
  redirectServed(path: RedirectPath): void;
  /**
   * A redirect the fast path served, into the HTTP duration histogram under the route Fastify would have
   * given it (`/:code`), so the histogram covers every redirect whichever path answered.
   */
  fastRedirectDuration(method: string, status: number, seconds: number): void;
  cacheError(): void;
  clicksDropped(count: number): void;
  clicksEnqueued(count: number): void;
  clickPublishFailed(): void;
  observeBuffer(size: () => number): void;
  connectionRefused(): void;
  /** One batch of orphan-visit counts enqueued. */
  orphanVisitBatchEnqueued(): void;
  /** Orphan visits counted per domain, kind and minute only (the per-flush key bound was reached). */
  orphanVisitsOverflowed(count: number): void;
  /** Orphan visits not counted at all (both bounds reached). */
  orphanVisitsDropped(count: number): void;
  cacheBreaker(state: BreakerState, previous: BreakerState): void;
}

/**
 * Counters of the redirect path. The per-request ones (lookups, redirects) are plain integers read by
 * prom-client's `collect()` at scrape time. The HTTP duration histogram gets the requests Fastify answers from
 * the metrics plugin and the fast path's redirects from `fastRedirectDuration`, tallied and added at scrape.
 */
export function createEdgeMetrics(metrics: MetricsRegistry): EdgeMetrics {
  // The fast path's durations are tallied in arrays and added to the histogram at each scrape: prom-client's
  // `observe` builds and looks up a series key per call, about a quarter of a cached redirect's CPU.
  const durations = metrics.httpRequestDurationTally();
  const seriesOf = (method: string, status: number) =>
    durations.series({ method, route: REDIRECT_ROUTE, status_code: status });
  // The series the fast path answers with (GET or HEAD, a redirect status), found without a lookup.
  const fastSeries = FAST_METHODS.flatMap((method) =>
    REDIRECT_STATUSES.map((status) => seriesOf(method, status)),
  );
  function durationSeries(method: string, status: number): number {
    const methodIndex = method === 'GET' ? 0 : method === 'HEAD' ? 1 : -1;
    const statusIndex = REDIRECT_STATUSES.indexOf(status as (typeof REDIRECT_STATUSES)[number]);
    if (methodIndex < 0 || statusIndex < 0) return seriesOf(method, status);
    return fastSeries[methodIndex * REDIRECT_STATUSES.length + statusIndex] ?? seriesOf(method, status);
  }

  const lookupCounts: Record<LookupSource, number> = { lru: 0, redis: 0, postgres: 0 };
  metrics.counter({
    name: 'link_lookups_total',
    help: 'Link lookups answered, by the layer that answered (lru, redis, postgres)',
    labelNames: ['source'],
    collect() {
      this.reset();
      for (const source of ['lru', 'redis', 'postgres'] as const) this.inc({ source }, lookupCounts[source]);
    },
  });
  const redirectCounts: Record<RedirectPath, number> = { fast: 0, fastify: 0 };
  metrics.counter({
    name: 'edge_redirects_total',
    help: 'Redirects served, by the path that served them (fast: without the framework; fastify: the route)',
    labelNames: ['path'],
    collect() {
      this.reset();
      for (const path of ['fast', 'fastify'] as const) this.inc({ path }, redirectCounts[path]);
    },
  });
  // Not per request: only hosts the in-process directory did not know (about one per custom domain and
  // LRU_TTL_MS per process), so prom-client's own counter is cheap enough.
  const domainLookups = metrics.counter({
    name: 'domain_lookups_total',
    help: 'Custom-domain host lookups beyond the in-process directory, by what answered (redis, postgres, stale: the last known answer, both unreachable)',
    labelNames: ['source'],
  });
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
  const refusedConnections = metrics.counter({
    name: 'edge_connections_refused_total',
    help: 'Connections closed on arrival because their address held EDGE_MAX_CONNECTIONS_PER_ADDRESS already',
  });
  const orphanBatches = metrics.counter({
    name: 'edge_orphan_visit_batches_total',
    help: 'Batches of orphan-visit counts (requests that reached no link) enqueued',
  });
  const orphanOverflowed = metrics.counter({
    name: 'edge_orphan_visits_overflowed_total',
    help: 'Orphan visits counted per domain, kind and minute only, past ORPHAN_VISITS_MAX_KEYS distinct keys in a flush',
  });
  const orphanDropped = metrics.counter({
    name: 'edge_orphan_visits_dropped_total',
    help: 'Orphan visits not counted at all: the overflow counts of a flush were full too',
  });
  let bufferSize: () => number = () => 0;
  metrics.gauge({
    name: 'click_buffer_events',
    help: 'Click events waiting in memory to be enqueued',
    collect() {
      this.set(bufferSize());
    },
  });

  const breakerState = metrics.gauge({
    name: 'link_cache_breaker_state',
    help: 'Circuit breaker of the Redis link-cache reads: 0 closed (Redis asked), 1 open (lookups go straight to Postgres), 2 half-open (one probe)',
    // Summed over workers it would mean nothing; the most open worker's state does.
    aggregator: 'max',
  });
  breakerState.set(0);
  const breakerOpens = metrics.counter({
    name: 'link_cache_breaker_opens_total',
    help: 'Times the link-cache breaker opened after a failed or late Redis read (failed probes not counted)',
  });

  return {
    cacheBreaker(state, previous) {
      breakerState.set(BREAKER_STATE_VALUE[state]);
      if (state === 'open' && previous === 'closed') breakerOpens.inc();
    },
    lookup(source) {
      lookupCounts[source] += 1;
    },
    domainLookup: (source) => domainLookups.inc({ source }),
    redirectServed(path) {
      redirectCounts[path] += 1;
    },
    fastRedirectDuration(method, status, seconds) {
      durations.observe(durationSeries(method, status), seconds);
    },
    cacheError: () => cacheErrors.inc(),
    clicksDropped: (count) => dropped.inc(count),
    clicksEnqueued: (count) => enqueued.inc(count),
    clickPublishFailed: () => publishFailures.inc(),
    observeBuffer(size) {
      bufferSize = size;
    },
    connectionRefused: () => refusedConnections.inc(),
    orphanVisitBatchEnqueued: () => orphanBatches.inc(),
    orphanVisitsOverflowed: (count) => orphanOverflowed.inc(count),
    orphanVisitsDropped: (count) => orphanDropped.inc(count),
  };
}
