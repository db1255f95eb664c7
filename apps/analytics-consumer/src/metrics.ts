import type { MetricsRegistry } from '@boltlink/observability/metrics';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { FetchFailureCode } from './metadata/fetch-errors.ts';

export type BatchFailureReason = 'invalid_payload' | 'error';
export type MetadataOutcome = 'stored' | 'nothing_found' | 'link_gone' | 'retrying' | FetchFailureCode;

export interface ConsumerMetrics {
  clicksIngested: Counter<string>;
  clickDuplicatesSkipped: Counter<string>;
  clicksOrphaned: Counter<string>;
  clickBatchesFailed: Counter<'reason'>;
  clickBatchDuration: Histogram<string>;
  clickTransactionEvents: Histogram<string>;
  clickRollupEvents: Counter<string>;
  clickRollupRuns: Counter<'outcome'>;
  metadataFetches: Counter<'outcome'>;
  /** 1 while the dependency answers, 0 from the first failure that says it is unreachable until a probe answers. */
  dependencyAvailable: Gauge<'dependency'>;
  jobsDeferred: Counter<'queue'>;
  jobsFailed: Counter<'queue' | 'reason'>;
  mailsSent: Counter<string>;
}

export function createConsumerMetrics(metrics: MetricsRegistry): ConsumerMetrics {
  return {
    clicksIngested: metrics.counter({
      name: 'boltlink_clicks_ingested_total',
      help: 'Click events stored in click_events and counted in the roll-ups',
    }),
    clickDuplicatesSkipped: metrics.counter({
      name: 'boltlink_click_duplicates_skipped_total',
      help: 'Click events skipped because their event id was already stored (redelivered or repeated)',
    }),
    clicksOrphaned: metrics.counter({
      name: 'boltlink_clicks_orphaned_total',
      help: 'Click events dropped because their link no longer exists',
    }),
    clickBatchesFailed: metrics.counter({
      name: 'boltlink_click_batches_failed_total',
      help: 'Click batch attempts that failed (invalid_payload: dropped at once; error: retried with backoff)',
      labelNames: ['reason'],
    }),
    clickBatchDuration: metrics.histogram({
      name: 'boltlink_click_batch_duration_seconds',
      help: 'Time to ingest one click batch (one transaction)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    clickTransactionEvents: metrics.histogram({
      name: 'boltlink_click_transaction_events',
      help: 'Click events per ingestion transaction (batches grouped by group commit and CLICK_INGEST_LINGER_MS)',
      buckets: [10, 100, 500, 1000, 2500, 5000, 10000],
    }),
    clickRollupEvents: metrics.counter({
      name: 'boltlink_click_rollup_events_total',
      help: 'Click events folded into the dimension roll-ups (country, referrer, variant, device/browser/OS, visitors) by this consumer',
    }),
    clickRollupRuns: metrics.counter({
      name: 'boltlink_click_rollup_runs_total',
      help: 'Dimension roll-up runs by outcome (done; busy: another consumer was running one; failed: retried at the next interval)',
      labelNames: ['outcome'],
    }),
    metadataFetches: metrics.counter({
      name: 'boltlink_link_metadata_fetches_total',
      help: 'Link metadata jobs by outcome (stored, nothing_found, link_gone, link_changed, retrying, or why the fetch was refused or failed)',
      labelNames: ['outcome'],
    }),
    dependencyAvailable: metrics.gauge({
      name: 'boltlink_consumer_dependency_available',
      help: 'Whether a dependency the workers need answers (1) or not (0); while 0 the workers take no jobs',
      labelNames: ['dependency'],
    }),
    jobsDeferred: metrics.counter({
      name: 'boltlink_jobs_deferred_total',
      help: 'Jobs handed back to their queue without spending an attempt because a dependency was unreachable',
      labelNames: ['queue'],
    }),
    jobsFailed: metrics.counter({
      name: 'boltlink_jobs_failed_total',
      help: 'Jobs that ended in the failed set (attempts exhausted, or invalid payload); re-queue them with requeue-failed',
      labelNames: ['queue', 'reason'],
    }),
    mailsSent: metrics.counter({
      name: 'boltlink_mails_sent_total',
      help: 'Mails the SMTP server accepted (failed attempts are in boltlink_jobs_failed_total and the logs)',
    }),
  };
}
