import { type BoltlinkClient, createBoltlinkClient } from '@boltlink/api-client/client';
import { selectedWorkspaceId } from './workspace.tsx';

/** What the dashboard's server tells the pages at /config.json. */
export interface RuntimeConfig {
  apiUrl: string;
}

/** The header naming the workspace a request acts in (docs/workspaces.md). */
const WORKSPACE_HEADER = 'boltlink-workspace';

/**
 * The API client of every page: the session travels in the API's HttpOnly cookie (credentials: include),
 * never in page script; BoltLink-CSRF marks each request as the dashboard's own (docs/browser-sessions.md);
 * BoltLink-Workspace names the workspace chosen in the switcher.
 */
export async function createApi(): Promise<{ api: BoltlinkClient; config: RuntimeConfig }> {
  const response = await fetch('/config.json');
  const config = (await response.json()) as RuntimeConfig;
  const api = createBoltlinkClient({
    baseUrl: config.apiUrl,
    credentials: 'include',
    headers: { 'boltlink-csrf': '1' },
  });
  api.use({
    onRequest({ request }) {
      const workspaceId = selectedWorkspaceId();
      if (workspaceId !== null) request.headers.set(WORKSPACE_HEADER, workspaceId);
      return request;
    },
  });
  return { api, config };
}

/** The problem+json detail of a failed call, for the person reading the form. */
export function problemText(error: unknown, fallback: string): string {
  if (error && typeof error === 'object' && 'detail' in error && typeof error.detail === 'string') {
    return error.detail;
  }
  return fallback;
}
