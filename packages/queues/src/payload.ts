import { type Static, type TSchema, Type } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { QueueName } from './names.ts';

/**
 * What every job payload shares. Payloads are wire formats that outlive a deploy: each carries a version (`v`),
 * is validated when enqueued and when consumed, and a consumer reads the current and the previous version so
 * a rolling update with mixed producers and consumers loses nothing.
 */

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = () => Type.String({ pattern: UUID, minLength: 36, maxLength: 36 });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A payload no retry can fix; the worker turns it into BullMQ's UnrecoverableError. */
export class InvalidJobPayloadError extends Error {
  override readonly name = 'InvalidJobPayloadError';
  readonly queue: QueueName;
  readonly problems: readonly string[];

  constructor(queue: QueueName, problems: readonly string[]) {
    super(`invalid ${queue} job payload: ${problems.join('; ')}`);
    this.queue = queue;
    this.problems = problems;
  }
}

const MAX_REPORTED_PROBLEMS = 5;

/** The first few schema violations of `data`, as `path: message`. */
export function problemsOf(check: Validator, data: unknown): string[] {
  const problems: string[] = [];
  for (const error of check.Errors(data)) {
    problems.push(`${error.instancePath || '/'}: ${error.message}`);
    if (problems.length === MAX_REPORTED_PROBLEMS) break;
  }
  return problems.length > 0 ? problems : ['does not match the schema'];
}

/** The payload's `v`, whatever the payload is. */
export function versionOf(data: unknown): unknown {
  return typeof data === 'object' && data !== null ? (data as { v?: unknown }).v : undefined;
}

export function unknownVersion(queue: QueueName, version: unknown): InvalidJobPayloadError {
  return new InvalidJobPayloadError(queue, [`unknown payload version ${JSON.stringify(version)}`]);
}

/**
 * The W3C trace context a job may carry from the request that queued it to the worker that runs it
 * (docs/operations/tracing.md). Optional in every payload that has it; a value that does not match is dropped
 * when the payload is read, never a reason to fail the job: tracing is a diagnosis aid, not part of the work.
 */
/** A W3C `traceparent` value: version, trace id, parent span id, flags (lower-case hex). */
export const Traceparent = () =>
  Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$', maxLength: 55 });

export const TraceCarrier = Type.Object(
  {
    traceparent: Traceparent(),
    tracestate: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type TraceCarrier = Static<typeof TraceCarrier>;

const checkTraceCarrier = Compile(TraceCarrier);

/** The payload's trace context if it carries a valid one. */
export function traceCarrierOf(data: unknown): TraceCarrier | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const trace: unknown = (data as { trace?: unknown }).trace;
  return checkTraceCarrier.Check(trace) ? trace : undefined;
}

/** `data` without a `trace` that is not a valid trace context, so the payload's own check judges the rest. */
export function withoutInvalidTrace(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('trace' in data)) return data;
  if (traceCarrierOf(data) !== undefined) return data;
  const { trace: _dropped, ...rest } = data as Record<string, unknown>;
  return rest;
}

/**
 * The most traces one payload links to (a click batch's `traces`: the sampled requests whose clicks it holds).
 * At the edge's default ratio (0.01) a batch of 2,000 clicks holds about 20; past the cap the rest are left out.
 */
export const MAX_TRACE_LINKS = 32;

const checkTraceparent = Compile(Traceparent());

/**
 * The payload's `traces` (W3C traceparents of the traces it should link to): the valid entries, at most
 * MAX_TRACE_LINKS, or undefined when there are none. A malformed entry is left out, never a reason to fail.
 */
export function traceLinksOf(data: unknown): string[] | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const traces: unknown = (data as { traces?: unknown }).traces;
  if (!Array.isArray(traces)) return undefined;
  let valid: string[] | undefined;
  for (const entry of traces) {
    if (!checkTraceparent.Check(entry)) continue;
    valid ??= [];
    valid.push(entry);
    if (valid.length === MAX_TRACE_LINKS) break;
  }
  return valid;
}

/**
 * `data` with its tracing fields reduced to what is valid (see `withoutInvalidTrace` and `traceLinksOf`), so the
 * payload's own check judges the rest. The input is not modified; it is returned as is when nothing is dropped.
 */
export function withValidTracing(data: unknown): unknown {
  const checked = withoutInvalidTrace(data);
  if (typeof checked !== 'object' || checked === null || !('traces' in checked)) return checked;
  const { traces, ...rest } = checked as Record<string, unknown>;
  const valid = traceLinksOf(checked);
  if (valid === undefined) return rest;
  if (Array.isArray(traces) && valid.length === traces.length) return checked;
  return { ...rest, traces: valid };
}
