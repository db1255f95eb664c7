import { parseEmailJob, QUEUE_NAMES } from '@boltlink/queues/catalog';
import {
  createValidatedWorker,
  endedInFailedSet,
  type ValidatedWorkerOptions,
} from '@boltlink/queues/worker';
import { UnrecoverableError, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import { MailError, type Mailer } from '../mail/smtp-mailer.ts';
import type { ConsumerMetrics } from '../metrics.ts';

export interface EmailWorkerDeps {
  mailer: Mailer;
  metrics: Pick<ConsumerMetrics, 'mailsSent' | 'jobsFailed'>;
  logger: Logger;
}

/**
 * The `email` queue worker: sends each mail the API queued. A failure to reach or talk to the SMTP server is
 * retried with the queue's back-off; a refusal (5xx) fails the job at once. Addresses are not logged.
 */
export function createEmailWorker(
  deps: EmailWorkerDeps,
  options: Omit<ValidatedWorkerOptions, 'gate'>,
): Worker<unknown, void> {
  const worker = createValidatedWorker(
    QUEUE_NAMES.email,
    parseEmailJob,
    async (mail) => {
      try {
        await deps.mailer.send(mail);
      } catch (error) {
        if (error instanceof MailError && !error.retryable) throw new UnrecoverableError(error.message);
        throw error;
      }
      deps.metrics.mailsSent.inc();
    },
    options,
  );
  worker.on('failed', (job, error) => {
    const ended = job !== undefined && endedInFailedSet(job, error);
    if (ended) {
      deps.metrics.jobsFailed.inc({
        queue: QUEUE_NAMES.email,
        reason: error instanceof UnrecoverableError ? 'refused' : 'attempts_exhausted',
      });
    }
    deps.logger.warn(
      { jobId: job?.id, attemptsMade: job?.attemptsMade, final: ended, err: error },
      'email job failed',
    );
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'email worker error'));
  return worker;
}
