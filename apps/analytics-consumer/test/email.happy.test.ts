import { startSmtpServer, type TestSmtpServer } from '@boltlink/local-servers/smtp';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueProducer, type QueueProducer } from '@boltlink/queues/producer';
import type { Queue, Worker } from 'bullmq';
import { describe, expect } from 'vitest';
import { createSmtpMailer, type Mailer } from '../src/mail/smtp-mailer.ts';
import { type ConsumerMetrics, createConsumerMetrics } from '../src/metrics.ts';
import { createEmailWorker } from '../src/workers/email-worker.ts';
import { inspectQueue, silentLogger, waitFor } from './helpers.ts';
import { test } from './support/consumer.ts';

const FROM = 'BoltLink <boltlink@boltlink.test>';

let smtp: TestSmtpServer;
let producer: QueueProducer;
let queue: Queue;
let worker: Worker;
let mailer: Mailer;
let metrics: ConsumerMetrics;

test.beforeAll(async ({ queueRedis: redis, prefix: filePrefix }) => {
  smtp = await startSmtpServer();
  const prefix = `{${filePrefix}}`;
  producer = createQueueProducer({ connection: redis, prefix });
  queue = inspectQueue(QUEUE_NAMES.email, redis, prefix);
  metrics = createConsumerMetrics(createMetricsRegistry('test-email', { defaultMetrics: false }));
  mailer = createSmtpMailer({ smtpUrl: smtp.url, from: FROM, timeoutMs: 5000 });
  worker = createEmailWorker(
    { mailer, metrics, logger: silentLogger },
    { connection: redis, prefix, concurrency: 1 },
  );
});

test.afterAll(async () => {
  await worker?.close();
  mailer?.close();
  await producer?.close();
  await queue?.close();
  await smtp?.stop();
});

const receivedBy = (to: string) =>
  waitFor(
    async () => smtp.received.filter((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text === to),
    (mails) => mails.length > 0,
    30_000,
    `a mail to ${to}`,
  );

describe('email worker', () => {
  test('sends a queued mail over SMTP with its sender, recipient, subject and text', async () => {
    const text = `Hello Ada,\n\nReset link: https://app.boltlink.test/reset?token=${'x'.repeat(90)}\n`;
    await producer.enqueueEmail({ to: 'ada@example.com', subject: 'Reset your password', text });
    const [mail] = await receivedBy('ada@example.com');
    expect(mail?.from?.text).toBe('"BoltLink" <boltlink@boltlink.test>');
    expect(mail?.subject).toBe('Reset your password');
    // Long lines survive the transfer encoding untouched.
    expect(mail?.text?.trim()).toBe(text.trim());
    // The server has the mail a moment before the worker hears back from it and counts the mail sent.
    const sent = await waitFor(
      () => metrics.mailsSent.get(),
      (metric) => (metric.values[0]?.value ?? 0) > 0,
      10_000,
      'the mail counted as sent',
    );
    expect(sent).toMatchObject({ values: [{ value: 1 }] });
  });

  test('retries while the SMTP server is down, and delivers once it is back', async () => {
    await smtp.stop();
    const id = await producer.enqueueEmail({ to: 'bob@example.com', subject: 'Invitation', text: 'Join us' });
    // The first attempt met a closed port: the job waits for its retry instead of failing.
    const job = await waitFor(
      () => queue.getJob(id),
      (j) => (j?.attemptsMade ?? 0) >= 1,
      30_000,
      'a failed first attempt',
    );
    expect(job?.failedReason).toMatch(/ECONNREFUSED|connect/i);
    expect(smtp.received.some((mail) => mail.subject === 'Invitation')).toBe(false);

    await smtp.start();
    const [mail] = await receivedBy('bob@example.com');
    expect(mail?.text?.trim()).toBe('Join us');
    // Sent mails leave the queue Redis at once: they may carry tokens.
    await waitFor(
      () => queue.getJob(id),
      (j) => j === undefined,
      10_000,
      'the sent job removed',
    );
  });

  test('a refusal (5xx) fails the job at once instead of retrying', async () => {
    smtp.refuseRecipients({ code: 550, message: 'No such user here' });
    try {
      const id = await producer.enqueueEmail({ to: 'nobody@example.com', subject: 'Hi', text: 'Hello' });
      const job = await waitFor(
        async () => ({ state: await queue.getJobState(id), job: await queue.getJob(id) }),
        (s) => s.state === 'failed',
        30_000,
        'the job failed',
      );
      expect(job.job?.attemptsMade).toBe(1);
      expect(job.job?.failedReason).toMatch(/550|No such user/);
      const failed = (await metrics.jobsFailed.get()).values;
      expect(failed).toContainEqual(
        expect.objectContaining({ labels: { queue: 'email', reason: 'refused' }, value: 1 }),
      );
    } finally {
      smtp.refuseRecipients(null);
    }
  });
});
