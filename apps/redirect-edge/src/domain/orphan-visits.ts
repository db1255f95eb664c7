import { randomUUID } from 'node:crypto';
import {
  MAX_ORPHAN_PATH_LENGTH,
  type OrphanOverflow,
  type OrphanVisit,
  type OrphanVisitBatch,
  type OrphanVisitKind,
} from '@boltlink/queues/catalog';
import { country, referrerHost } from './click-recorder.ts';
import type { CountryLookup } from './geoip.ts';
import { isHumanClick, type UserAgentInfo } from './user-agent.ts';

/** What a request that reached no link is recorded as; read from the request without copying headers. */
export interface OrphanRequest {
  /** The served domain's name (never the raw Host: a hostile Host cannot make new keys). */
  domain: string;
  /** The request target; its query string is dropped. */
  url: string;
  kind: OrphanVisitKind;
  method: string;
  ip: string;
  userAgent: string | undefined;
  referer: string | undefined;
  /** The trusted country header's value, when one is configured. */
  country: string | string[] | undefined;
}

export interface OrphanVisitPublisher {
  publish(batch: OrphanVisitBatch): Promise<void>;
}

export interface OrphanVisitRecorderOptions {
  publisher: OrphanVisitPublisher;
  /** Distinct visit keys per flush (and as many overflow keys); see ORPHAN_VISITS_MAX_KEYS. */
  maxKeys: number;
  flushIntervalMs: number;
  classify: (userAgent: string | undefined) => UserAgentInfo;
  countryLookup?: CountryLookup;
  now?: () => number;
  /** Visits counted only per domain, kind and minute because the key bound was reached. */
  onOverflow?: (count: number) => void;
  /** Visits not counted at all: both bounds reached (only a storm over many domains gets here). */
  onDropped?: (count: number) => void;
  /** A batch could not be enqueued; it is tried again at the next flush. */
  onPublishError?: (error: unknown) => void;
}

export interface OrphanVisitRecorder {
  record(request: OrphanRequest): void;
  /** Enqueues what was counted since the last flush (a batch that failed before first). */
  flush(): Promise<void>;
  /** Stops the timer and flushes once more. */
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;
const SEPARATOR = '\u0000';

/**
 * Counts requests that reached no link in memory, per (domain, path, kind, minute, referrer host, country,
 * bot), and enqueues the counts as one batch per interval: a 404 storm becomes a few small jobs and rows, not
 * one per request. At most `maxKeys` distinct keys are kept per interval; past that a visit is only counted
 * per (domain, kind, minute), so random paths cannot grow memory or the batch. A batch that cannot be
 * enqueued is kept (one at a time, with its id, so a retry never counts twice) and tried before the next.
 */
export function createOrphanVisitRecorder(options: OrphanVisitRecorderOptions): OrphanVisitRecorder {
  const { publisher, maxKeys, classify, countryLookup } = options;
  const now = options.now ?? Date.now;
  let visits = new Map<string, OrphanVisit>();
  let overflow = new Map<string, OrphanOverflow>();
  let pending: OrphanVisitBatch | undefined;
  let flushing: Promise<void> = Promise.resolve();

  function pathOf(url: string): string {
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    return path.length > MAX_ORPHAN_PATH_LENGTH ? path.slice(0, MAX_ORPHAN_PATH_LENGTH) : path || '/';
  }

  function countOverflow(domain: string, kind: OrphanVisitKind, minute: number): void {
    const key = domain + SEPARATOR + kind + SEPARATOR + minute;
    const known = overflow.get(key);
    if (known !== undefined) known.count += 1;
    else if (overflow.size < maxKeys) overflow.set(key, { domain, kind, minute, count: 1 });
    else {
      options.onDropped?.(1);
      return;
    }
    options.onOverflow?.(1);
  }

  async function publish(batch: OrphanVisitBatch): Promise<boolean> {
    try {
      await publisher.publish(batch);
      return true;
    } catch (error) {
      options.onPublishError?.(error);
      return false;
    }
  }

  async function flushOnce(): Promise<void> {
    if (pending !== undefined) {
      if (!(await publish(pending))) return;
      pending = undefined;
    }
    if (visits.size === 0 && overflow.size === 0) return;
    const batch: OrphanVisitBatch = {
      v: 1,
      batchId: randomUUID(),
      visits: [...visits.values()],
      overflow: [...overflow.values()],
    };
    visits = new Map();
    overflow = new Map();
    if (!(await publish(batch))) pending = batch;
  }

  const timer = setInterval(() => void flush(), options.flushIntervalMs);
  timer.unref();

  function flush(): Promise<void> {
    flushing = flushing.then(flushOnce);
    return flushing;
  }

  return {
    record(request) {
      const minute = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
      const { domain, kind } = request;
      const path = pathOf(request.url);
      const referrer = referrerHost(request.referer);
      const from = country(request.country) ?? countryLookup?.lookup(request.ip) ?? null;
      const isBot = !isHumanClick(request.method, classify(request.userAgent));
      const key = [domain, path, kind, minute, referrer ?? '', from ?? '', isBot ? 1 : 0].join(SEPARATOR);
      const known = visits.get(key);
      if (known !== undefined) {
        known.count += 1;
        return;
      }
      if (visits.size >= maxKeys) {
        countOverflow(domain, kind, minute);
        return;
      }
      visits.set(key, { domain, path, kind, minute, referrerHost: referrer, country: from, isBot, count: 1 });
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
