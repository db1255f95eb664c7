import { type Static, Type } from 'typebox';
import { loadConfig } from './env.ts';
import { int, str } from './fields.ts';
import {
  clickEventRetentionFields,
  customDomainFields,
  type DerivedCustomDomains,
  type DerivedShared,
  dependencyCheckFields,
  deriveCustomDomains,
  deriveShared,
  mailFields,
  sharedFields,
  tracingFields,
} from './shared.ts';

// No WEB_CONCURRENCY: the consumer scales by worker concurrency and replicas, not by forking. No METRICS_PORT
// either: its one port serves only /health, /ready and /metrics, never public traffic.
export const ConsumerConfigSchema = Type.Object({
  ...sharedFields(3001),
  ...dependencyCheckFields(),
  ...customDomainFields(),
  ...mailFields(),
  ...clickEventRetentionFields(),
  ...tracingFields('analytics-consumer', 1),
  mailFrom: str({
    default: 'BoltLink <boltlink@localhost>',
    description: 'From address of the mails the consumer sends (used when SMTP_URL is set)',
  }),
  clickWorkerConcurrency: int({
    default: 8,
    min: 1,
    max: 256,
    description:
      'Click batch jobs in flight; batches that arrive while a transaction runs are grouped into the next one (group commit)',
  }),
  clickIngestPartitions: int({
    default: 2,
    min: 1,
    max: 32,
    description:
      'Click transactions in flight at once, each owning a disjoint set of links (never more than DATABASE_POOL_MAX)',
  }),
  // bench/results/click-cost-linger-*.md: at 12,000 redirects/s, 500 ms took Postgres from 58.6–59.8 to
  // 34.7–35.1 µs per counted click (ADR 0018); 0 starts each transaction as soon as its lane is free.
  clickIngestLingerMs: int({
    default: 500,
    min: 0,
    max: 10_000,
    description:
      'How long a click transaction waits for more batches before it starts (0: at once); a wider window folds more clicks into each roll-up upsert (less Postgres CPU per click) and shows them that much later in the stats',
  }),
  // ADR 0018: the breakdowns are folded from the events of many ingestion transactions at once; a longer
  // interval folds more clicks of the same link, day and value into one row (less Postgres CPU per click).
  clickRollupIntervalMs: int({
    default: 10_000,
    min: 50,
    max: 300_000,
    description:
      'How often the breakdowns (countries, referrers, variants, devices, browsers, OS) are brought up to date from the stored clicks; totals, timelines and unique visitors are counted at once, breakdowns follow within this interval',
  }),
  metadataWorkerConcurrency: int({
    default: 4,
    min: 1,
    max: 256,
    description: 'Link metadata fetches in parallel',
  }),
  metadataTimeoutMs: int({
    default: 5000,
    min: 100,
    max: 60_000,
    description: 'Total deadline of one metadata fetch, redirects included',
  }),
  domainCheckSweepMs: int({
    default: 15_000,
    min: 50,
    max: 3_600_000,
    description: 'How often the consumer looks for pending custom domains whose next check is due',
  }),
  metadataMaxBytes: int({
    default: 1_048_576,
    min: 1024,
    max: 16 * 1_048_576,
    description: 'Most bytes read from a page when fetching its metadata',
  }),
});

export type ConsumerConfig = Static<typeof ConsumerConfigSchema> & DerivedShared & DerivedCustomDomains;

export function loadConsumerConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  return deriveCustomDomains(deriveShared(loadConfig(ConsumerConfigSchema, env)));
}
