/** Why a metadata fetch gave up. Used as a metric label, so the set is closed. */
export type FetchFailureCode =
  | 'invalid_url'
  | 'blocked_scheme'
  | 'blocked_port'
  | 'blocked_address'
  | 'dns_failure'
  | 'too_many_redirects'
  | 'http_status'
  | 'not_html'
  | 'timeout'
  | 'network';

export class MetadataFetchError extends Error {
  override readonly name = 'MetadataFetchError';

  constructor(
    readonly code: FetchFailureCode,
    message: string,
    /** True when trying again later could succeed (timeouts, resets, 5xx); false for refusals and 4xx. */
    readonly retryable = false,
  ) {
    super(message);
  }
}
