import type { FastifyBaseLogger } from 'fastify';
import type { Pool } from 'pg';
import type { ConsumerMetrics } from '../metrics.ts';
import { decodeHtml } from './decode-html.ts';
import { MetadataFetchError } from './fetch-errors.ts';
import { extractMetadata } from './html-metadata.ts';
import type { HtmlFetcher } from './safe-fetch.ts';
import { storeMetadata } from './store-metadata.ts';

export interface LinkMetadataDeps {
  pool: Pool;
  fetchHtml: HtmlFetcher;
  metrics: ConsumerMetrics;
  logger: FastifyBaseLogger;
  /**
   * Attempts allowed for failures that may heal (timeouts, resets, 5xx). Refusals and 4xx never retry,
   * and after this many attempts a transient failure is recorded and the job completes: a preview is
   * a nicety, not worth a queue full of retries against a dead site.
   */
  maxTransientAttempts?: number;
}

export interface LinkMetadataRequest {
  linkId: string;
  url: string;
}

/** Thrown to make BullMQ retry the job with backoff (only for transient failures, a few times). */
export class RetryableMetadataError extends Error {
  override readonly name = 'RetryableMetadataError';
}

/**
 * Fetches a link's page and stores what it found. Never throws for a page that cannot be fetched:
 * the link works without a preview, so the outcome is logged and counted and the job completes.
 */
export function createLinkMetadataHandler(deps: LinkMetadataDeps) {
  const maxTransientAttempts = deps.maxTransientAttempts ?? 3;

  return async function handle(request: LinkMetadataRequest, attemptsMade: number): Promise<void> {
    const log = deps.logger.child({ linkId: request.linkId });
    let metadata: ReturnType<typeof extractMetadata>;
    try {
      const document = await deps.fetchHtml(request.url);
      metadata = extractMetadata(decodeHtml(document.body, document.contentType), document.url);
    } catch (error) {
      if (!(error instanceof MetadataFetchError)) throw error;
      if (error.retryable && attemptsMade + 1 < maxTransientAttempts) {
        deps.metrics.metadataFetches.inc({ outcome: 'retrying' });
        log.info(
          { code: error.code, reason: error.message, attempt: attemptsMade + 1 },
          'metadata fetch failed, will retry',
        );
        throw new RetryableMetadataError(`${error.code}: ${error.message}`);
      }
      deps.metrics.metadataFetches.inc({ outcome: error.code });
      log.info({ code: error.code, reason: error.message }, 'metadata fetch gave up; link keeps no preview');
      return;
    }

    if (metadata.title === null && metadata.description === null && metadata.image === null) {
      deps.metrics.metadataFetches.inc({ outcome: 'nothing_found' });
      return;
    }
    const outcome = await storeMetadata(deps.pool, request.linkId, request.url, metadata);
    deps.metrics.metadataFetches.inc({ outcome: outcome === 'nothing_to_store' ? 'nothing_found' : outcome });
    log.debug({ outcome }, 'link metadata processed');
  };
}
