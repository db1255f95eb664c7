import type { IncomingMessage, RequestListener } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/**
 * OpenTelemetry tracing (docs/operations/tracing.md). This module holds only types and the door in: the SDK,
 * the exporter and the W3C propagator are imported by `startTracing` when an OTLP endpoint is configured, so a
 * service without one loads no tracing code and installs no hook.
 */

/** Where export problems are reported (warn, at most once a minute). */
export type TracingLogger = Pick<FastifyBaseLogger, 'warn'>;

/** Where and what to trace (`tracingSettingsOf` in @boltlink/config/services). */
export interface TracingSettings {
  /** OTLP/HTTP URL that takes protobuf-encoded spans (`…/v1/traces`). */
  tracesUrl: string;
  serviceName: string;
  /** Share of new traces recorded, 0 to 1. */
  sampleRatio: number;
}

/** The W3C trace context a job carries from its producer to its consumer (see @boltlink/queues payload.ts). */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

/** What a span around an outgoing request may be told about its answer. */
export interface ClientSpan {
  setStatusCode(status: number): void;
}

export interface Tracing {
  /** Server spans for every request of this app, children of a sampled W3C `traceparent` when one is sent. */
  instrumentFastify(app: FastifyInstance): void;
  /**
   * The redirect edge's node:http listener, wrapped: a sampled request gets a server span around whatever
   * answers it (the fast path or Fastify). Incoming `traceparent` headers are not followed there: on a public
   * edge a caller would otherwise choose the sampling ratio.
   */
  wrapEdgeListener(
    listener: RequestListener,
    routeOf: (req: IncomingMessage) => string | undefined,
  ): RequestListener;
  /** The route Fastify matched for a request the edge listener traces (the fast path serves `/:code` only). */
  instrumentEdgeRoutes(app: FastifyInstance): void;
  /**
   * The W3C traceparent of the sampled span this code runs in (on the edge: its request's span, see
   * `wrapEdgeListener`), else undefined: what a click remembers of its request so its batch can link to it.
   */
  sampledTraceparent(): string | undefined;
  /**
   * Runs `send` inside a producer span of `queue`, giving it the context the job should carry. With `links`
   * (traceparents of the traces the job holds work of, e.g. a click batch's sampled requests) the span links to
   * them and is recorded whatever the ratio: the traces it links were sampled.
   */
  produce<T>(
    queue: string,
    jobName: string,
    send: (carrier: TraceCarrier | undefined) => Promise<T>,
    links?: readonly string[],
  ): Promise<T>;
  /**
   * Runs a job inside a consumer span, a child of the context the job carried (if any), with a span link to each
   * of `links` (traceparents).
   */
  consume<T>(
    queue: string,
    job: { name: string; id?: string | undefined; attemptsMade: number },
    carrier: TraceCarrier | undefined,
    run: () => Promise<T>,
    links?: readonly string[],
  ): Promise<T>;
  /** Runs an outgoing HTTP request inside a client span. */
  clientRequest<T>(method: string, url: string, run: (span: ClientSpan) => Promise<T>): Promise<T>;
  /** Exports what is queued (bounded by `timeoutMs`) and stops. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Starts tracing for this process when `settings` is given (an endpoint is configured), else does nothing
 * and returns undefined. Export is asynchronous and bounded: spans wait in a queue of fixed size, a collector
 * that is down or slow only costs dropped spans (logged, at most once a minute).
 */
export async function startTracing(
  settings: TracingSettings | undefined,
  logger: TracingLogger,
): Promise<Tracing | undefined> {
  if (settings === undefined) return undefined;
  const { createTracing } = await import('./tracing-sdk.ts');
  return createTracing(settings, logger);
}
