import type { IncomingMessage, RequestListener } from 'node:http';
import {
  type Context,
  context,
  DiagLogLevel,
  diag,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TraceCarrier, Tracing, TracingLogger, TracingSettings } from './tracing.ts';

// Loaded only through startTracing (tracing.ts), when an OTLP endpoint is configured.

/** Spans waiting for export; past this, new spans are dropped (and the drop logged), never memory grown. */
const MAX_QUEUED_SPANS = 2048;
const EXPORT_DELAY_MS = 2000;
/** One export request; the exporter retries within it, then gives the batch up. */
const EXPORT_TIMEOUT_MS = 10_000;
const REPORT_INTERVAL_MS = 60_000;
const SCOPE = '@boltlink/observability';

const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};

/** Export trouble (collector down, queue full) is logged once, then at most once a minute with a count. */
function throttledReporter(logger: TracingLogger) {
  let last = 0;
  let suppressed = 0;
  return (message: string, error?: unknown) => {
    const now = Date.now();
    if (now - last < REPORT_INTERVAL_MS) {
      suppressed += 1;
      return;
    }
    logger.warn({ err: error, suppressed }, `tracing: ${message}`);
    last = now;
    suppressed = 0;
  };
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** `scheme://host:port/path` of a URL: no credentials, no query (a destination's query may hold secrets). */
function safeUrl(url: string): { full: string; host: string; port: number } | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  return { full: `${parsed.protocol}//${parsed.host}${parsed.pathname}`, host: parsed.hostname, port };
}

function endWithError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute(
    'error.type',
    typeof code === 'string' ? code : error instanceof Error ? error.name : 'error',
  );
}

export function createTracing(settings: TracingSettings, logger: TracingLogger): Tracing {
  const report = throttledReporter(logger);
  setGlobalErrorHandler((error) =>
    report('span export failed; spans are dropped until the collector answers', error),
  );
  diag.setLogger(
    {
      error: (message) => report(message),
      warn: (message) => report(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  const processor = new BatchSpanProcessor({
    exporter: new OTLPTraceExporter({ url: settings.tracesUrl, timeoutMillis: EXPORT_TIMEOUT_MS }),
    maxQueueSize: MAX_QUEUED_SPANS,
    scheduledDelayMillis: EXPORT_DELAY_MS,
    exportTimeoutMillis: EXPORT_TIMEOUT_MS,
  });
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName });
  const provider = new TracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer(SCOPE);
  // The edge decides before it makes any span (one random number per request), so its spans go through a
  // tracer that records whatever it is given; a second ratio there would square the first.
  const sampledProvider = new TracerProvider({
    resource,
    sampler: new AlwaysOnSampler(),
    spanProcessors: [processor],
  });
  const edgeTracer = sampledProvider.getTracer(SCOPE);
  const propagator = new W3CTraceContextPropagator();

  const requestContexts = new WeakMap<FastifyRequest, Context>();
  const edgeSpans = new WeakMap<IncomingMessage, Span>();

  /** Span links to W3C traceparents; a value the propagator cannot read is left out. */
  function linksTo(traceparents: readonly string[] | undefined): Link[] | undefined {
    if (traceparents === undefined || traceparents.length === 0) return undefined;
    const links: Link[] = [];
    for (const traceparent of traceparents) {
      const linked = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { traceparent }, headerGetter));
      if (linked !== undefined && isSpanContextValid(linked)) links.push({ context: linked });
    }
    return links.length > 0 ? links : undefined;
  }

  function carrierOf(ctx: Context): TraceCarrier | undefined {
    const carrier: Record<string, string> = {};
    propagator.inject(ctx, carrier, { set: (target, key, value) => (target[key] = value) });
    const { traceparent, tracestate } = carrier;
    if (traceparent === undefined) return undefined;
    return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
  }

  return {
    instrumentFastify(app: FastifyInstance) {
      app.addHook('onRequest', (request, _reply, done) => {
        const parent = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
        const route = request.routeOptions.url;
        const span = tracer.startSpan(
          route === undefined ? request.method : `${request.method} ${route}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [ATTR_HTTP_REQUEST_METHOD]: request.method,
              [ATTR_URL_PATH]: pathOf(request.url),
              ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
            },
          },
          parent,
        );
        const ctx = trace.setSpan(parent, span);
        requestContexts.set(request, ctx);
        context.with(ctx, done);
      });
      // The body is read between onRequest and the handler, on the socket's own async context: the request's
      // context is entered again so the handler's work (queries, jobs) lands in its trace.
      app.addHook('preHandler', (request, _reply, done) => {
        const ctx = requestContexts.get(request);
        if (ctx === undefined) done();
        else context.with(ctx, done);
      });
      app.addHook('onResponse', (request, reply, done) => {
        const span = trace.getSpan(requestContexts.get(request) ?? ROOT_CONTEXT);
        if (span !== undefined) {
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
          if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
        done();
      });
      app.addHook('onRequestAbort', (request, done) => {
        const span = trace.getSpan(requestContexts.get(request) ?? ROOT_CONTEXT);
        if (span !== undefined) {
          span.setAttribute('error.type', 'aborted');
          span.end();
        }
        done();
      });
    },

    wrapEdgeListener(listener: RequestListener, routeOf: (req: IncomingMessage) => string | undefined) {
      const ratio = settings.sampleRatio;
      return (req, res) => {
        if (ratio === 0 || Math.random() >= ratio) {
          listener(req, res);
          return;
        }
        const method = req.method ?? 'GET';
        const route = routeOf(req);
        const span = edgeTracer.startSpan(
          route === undefined ? method : `${method} ${route}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [ATTR_HTTP_REQUEST_METHOD]: method,
              [ATTR_URL_PATH]: pathOf(req.url),
              ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
            },
          },
          ROOT_CONTEXT,
        );
        edgeSpans.set(req, span);
        res.once('close', () => {
          if (res.writableFinished) {
            span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
            if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          } else span.setAttribute('error.type', 'aborted');
          span.end();
        });
        context.with(trace.setSpan(ROOT_CONTEXT, span), () => listener(req, res));
      };
    },

    instrumentEdgeRoutes(app: FastifyInstance) {
      app.addHook('onRequest', (request, _reply, done) => {
        const route = request.routeOptions.url;
        const span = edgeSpans.get(request.raw);
        if (span !== undefined && route !== undefined) {
          span.setAttribute(ATTR_HTTP_ROUTE, route);
          span.updateName(`${request.method} ${route}`);
        }
        done();
      });
    },

    sampledTraceparent() {
      const span = trace.getSpan(context.active());
      if (span === undefined) return undefined;
      const { traceId, spanId, traceFlags } = span.spanContext();
      // On the edge the only spans are its sampled request spans (wrapEdgeListener); a non-sampled request runs
      // in the root context and has none.
      if ((traceFlags & 1) === 0) return undefined;
      return `00-${traceId}-${spanId}-01`;
    },

    async produce(queue, jobName, send, traceparents) {
      const links = linksTo(traceparents);
      // A job that holds work of several sampled traces (a click batch) is a trace of its own, linked to them
      // and recorded with them, even when a request that filled it is active; otherwise the current trace and
      // the ratio decide.
      const base = links === undefined ? context.active() : ROOT_CONTEXT;
      const span = (links === undefined ? tracer : edgeTracer).startSpan(
        `send ${queue}`,
        {
          kind: SpanKind.PRODUCER,
          links,
          attributes: {
            'messaging.system': 'bullmq',
            'messaging.operation.type': 'send',
            'messaging.destination.name': queue,
            'bullmq.job.name': jobName,
          },
        },
        base,
      );
      const ctx = trace.setSpan(base, span);
      try {
        const result = await context.with(ctx, () => send(carrierOf(ctx)));
        if (typeof result === 'string') span.setAttribute('messaging.message.id', result);
        return result;
      } catch (error) {
        endWithError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },

    async consume(queue, job, carrier, run, traceparents) {
      const parent =
        carrier === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, headerGetter);
      const span = tracer.startSpan(
        `process ${queue}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'bullmq',
            'messaging.operation.type': 'process',
            'messaging.destination.name': queue,
            'bullmq.job.name': job.name,
            'bullmq.job.attempts_made': job.attemptsMade,
            ...(job.id === undefined ? {} : { 'messaging.message.id': job.id }),
          },
          links: linksTo(traceparents),
        },
        parent,
      );
      try {
        return await context.with(trace.setSpan(parent, span), run);
      } catch (error) {
        endWithError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },

    async clientRequest(method, url, run) {
      const target = safeUrl(url);
      const span = tracer.startSpan(method, {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          ...(target === undefined
            ? {}
            : { 'url.full': target.full, 'server.address': target.host, 'server.port': target.port }),
        },
      });
      const ctx = trace.setSpan(context.active(), span);
      try {
        return await context.with(ctx, () =>
          run({
            setStatusCode(status) {
              span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
              if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
            },
          }),
        );
      } catch (error) {
        endWithError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },

    async shutdown(timeoutMs = 5000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      // Both providers share the processor: shutting it down (through either) flushes what is queued.
      await Promise.race([Promise.all([provider.shutdown(), sampledProvider.shutdown()]), deadline]).catch(
        (error: unknown) => report('span flush on shutdown failed', error),
      );
      clearTimeout(timer);
    },
  };
}
