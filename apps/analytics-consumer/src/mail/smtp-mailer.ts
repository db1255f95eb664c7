import type { EmailJob } from '@boltlink/queues/catalog';
import { createTransport } from 'nodemailer';

/** Sends one mail; rejects with a `MailError` saying whether a retry can help. */
export interface Mailer {
  send(mail: Omit<EmailJob, 'v'>): Promise<void>;
  close(): void;
}

export class MailError extends Error {
  override readonly name = 'MailError';
  /** False when the server refused for good (a 5xx reply): the same mail would be refused again. */
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.retryable = retryable;
  }
}

/**
 * Nodemailer over SMTP_URL (smtp:// upgrades with STARTTLS when the server offers it, smtps:// is TLS from
 * the first byte). Connections are not pooled: mails are rare (resets, invitations), and a fresh connection
 * per mail is what makes a server that restarted work again on the next retry without reconnection logic.
 */
export function createSmtpMailer(opts: { smtpUrl: string; from: string; timeoutMs?: number }): Mailer {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const transport = createTransport(
    {
      url: opts.smtpUrl,
      // Bounded: a hung server fails the attempt (retried with back-off) instead of holding the worker.
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    },
    { from: opts.from },
  );
  return {
    async send(mail) {
      try {
        await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text });
      } catch (error) {
        const code = (error as { responseCode?: unknown }).responseCode;
        const permanent = typeof code === 'number' && code >= 500 && code < 600;
        throw new MailError(
          `SMTP ${permanent ? 'refused' : 'failed'}: ${(error as Error).message}`,
          !permanent,
          { cause: error },
        );
      }
    },
    close() {
      transport.close();
    },
  };
}
