/** Every queue BoltLink runs; also the BullMQ queue names. */
export const QUEUE_NAMES = {
  clicks: 'clicks',
  linkMetadata: 'link-metadata',
  email: 'email',
  maintenance: 'maintenance',
  orphanVisits: 'orphan-visits',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** BullMQ job names (one per queue today); shown in dashboards and logs. */
export const JOB_NAMES = {
  clickBatch: 'click-batch',
  linkMetadata: 'link-metadata',
  email: 'email',
  clickEventPartitions: 'click-event-partitions',
  orphanVisitBatch: 'orphan-visit-batch',
} as const;
