/**
 * Every queue and job BoltLink runs, in one import: the names, each job's payload schemas and parser, and the
 * job options. Each job lives in its own module (`clicks/`, `link-metadata.ts`) beside what they share
 * (`payload.ts`); this file only lists them, so an importer does not need to know where a job is defined.
 */
export {
  type CapturedClick,
  type ClickAgent,
  ClickBatchBuilder,
  type ClickInput,
  encodeClickBatchV2,
} from './clicks/batch-builder.ts';
export { clickEventId } from './clicks/event-id.ts';
export { assertClickBatchV2, parseClickBatch } from './clicks/parse.ts';
export {
  CLICK_FLAG_BOT,
  type ClickBatch,
  ClickBatchV1,
  ClickBatchV2,
  type ClickEvent,
  ClickEventV1,
  MAX_EVENTS_PER_BATCH,
} from './clicks/schema.ts';
export { type EmailJob, EmailJobV1, emailJobOptions, parseEmailJob } from './email.ts';
export { defaultJobOptions } from './job-options.ts';
export { type LinkMetadataJob, LinkMetadataJobV1, parseLinkMetadataJob } from './link-metadata.ts';
export {
  type ClickEventPartitionsJob,
  ClickEventPartitionsJobV1,
  parseClickEventPartitionsJob,
} from './maintenance.ts';
export { JOB_NAMES, QUEUE_NAMES, type QueueName } from './names.ts';
export {
  MAX_ORPHAN_KEYS_PER_BATCH,
  MAX_ORPHAN_PATH_LENGTH,
  ORPHAN_VISIT_KINDS,
  type OrphanOverflow,
  type OrphanVisit,
  type OrphanVisitBatch,
  OrphanVisitBatchV1,
  type OrphanVisitKind,
  parseOrphanVisitBatch,
} from './orphan-visits.ts';
export {
  InvalidJobPayloadError,
  MAX_TRACE_LINKS,
  TraceCarrier,
  traceCarrierOf,
  traceLinksOf,
} from './payload.ts';
