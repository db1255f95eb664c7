import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { QUEUE_NAMES } from './names.ts';
import { InvalidJobPayloadError, problemsOf, unknownVersion, versionOf } from './payload.ts';

/**
 * The `click-event-partitions` job of the `maintenance` queue: create click_events' partitions ahead and drop
 * those past the retention. It carries no parameters: the consumer that runs it reads the retention from its
 * own configuration, so a changed CLICK_EVENT_RETENTION_DAYS applies from the next run on.
 */
export const ClickEventPartitionsJobV1 = Type.Object({ v: Type.Literal(1) }, { additionalProperties: false });
export type ClickEventPartitionsJobV1 = Static<typeof ClickEventPartitionsJobV1>;

export type ClickEventPartitionsJob = ClickEventPartitionsJobV1;

const checkV1 = Compile(ClickEventPartitionsJobV1);

export function parseClickEventPartitionsJob(data: unknown): ClickEventPartitionsJob {
  const version = versionOf(data);
  switch (version) {
    case 1:
      if (checkV1.Check(data)) return data;
      throw new InvalidJobPayloadError(QUEUE_NAMES.maintenance, problemsOf(checkV1, data));
    default:
      throw unknownVersion(QUEUE_NAMES.maintenance, version);
  }
}
