import { type BoltlinkClient, createBoltlinkClient } from '@boltlink/api-client/client';

/** What the dashboard's server tells the pages at /config.json. */
interface RuntimeConfig {
  apiUrl: string;
}

/**
 * The API client of every page: the session travels in the API's HttpOnly cookie (credentials: include),
 * never in page script; BoltLink-CSRF marks each request as the dashboard's own (docs/browser-sessions.md).
 */
export async function createApi(): Promise<BoltlinkClient> {
  const response = await fetch('/config.json');
  const { apiUrl } = (await response.json()) as RuntimeConfig;
  return createBoltlinkClient({
    baseUrl: apiUrl,
    credentials: 'include',
    headers: { 'boltlink-csrf': '1' },
  });
}

/** The problem+json detail of a failed call, for the person reading the form. */
export function problemText(error: unknown, fallback: string): string {
  if (error && typeof error === 'object' && 'detail' in error && typeof error.detail === 'string') {
    return error.detail;
  }
  return fallback;
}
