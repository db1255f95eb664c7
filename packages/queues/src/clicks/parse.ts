import { Compile } from 'typebox/compile';
import { QUEUE_NAMES } from '../names.ts';
import {
  InvalidJobPayloadError,
  problemsOf,
  unknownVersion,
  versionOf,
  withValidTracing,
} from '../payload.ts';
import { clickEventId } from './event-id.ts';
import { CLICK_FLAG_BOT, type ClickBatch, ClickBatchV1, ClickBatchV2, type ClickEvent } from './schema.ts';

const checkClickBatchV1 = Compile(ClickBatchV1);
const checkClickBatchV2 = Compile(ClickBatchV2);

/** What the v2 schema cannot express; [] when the batch is consistent. */
function v2Problems(batch: ClickBatchV2): string[] {
  const problems: string[] = [];
  const count = batch.link.length;
  for (const column of ['time', 'agent', 'referrer', 'country', 'flags', 'visitor'] as const) {
    if (batch[column].length !== count) {
      problems.push(`/${column}: ${batch[column].length} entries, /link has ${count}`);
    }
  }
  if ((batch.variants === undefined) !== (batch.variant === undefined)) {
    problems.push('/variant: comes with /variants, and /variants with /variant');
  } else if (batch.variant !== undefined && batch.variant.length !== count) {
    problems.push(`/variant: ${batch.variant.length} entries, /link has ${count}`);
  }
  if (problems.length > 0) return problems;
  const indexed = [
    ['link', batch.links.length],
    ['agent', batch.agents.length],
    ['referrer', batch.referrers.length],
    ['visitor', batch.visitors.length],
  ] as const;
  for (const [column, size] of indexed) {
    const values = batch[column];
    for (let i = 0; i < count; i += 1) {
      if ((values[i] as number) >= size) {
        problems.push(`/${column}/${i}: index ${values[i]} outside a dictionary of ${size}`);
        break;
      }
    }
  }
  if (batch.variant !== undefined) {
    const size = batch.variants?.length ?? 0;
    for (let i = 0; i < count; i += 1) {
      if ((batch.variant[i] as number) >= size) {
        problems.push(`/variant/${i}: index ${batch.variant[i]} outside a dictionary of ${size}`);
        break;
      }
    }
  }
  for (let i = 0; i < count; i += 1) {
    if (batch.baseTime + (batch.time[i] as number) < 0) {
      problems.push(`/time/${i}: before the epoch`);
      break;
    }
  }
  return problems;
}

/** Producer-side check of a v2 batch (the whole schema and the cross-field rules); throws when invalid. */
export function assertClickBatchV2(data: unknown): asserts data is ClickBatchV2 {
  if (!checkClickBatchV2.Check(data)) {
    throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, problemsOf(checkClickBatchV2, data));
  }
  const problems = v2Problems(data);
  if (problems.length > 0) throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, problems);
}

function decodeClickBatchV2(batch: ClickBatchV2): ClickBatch {
  const { batchId, baseTime, links, agents, referrers, visitors, variants, variant: variantColumn } = batch;
  const events: ClickEvent[] = new Array(batch.link.length);
  for (let i = 0; i < events.length; i += 1) {
    // Indices were checked against their dictionaries by assertClickBatchV2.
    const agent = agents[batch.agent[i] as number] as [string, string, string];
    const referrer = batch.referrer[i] as number;
    const visitor = batch.visitor[i] as number;
    const country = batch.country[i] as string;
    const variant = variantColumn === undefined ? -1 : (variantColumn[i] as number);
    events[i] = {
      eventId: clickEventId(batchId, i),
      linkId: links[batch.link[i] as number] as string,
      occurredAt: baseTime + (batch.time[i] as number),
      referrerHost: referrer === -1 ? null : (referrers[referrer] as string),
      country: country === '' ? null : country,
      device: agent[0],
      browser: agent[1],
      os: agent[2],
      isBot: ((batch.flags[i] as number) & CLICK_FLAG_BOT) !== 0,
      visitorHash: visitor === -1 ? null : (visitors[visitor] as string),
    };
    // Set only when there is one: a batch without variants decodes to the events it always did.
    if (variant !== -1 && variants !== undefined)
      (events[i] as ClickEvent).variant = variants[variant] as string;
  }
  return { v: 1, batchId, events };
}

/**
 * Validates a clicks job as it comes off the queue and returns it in the current normalised shape (v1's
 * events, each with its id). v2 is what the edge writes; v1 stays readable for jobs written before it (and
 * for producers of the normalised shape). Drop `case 1` only once no v1 job can still be queued.
 */
export function parseClickBatch(data: unknown): ClickBatch {
  const version = versionOf(data);
  switch (version) {
    case 1:
      if (checkClickBatchV1.Check(data)) return data;
      throw new InvalidJobPayloadError(QUEUE_NAMES.clicks, problemsOf(checkClickBatchV1, data));
    case 2: {
      // Tracing is a diagnosis aid: a malformed `traces` entry or `trace` is dropped, the clicks still count.
      const batch = withValidTracing(data);
      assertClickBatchV2(batch);
      return decodeClickBatchV2(batch);
    }
    default:
      throw unknownVersion(QUEUE_NAMES.clicks, version);
  }
}
