import type { DefaultJobOptions } from 'bullmq';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { defaultJobOptions } from './job-options.ts';
import { QUEUE_NAMES } from './names.ts';
import { InvalidJobPayloadError, problemsOf, unknownVersion, versionOf } from './payload.ts';

/**
 * The `email` job: one plain-text mail to one address, composed by the API and sent by the consumer over
 * SMTP. The API never talks to the SMTP server, so a slow or down mail server never holds a request.
 */
export const EmailJobV1 = Type.Object(
  {
    v: Type.Literal(1),
    // One address, no display name and no list: the recipient can never be widened by the payload.
    to: Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@,<>"]+@[^\\s@,<>"]+$' }),
    subject: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\r\\n]*$' }),
    text: Type.String({ minLength: 1, maxLength: 20_000 }),
  },
  { additionalProperties: false },
);
export type EmailJobV1 = Static<typeof EmailJobV1>;

export type EmailJob = EmailJobV1;

const checkEmailV1 = Compile(EmailJobV1);

export function parseEmailJob(data: unknown): EmailJob {
  const version = versionOf(data);
  switch (version) {
    case 1:
      if (checkEmailV1.Check(data)) return data;
      throw new InvalidJobPayloadError(QUEUE_NAMES.email, problemsOf(checkEmailV1, data));
    default:
      throw unknownVersion(QUEUE_NAMES.email, version);
  }
}

/**
 * Mails carry secrets (reset and invitation tokens): a sent one leaves the queue Redis at once, and a failed
 * one is kept a day for inspection, after which its token has expired anyway. Retries follow the default
 * back-off (about 8.5 minutes over 10 attempts), enough to ride out an SMTP server restart.
 */
export const emailJobOptions = {
  ...defaultJobOptions,
  removeOnComplete: true,
  removeOnFail: { age: 86_400, count: 5000 },
} as const satisfies DefaultJobOptions;
