import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';
import { createHistogramTally, foldTallies, type HistogramTally } from './histogram-tally.ts';

export const HTTP_DURATION_METRIC = 'http_request_duration_seconds';
type HttpLabel = 'method' | 'route' | 'status_code';

// The edge answers cached redirects in well under a millisecond, so the low end needs resolution
// that prom-client's default buckets (starting at 5 ms) do not have.
export const HTTP_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Route label for requests that matched no route (404s), so probing random paths adds one series. */
export const UNMATCHED_ROUTE = '__unmatched__';

type MetricConfig<C> = Omit<C, 'registers'>;

export interface MetricsRegistry {
  registry: Registry;
  service: string;
  /** Duration of every HTTP response, labelled by route pattern; recorded by `metricsPlugin`. */
  httpRequestDuration: Histogram<HttpLabel>;
  /**
   * Observations into `httpRequestDuration` for a path that answers outside Fastify at a rate where
   * prom-client's per-call label handling shows: counted in arrays, added to the histogram at each scrape.
   */
  httpRequestDurationTally(): HistogramTally<HttpLabel>;
  counter<T extends string>(config: MetricConfig<CounterConfiguration<T>>): Counter<T>;
  gauge<T extends string>(config: MetricConfig<GaugeConfiguration<T>>): Gauge<T>;
  histogram<T extends string>(config: MetricConfig<HistogramConfiguration<T>>): Histogram<T>;
}

function httpDurationHistogram(registry: Registry): Histogram<HttpLabel> {
  const existing = registry.getSingleMetric(HTTP_DURATION_METRIC);
  if (existing instanceof Histogram) return existing as Histogram<HttpLabel>;
  if (existing) throw new Error(`${HTTP_DURATION_METRIC} is already registered with another metric type`);
  return new Histogram<HttpLabel>({
    name: HTTP_DURATION_METRIC,
    help: 'Duration of HTTP requests in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
    collect() {
      foldTallies(this);
    },
  });
}

/**
 * One registry per service (never prom-client's global one, so tests and several apps in one
 * process do not collide), with Node process metrics and a `service` label on every series.
 */
export function createMetricsRegistry(
  service: string,
  options: { defaultMetrics?: boolean } = {},
): MetricsRegistry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const httpRequestDuration = httpDurationHistogram(registry);
  return {
    registry,
    service,
    httpRequestDuration,
    httpRequestDurationTally: () => createHistogramTally(httpRequestDuration, HTTP_DURATION_BUCKETS),
    counter: (config) => new Counter({ ...config, registers: [registry] }),
    gauge: (config) => new Gauge({ ...config, registers: [registry] }),
    histogram: (config) => new Histogram({ ...config, registers: [registry] }),
  };
}

export interface MetricsPluginOptions {
  registry: Registry;
  /** Route patterns not recorded in the HTTP histogram (probes and scrapes would drown real traffic). */
  excludeRoutes?: readonly string[];
  /**
   * Also answer `GET /metrics` on this app's port. Only for a port that is not public (the consumer's);
   * the HTTP services serve metrics on METRICS_PORT instead (`@boltlink/cluster`), and their public
   * ports answer 404.
   */
  exposeRoute?: boolean;
}

const DEFAULT_EXCLUDED_ROUTES = ['/metrics', '/health', '/ready', '/health/dependencies'];

// Exempt from rate limiting: a scraper must never be locked out. `as const` keeps this assignable to
// the route config type whether or not @fastify/rate-limit's type augmentation is loaded.
const probeRouteConfig = { rateLimit: false } as const;

const plugin: FastifyPluginCallback<MetricsPluginOptions> = (app, options, done) => {
  const { registry } = options;
  const histogram = httpDurationHistogram(registry);
  const excluded = new Set(options.excludeRoutes ?? DEFAULT_EXCLUDED_ROUTES);

  // Callback-style hook: no promise per response, one observe, route pattern (not the raw URL).
  app.addHook('onResponse', (request, reply, next) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    if (!excluded.has(route)) {
      histogram.observe(
        { method: request.method, route, status_code: reply.statusCode },
        reply.elapsedTime / 1000,
      );
    }
    next();
  });

  if (options.exposeRoute !== true) {
    done();
    return;
  }
  app.get('/metrics', { logLevel: 'warn', config: probeRouteConfig }, async (_request, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });

  done();
};

/** Records `http_request_duration_seconds` for every route of the app, and serves `GET /metrics` if asked. */
export const metricsPlugin = fp(plugin, { fastify: '5.x', name: '@boltlink/observability/metrics' });
