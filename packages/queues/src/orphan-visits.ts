import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { QUEUE_NAMES } from './names.ts';
import { InvalidJobPayloadError, Nullable, problemsOf, Uuid, unknownVersion, versionOf } from './payload.ts';

/**
 * The `orphan-visits` job: what an edge saw of requests that reached no link (an unknown code, a bare domain
 * without a root redirect, a dead link), counted in memory per domain, path, kind, minute, referrer host,
 * country and bot flag, and flushed as one batch. Past the edge's bound on distinct keys per flush, visits are
 * only counted per domain, kind and minute (`overflow`): a storm of random paths costs a few rows, not one per
 * path. `batchId` makes a redelivered job count nothing twice.
 */

export const ORPHAN_VISIT_KINDS = ['not-found', 'root', 'gone'] as const;
export type OrphanVisitKind = (typeof ORPHAN_VISIT_KINDS)[number];

/** Longest path a batch carries; the edge cuts longer ones (no link is that long). */
export const MAX_ORPHAN_PATH_LENGTH = 256;
/** At most this many visit keys and as many overflow keys in one batch. */
export const MAX_ORPHAN_KEYS_PER_BATCH = 5000;

const Kind = Type.Union([Type.Literal('not-found'), Type.Literal('root'), Type.Literal('gone')]);
const Domain = Type.String({ minLength: 1, maxLength: 253 });
/** The start of the UTC minute, epoch milliseconds. */
const Minute = Type.Integer({ minimum: 0, multipleOf: 60_000 });
const Count = Type.Integer({ minimum: 1 });

export const OrphanVisitBatchV1 = Type.Object(
  {
    v: Type.Literal(1),
    batchId: Uuid(),
    visits: Type.Array(
      Type.Object(
        {
          domain: Domain,
          path: Type.String({ minLength: 1, maxLength: MAX_ORPHAN_PATH_LENGTH }),
          kind: Kind,
          minute: Minute,
          referrerHost: Nullable(Type.String({ minLength: 1, maxLength: 253 })),
          country: Nullable(Type.String({ pattern: '^[A-Z]{2}$' })),
          isBot: Type.Boolean(),
          count: Count,
        },
        { additionalProperties: false },
      ),
      { maxItems: MAX_ORPHAN_KEYS_PER_BATCH },
    ),
    overflow: Type.Array(
      Type.Object(
        { domain: Domain, kind: Kind, minute: Minute, count: Count },
        { additionalProperties: false },
      ),
      { maxItems: MAX_ORPHAN_KEYS_PER_BATCH },
    ),
  },
  { additionalProperties: false },
);
export type OrphanVisitBatchV1 = Static<typeof OrphanVisitBatchV1>;
export type OrphanVisitBatch = OrphanVisitBatchV1;
export type OrphanVisit = OrphanVisitBatch['visits'][number];
export type OrphanOverflow = OrphanVisitBatch['overflow'][number];

const checkV1 = Compile(OrphanVisitBatchV1);

export function parseOrphanVisitBatch(data: unknown): OrphanVisitBatch {
  const version = versionOf(data);
  switch (version) {
    case 1:
      if (checkV1.Check(data)) return data;
      throw new InvalidJobPayloadError(QUEUE_NAMES.orphanVisits, problemsOf(checkV1, data));
    default:
      throw unknownVersion(QUEUE_NAMES.orphanVisits, version);
  }
}
