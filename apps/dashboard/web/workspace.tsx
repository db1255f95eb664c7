import type { BoltlinkClient, components } from '@boltlink/api-client/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouteContext, useRouter } from '@tanstack/react-router';
import { useCallback } from 'react';

export type Workspace = components['schemas']['Workspace'];

/**
 * The workspace the pages act in. The API's one rule (docs/workspaces.md): the BoltLink-Workspace header
 * names it, without it a session acts in the personal workspace. The choice is kept per browser; every
 * request of the API client carries it (installed by `createApi`).
 */
const STORAGE_KEY = 'boltlink.workspace';

export function selectedWorkspaceId(): string | null {
  return localStorage.getItem(STORAGE_KEY);
}

function selectWorkspace(id: string | null): void {
  if (id === null) localStorage.removeItem(STORAGE_KEY);
  else localStorage.setItem(STORAGE_KEY, id);
}

/** The workspaces the user belongs to, personal first, with their role in each. */
export const workspacesQuery = (api: BoltlinkClient) => ({
  queryKey: ['workspaces'],
  queryFn: async (): Promise<Workspace[]> => {
    const { data, response } = await api.GET('/api/v1/workspaces');
    if (!data) throw new Error(`GET /workspaces answered ${response.status}`);
    return data.items;
  },
});

/**
 * The workspace a request acts in, with the caller's role and the permissions it gives. A stored choice the
 * user no longer belongs to (removed, workspace deleted, another account signed in) answers 404: the
 * choice is dropped and the personal workspace is used.
 */
export const currentWorkspaceQuery = (api: BoltlinkClient) => ({
  queryKey: ['workspace'],
  queryFn: async (): Promise<Workspace> => {
    let result = await api.GET('/api/v1/workspace');
    if (result.response.status === 404 && selectedWorkspaceId() !== null) {
      selectWorkspace(null);
      result = await api.GET('/api/v1/workspace');
    }
    if (!result.data) throw new Error(`GET /workspace answered ${result.response.status}`);
    return result.data;
  },
});

/** The current workspace (undefined while loading) and the way to switch to another. */
export function useWorkspace() {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const router = useRouter();
  const current = useQuery(currentWorkspaceQuery(api));
  const all = useQuery(workspacesQuery(api));
  const switchTo = useCallback(
    async (id: string) => {
      selectWorkspace(id);
      // A link's id, a campaign filter or a page cursor in the address belongs to the workspace left: open the
      // same section of the new one from its start (/links/abc… → /links, /links?pages=… → /links).
      const section = router.state.location.pathname.split('/')[1] || 'links';
      router.history.push(`/${section}`);
      // Every cached answer belongs to the workspace it was asked in: drop them all, refetch what is shown.
      await queryClient.resetQueries({ predicate: (query) => query.queryKey[0] !== 'me' });
    },
    [queryClient, router],
  );
  return { workspace: current.data, workspaces: all.data ?? [], switchTo };
}

/**
 * Whether the caller's role in the current workspace allows a permission (`links:write`, `keys:manage` …):
 * the API says which (GET /workspace `permissions`), so a page offers only what the API would accept.
 * False while the workspace loads: controls appear once allowed, never flash for a viewer.
 */
export function useCan(permission: string): boolean {
  const { workspace } = useWorkspace();
  return workspace?.permissions.includes(permission) ?? false;
}
