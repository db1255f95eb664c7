import type { Pool } from 'pg';
import { type IncomingClick, type IngestResult, ingestEvents, summarise } from './ingest-clicks.ts';
import type { VisitorSketches } from './visitor-sketches.ts';

export interface ClickIngestor {
  /** Resolves once every event of the batch is committed with its roll-ups; rejects if any part failed. */
  ingest(batch: readonly IncomingClick[]): Promise<IngestResult>;
}

export interface CoalescingIngestorOptions {
  pool: Pool;
  /**
   * Transactions in flight at once, each owning a disjoint set of links (by link id hash). Two
   * transactions of one consumer never touch the same roll-up or link row, so they neither wait for
   * nor deadlock with each other, and Postgres can use one core per partition. The pool needs at least
   * this many connections. Each lane writes its own shard of the account roll-ups, which all of an
   * account's links share (ingest-clicks.ts).
   */
  partitions?: number;
  /** Upper bound of events in one transaction (a batch's share is never split to fit). */
  maxEventsPerTransaction?: number;
  /**
   * How long a lane lets the first waiting batch wait for others before its transaction starts (0: at once).
   * A wider window adds each link's clicks to its roll-ups in fewer, larger upserts, which is most of what a
   * click costs Postgres; the statistics show the clicks that much later. A full transaction
   * (`maxEventsPerTransaction`) starts without waiting.
   */
  lingerMs?: number;
  /** Called after each committed transaction with the events it held (a metric). */
  onTransaction?: (events: number) => void;
  /**
   * Account-wide unique visitors (Redis HyperLogLog). A transaction's jobs resolve only once its visitors
   * are added, so a failure there fails the jobs and their redelivery adds them again (nothing else twice).
   * Without it (benches of the statement alone) account sketches are not written.
   */
  sketches?: VisitorSketches;
}

interface Submission {
  events: IncomingClick[];
  /** performance.now() when it reached the lane: the window of its group opens then. */
  arrivedAt: number;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit for click batches. While a partition's transaction runs, the events of the jobs that
 * arrive meanwhile wait and then go into its next transaction together, so a busy consumer pays one
 * commit and one set of roll-up upserts per group instead of per job, and pre-aggregates over more clicks
 * (a hot link's counters are updated once per group). With `lingerMs` a lane also lets its first
 * waiting batch wait that long for others (CLICK_INGEST_LINGER_MS, ADR 0018); without it an idle consumer
 * runs each batch at once.
 *
 * A job resolves only after every transaction holding its events has committed, so acknowledging it
 * stays safe. If one of them fails, the job fails and BullMQ retries it whole: the part that did commit
 * is recognised by its event ids and skipped, so nothing is counted twice.
 */
export function createCoalescingIngestor({
  pool,
  partitions = 2,
  maxEventsPerTransaction = 5000,
  lingerMs = 0,
  onTransaction,
  sketches,
}: CoalescingIngestorOptions): ClickIngestor {
  const lanes = Array.from({ length: Math.max(1, partitions) }, (_, shard) =>
    createLane({ pool, maxEvents: maxEventsPerTransaction, lingerMs, shard, sketches, onTransaction }),
  );

  return {
    async ingest(batch) {
      const shares: IncomingClick[][] = lanes.map(() => []);
      for (const click of batch) shares[partitionOf(click.linkId, lanes.length)]?.push(click);
      const results = await Promise.all(
        shares.flatMap((events, i) => (events.length === 0 ? [] : [lanes[i]?.submit(events)])),
      );
      const total: IngestResult = { received: 0, inserted: 0, duplicates: 0, orphaned: 0 };
      for (const result of results) {
        if (result === undefined) continue;
        total.received += result.received;
        total.inserted += result.inserted;
        total.duplicates += result.duplicates;
        total.orphaned += result.orphaned;
      }
      return total;
    },
  };
}

/** Stable spread of link ids over partitions (the last hex digits of a UUID are random). */
function partitionOf(linkId: string, count: number): number {
  if (count === 1) return 0;
  const tail = Number.parseInt(linkId.slice(-4), 16);
  return Number.isNaN(tail) ? 0 : tail % count;
}

interface LaneOptions {
  pool: Pool;
  maxEvents: number;
  lingerMs: number;
  shard: number;
  sketches?: VisitorSketches | undefined;
  onTransaction?: ((events: number) => void) | undefined;
}

/**
 * One transaction at a time, grouping whatever arrived while the previous one ran, or within `lingerMs` of
 * the first batch that is waiting, whichever is later.
 */
function createLane({ pool, maxEvents, lingerMs, shard, sketches, onTransaction }: LaneOptions) {
  let pending: Submission[] = [];
  let pendingEvents = 0;
  let running = false;
  let timer: NodeJS.Timeout | null = null;

  function takeGroup(): Submission[] {
    let events = 0;
    let count = 0;
    for (const submission of pending) {
      if (count > 0 && events + submission.events.length > maxEvents) break;
      events += submission.events.length;
      count += 1;
    }
    const group = pending.slice(0, count);
    pending = pending.slice(count);
    pendingEvents -= events;
    return group;
  }

  async function flush(group: Submission[]): Promise<void> {
    try {
      const events = group.flatMap((submission) => submission.events);
      const outcome = await ingestEvents(pool, events, shard);
      onTransaction?.(events.length);
      await sketches?.add(outcome.visitors);
      const claimed = new Set<string>();
      for (const submission of group) submission.resolve(summarise(submission.events, outcome, claimed));
    } catch (error) {
      // A value Postgres refuses in one batch must not fail the jobs it happened to be grouped with:
      // run them one by one so only the faulty job fails (and retries or dead-letters on its own).
      if (group.length > 1 && isDataError(error)) {
        for (const submission of group) await flush([submission]);
        return;
      }
      for (const submission of group) submission.reject(error);
    }
  }

  /** Starts the next transaction when its window has passed or it is full; otherwise wakes up when it will be. */
  function schedule(): void {
    const oldest = pending[0];
    if (running || oldest === undefined) return;
    const wait = lingerMs - (performance.now() - oldest.arrivedAt);
    if (wait > 0 && pendingEvents < maxEvents) {
      timer ??= setTimeout(() => {
        timer = null;
        schedule();
      }, Math.ceil(wait));
      return;
    }
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    running = true;
    void flush(takeGroup()).finally(() => {
      running = false;
      schedule();
    });
  }

  return {
    submit(events: IncomingClick[]): Promise<IngestResult> {
      return new Promise<IngestResult>((resolve, reject) => {
        pending.push({ events, arrivedAt: performance.now(), resolve, reject });
        pendingEvents += events.length;
        schedule();
      });
    },
  };
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the rows, not the server. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
