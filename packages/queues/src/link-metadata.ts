import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { QUEUE_NAMES } from './names.ts';
import {
  InvalidJobPayloadError,
  problemsOf,
  TraceCarrier,
  Uuid,
  unknownVersion,
  versionOf,
  withoutInvalidTrace,
} from './payload.ts';

/** The `link-metadata` job: fetch a link's page and store its title, description and image. */
export const LinkMetadataJobV1 = Type.Object(
  {
    v: Type.Literal(1),
    linkId: Uuid(),
    url: Type.String({ minLength: 1, maxLength: 8192, pattern: '^[hH][tT][tT][pP][sS]?://' }),
    /** The trace of the request that asked for it; added after v1 shipped, so optional (older jobs lack it). */
    trace: Type.Optional(TraceCarrier),
  },
  { additionalProperties: false },
);
export type LinkMetadataJobV1 = Static<typeof LinkMetadataJobV1>;

export type LinkMetadataJob = LinkMetadataJobV1;

const checkLinkMetadataV1 = Compile(LinkMetadataJobV1);

export function parseLinkMetadataJob(input: unknown): LinkMetadataJob {
  const data = withoutInvalidTrace(input);
  const version = versionOf(data);
  switch (version) {
    case 1:
      if (checkLinkMetadataV1.Check(data)) return data;
      throw new InvalidJobPayloadError(QUEUE_NAMES.linkMetadata, problemsOf(checkLinkMetadataV1, data));
    default:
      throw unknownVersion(QUEUE_NAMES.linkMetadata, version);
  }
}
