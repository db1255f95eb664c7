/**
 * The event id of click `index` in a v2 batch: the batch id with its last 32 bits replaced by
 * (those bits + index) mod 2^32, lower case. The last 32 bits hold neither the version nor the variant, so the
 * id is still a v4 UUID. Unique within a batch (index < 5000 < 2^32). Across batches, two ids can only be equal
 * if the batch ids agree on the other 90 random bits and their 32-bit ranges overlap: for a billion batches
 * the chance is about (10^9)^2 / 2 * 2^-90 * (2 * 5000 / 2^32), below 10^-12. Redelivering a job, or
 * re-enqueuing the same payload after a failed write, gives the same ids, so ON CONFLICT still deduplicates.
 */
export function clickEventId(batchId: string, index: number): string {
  const low = (Number.parseInt(batchId.slice(28), 16) + index) >>> 0;
  return `${batchId.slice(0, 28).toLowerCase()}${low.toString(16).padStart(8, '0')}`;
}
