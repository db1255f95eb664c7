import { MAX_TRACE_LINKS } from '../payload.ts';
import { CLICK_FLAG_BOT, type ClickBatchV2, type ClickEventV1 } from './schema.ts';

/** What the User-Agent classifier says about a click; objects are interned by identity, then by value. */
export interface ClickAgent {
  readonly device: string;
  readonly browser: string;
  readonly os: string;
}

/** One click as the edge captured it, before it is written into a batch. */
export interface CapturedClick {
  readonly linkId: string;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
  /** Interned by identity first: pass the classifier's (cached) object rather than a copy. */
  readonly agent: ClickAgent;
  readonly referrerHost: string | null;
  /** ISO 3166-1 alpha-2 upper case, or null when unknown. */
  readonly country: string | null;
  readonly isBot: boolean;
  readonly visitorHash: string | null;
  /** The A/B variant's name; null or absent without one. */
  readonly variant?: string | null | undefined;
  /** The W3C traceparent of the request's span when it was sampled (tracing on); absent otherwise. */
  readonly trace?: string | undefined;
}

/**
 * Accumulates clicks into a v2 batch without keeping an object per click: dictionary entries are interned once
 * and each click appends one small integer (or short string) to each column. `build()` returns the payload and
 * leaves the builder empty for the next batch.
 */
export class ClickBatchBuilder {
  private baseTime = 0;
  private links: string[] = [];
  private agents: [string, string, string][] = [];
  private referrers: string[] = [];
  private visitors: string[] = [];
  private link: number[] = [];
  private time: number[] = [];
  private agent: number[] = [];
  private referrer: number[] = [];
  private country: string[] = [];
  private flags: number[] = [];
  private visitor: number[] = [];
  private variants: string[] = [];
  private variant: number[] = [];
  /** Sampled requests' traceparents, at most MAX_TRACE_LINKS; stays empty (and unallocated) without tracing. */
  private traces: string[] | undefined;
  private linkIndex = new Map<string, number>();
  private agentByObject = new Map<ClickAgent, number>();
  private agentByValue = new Map<string, number>();
  private referrerIndex = new Map<string, number>();
  private visitorIndex = new Map<string, number>();
  private variantIndex = new Map<string, number>();

  /** Clicks added since the last build. */
  get size(): number {
    return this.link.length;
  }

  add(click: CapturedClick): void {
    const { linkId, occurredAt, referrerHost, country, visitorHash } = click;
    if (this.link.length === 0) this.baseTime = occurredAt;
    this.link.push(intern(this.linkIndex, this.links, linkId));
    this.time.push(occurredAt - this.baseTime);
    this.agent.push(this.agentOf(click.agent));
    this.referrer.push(referrerHost === null ? -1 : intern(this.referrerIndex, this.referrers, referrerHost));
    this.country.push(country ?? '');
    this.flags.push(click.isBot ? CLICK_FLAG_BOT : 0);
    this.visitor.push(visitorHash === null ? -1 : intern(this.visitorIndex, this.visitors, visitorHash));
    const { variant } = click;
    this.variant.push(
      variant === null || variant === undefined ? -1 : intern(this.variantIndex, this.variants, variant),
    );
    const { trace } = click;
    if (trace !== undefined) {
      this.traces ??= [];
      if (this.traces.length < MAX_TRACE_LINKS) this.traces.push(trace);
    }
  }

  /** The batch so far (at least one click), under `batchId`; the builder starts over. */
  build(batchId: string): ClickBatchV2 {
    if (this.link.length === 0) throw new Error('a click batch needs at least one click');
    const batch: ClickBatchV2 = {
      v: 2,
      batchId,
      baseTime: this.baseTime,
      links: this.links,
      agents: this.agents,
      referrers: this.referrers,
      visitors: this.visitors,
      link: this.link,
      time: this.time,
      agent: this.agent,
      referrer: this.referrer,
      country: this.country,
      flags: this.flags,
      visitor: this.visitor,
    };
    // Only a batch with a variant carries the columns: the others stay what consumers before splits read.
    if (this.variants.length > 0) {
      batch.variants = this.variants;
      batch.variant = this.variant;
    }
    if (this.traces !== undefined) batch.traces = this.traces;
    this.reset();
    return batch;
  }

  private agentOf(agent: ClickAgent): number {
    const known = this.agentByObject.get(agent);
    if (known !== undefined) return known;
    const key = `${agent.device}\n${agent.browser}\n${agent.os}`;
    let index = this.agentByValue.get(key);
    if (index === undefined) {
      index = this.agents.length;
      this.agents.push([agent.device, agent.browser, agent.os]);
      this.agentByValue.set(key, index);
    }
    this.agentByObject.set(agent, index);
    return index;
  }

  private reset(): void {
    this.links = [];
    this.agents = [];
    this.referrers = [];
    this.visitors = [];
    this.link = [];
    this.time = [];
    this.agent = [];
    this.referrer = [];
    this.country = [];
    this.flags = [];
    this.visitor = [];
    this.variants = [];
    this.variant = [];
    this.traces = undefined;
    this.linkIndex.clear();
    this.agentByObject.clear();
    this.agentByValue.clear();
    this.referrerIndex.clear();
    this.visitorIndex.clear();
    this.variantIndex.clear();
  }
}

function intern(index: Map<string, number>, values: string[], value: string): number {
  let at = index.get(value);
  if (at === undefined) {
    at = values.length;
    values.push(value);
    index.set(value, at);
  }
  return at;
}

/** A click as the producer knows it: a v1 event without its id (v2 derives the ids). */
export type ClickInput = Omit<ClickEventV1, 'eventId'>;

/** Encodes clicks as one v2 batch (event i gets `clickEventId(batchId, i)`). */
export function encodeClickBatchV2(batchId: string, clicks: readonly ClickInput[]): ClickBatchV2 {
  const builder = new ClickBatchBuilder();
  for (const click of clicks) {
    // The click carries device, browser and os itself: it is its own agent.
    builder.add({ ...click, agent: click });
  }
  return builder.build(batchId);
}
