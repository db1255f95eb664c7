import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { ClientSpan, Tracing } from '@boltlink/observability/tracing';
import { Agent, errors as undiciErrors } from 'undici';
import { refusalReason, unbracket } from './address-policy.ts';
import { MetadataFetchError } from './fetch-errors.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has. Injected so tests can simulate DNS answers. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SafeFetchOptions {
  resolve?: Resolver;
  /** Ports a destination may use. Default 80 and 443. */
  allowedPorts?: readonly number[];
  /**
   * Test-only escape hatch: loopback addresses are accepted on exactly these ports (the test's own fixture
   * server). Production wiring never sets it; there is no environment variable that can.
   */
  allowLoopbackPorts?: readonly number[];
  maxRedirects?: number;
  /** Deadline for the whole fetch, every redirect hop, DNS and body included. */
  timeoutMs?: number;
  maxBytes?: number;
  userAgent?: string;
  /** A client span per request (OTEL_EXPORTER_OTLP_ENDPOINT set); none when tracing is off. */
  tracer?: Pick<Tracing, 'clientRequest'>;
}

export interface FetchedDocument {
  /** The URL of the document after redirects; relative links in it resolve against this. */
  url: URL;
  contentType: string;
  body: Buffer;
  /** True when the body was cut at maxBytes. */
  truncated: boolean;
}

export type HtmlFetcher = (url: string) => Promise<FetchedDocument>;

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const LOOPBACK = new Set(['127.0.0.1', '::1']);

export const defaultResolver: Resolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

interface VettedTarget {
  url: URL;
  hostname: string;
  address: string;
  family: 4 | 6;
}

/**
 * Fetches an HTML document from a user-supplied URL without letting that URL reach our own network:
 * every hop is resolved here, every resolved address is checked, and the socket is pinned to the
 * checked address (undici `connect.lookup`), so a DNS answer that changes between check and connect
 * (rebinding) cannot redirect the connection.
 */
export function createSafeFetcher(options: SafeFetchOptions = {}): HtmlFetcher {
  const resolve = options.resolve ?? defaultResolver;
  const allowedPorts = new Set(options.allowedPorts ?? [80, 443]);
  const loopbackPorts = new Set(options.allowLoopbackPorts ?? []);
  const maxRedirects = options.maxRedirects ?? 5;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const tracer = options.tracer;
  const userAgent = options.userAgent ?? 'BoltLinkBot/1.0 (link preview; +https://github.com/boltlink)';

  function portOf(url: URL): number {
    if (url.port !== '') return Number(url.port);
    return url.protocol === 'https:' ? 443 : 80;
  }

  function checkAddress(address: string, port: number): void {
    if (LOOPBACK.has(address) && loopbackPorts.has(port)) return;
    const reason = refusalReason(address);
    if (reason !== null) {
      throw new MetadataFetchError('blocked_address', `refusing to connect to ${address}: ${reason}`);
    }
    if (!allowedPorts.has(port)) {
      throw new MetadataFetchError('blocked_port', `refusing port ${port}`);
    }
  }

  async function vet(url: URL, signal: AbortSignal): Promise<VettedTarget> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new MetadataFetchError('blocked_scheme', `refusing scheme ${url.protocol}`);
    }
    const port = portOf(url);
    // Early refusal before any DNS work; checkAddress decides for the loopback test ports.
    if (!allowedPorts.has(port) && !loopbackPorts.has(port)) {
      throw new MetadataFetchError('blocked_port', `refusing port ${port}`);
    }
    const hostname = unbracket(url.hostname);
    if (hostname === '') throw new MetadataFetchError('invalid_url', 'URL has no host');

    const literal = isIP(hostname);
    if (literal !== 0) {
      checkAddress(hostname, port);
      return { url, hostname, address: hostname, family: literal === 6 ? 6 : 4 };
    }

    let answers: ResolvedAddress[];
    try {
      answers = await abortable(resolve(hostname), signal);
    } catch (error) {
      if (signal.aborted) throw timeoutError();
      const code = (error as NodeJS.ErrnoException).code;
      // EAI_AGAIN is a temporary resolver failure; NXDOMAIN (ENOTFOUND) will not fix itself soon.
      throw new MetadataFetchError(
        'dns_failure',
        `cannot resolve ${hostname}: ${code ?? String(error)}`,
        code === 'EAI_AGAIN',
      );
    }
    const first = answers[0];
    if (first === undefined) throw new MetadataFetchError('dns_failure', `${hostname} has no addresses`);
    // Every answer must be public: a name that mixes public and internal addresses is refused outright
    // rather than hoping the connection picks the public one.
    for (const answer of answers) checkAddress(answer.address, port);
    return { url, hostname, address: first.address, family: first.family };
  }

  function pinnedLookup(target: VettedTarget): LookupFunction {
    return (hostname, lookupOptions, callback) => {
      if (hostname !== target.hostname) {
        const error = new MetadataFetchError('blocked_address', `unexpected lookup of ${hostname}`) as Error;
        callback(error as NodeJS.ErrnoException, '', 4);
        return;
      }
      // node asks for every address when autoSelectFamily is on (the default since Node 20).
      if (lookupOptions.all) {
        (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [
          { address: target.address, family: target.family },
        ]);
      } else {
        callback(null, target.address, target.family);
      }
    };
  }

  /** One request of the fetch (the first, or a redirect's), in a client span when tracing is on. */
  async function fetchHop(
    url: URL,
    signal: AbortSignal,
    span: ClientSpan | undefined,
  ): Promise<{ next: URL } | { document: FetchedDocument }> {
    const target = await vet(url, signal);
    const agent = new Agent({
      connect: { lookup: pinnedLookup(target), timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      pipelining: 0,
    });
    try {
      const response = await agent
        .request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          signal,
          headers: {
            'user-agent': userAgent,
            accept: 'text/html,application/xhtml+xml;q=0.9',
            'accept-encoding': 'gzip, deflate, br',
          },
        })
        .catch((error: unknown) => {
          throw translateNetworkError(error, signal);
        });
      span?.setStatusCode(response.statusCode);

      if (REDIRECT_STATUSES.has(response.statusCode)) {
        discard(response.body);
        const location = header(response.headers, 'location');
        if (location === undefined) {
          throw new MetadataFetchError('http_status', `redirect ${response.statusCode} without Location`);
        }
        if (!URL.canParse(location, url)) {
          throw new MetadataFetchError('invalid_url', 'redirect to an invalid URL');
        }
        return { next: new URL(location, url) };
      }
      if (response.statusCode < 200 || response.statusCode > 299) {
        discard(response.body);
        const retryable = response.statusCode >= 500 || response.statusCode === 429;
        throw new MetadataFetchError('http_status', `status ${response.statusCode}`, retryable);
      }
      const contentType = header(response.headers, 'content-type') ?? '';
      const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      if (!HTML_TYPES.has(mediaType)) {
        discard(response.body);
        throw new MetadataFetchError('not_html', `content type ${mediaType || 'missing'}`);
      }
      const encoding = header(response.headers, 'content-encoding')?.trim().toLowerCase();
      const { body, truncated } = await readCapped(decoded(response.body, encoding), maxBytes).catch(
        (error: unknown) => {
          throw translateNetworkError(error, signal);
        },
      );
      return { document: { url, contentType, body, truncated } };
    } finally {
      await agent.destroy().catch(() => undefined);
    }
  }

  return async function fetchHtml(input: string): Promise<FetchedDocument> {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new MetadataFetchError('invalid_url', 'not a valid URL');
    }
    const signal = AbortSignal.timeout(timeoutMs);

    for (let hop = 0; hop <= maxRedirects; hop += 1) {
      const current = url;
      const outcome =
        tracer === undefined
          ? await fetchHop(current, signal, undefined)
          : await tracer.clientRequest('GET', current.href, (span) => fetchHop(current, signal, span));
      if ('document' in outcome) return outcome.document;
      url = outcome.next;
    }
    throw new MetadataFetchError('too_many_redirects', `more than ${maxRedirects} redirects`);
  };
}

function noop(): void {}

/**
 * Drops a body we will not read. Destroying an undici body emits an AbortError on it; without a
 * listener that would be an uncaught exception.
 */
function discard(body: Readable): void {
  body.on('error', noop);
  body.destroy();
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decoded(body: Readable, encoding: string | undefined): Readable {
  switch (encoding) {
    case undefined:
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return pipeline(body, createGunzip(), noop);
    case 'deflate':
      return pipeline(body, createInflate(), noop);
    case 'br':
      return pipeline(body, createBrotliDecompress(), noop);
    default:
      discard(body);
      throw new MetadataFetchError('not_html', `unsupported content encoding ${encoding}`);
  }
}

/** Reads at most maxBytes of (decompressed) body, then drops the connection: a bomb or an endless stream stops here. */
async function readCapped(stream: Readable, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      if (size + buffer.length >= maxBytes) {
        chunks.push(buffer.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(buffer);
      size += buffer.length;
    }
  } finally {
    discard(stream);
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

function timeoutError(): MetadataFetchError {
  return new MetadataFetchError('timeout', 'deadline exceeded', true);
}

function translateNetworkError(error: unknown, signal: AbortSignal): Error {
  if (error instanceof MetadataFetchError) return error;
  if (signal.aborted) return timeoutError();
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return timeoutError();
  }
  // The pinned lookup refusing a host surfaces as a connect error carrying our own error as its cause.
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof MetadataFetchError) return cause;
  const message = error instanceof Error ? error.message : String(error);
  return new MetadataFetchError('network', message, true);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(timeoutError());
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(timeoutError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
