import type { BoltlinkClient, components, Link, paths } from '@boltlink/api-client/client';
import { problemText } from './api.ts';

export type { Link };
export type LinkDomain =
  paths['/api/v1/link-domains']['get']['responses'][200]['content']['application/json']['items'][number];
export type Campaign = components['schemas']['Campaign'];

/** Every cached answer of these queries belongs to the current workspace (workspace.tsx drops them all). */
export const linkKeys = {
  all: ['links'] as const,
  one: (id: string) => ['links', 'one', id] as const,
};

/** Where a new link may live: instance domains, the default first, then verified custom domains. */
export const linkDomainsQuery = (api: BoltlinkClient) => ({
  queryKey: ['link-domains'],
  queryFn: async (): Promise<LinkDomain[]> => {
    const { data, error } = await api.GET('/api/v1/link-domains');
    if (!data) throw new Error(problemText(error, 'could not load the domains'));
    return data.items;
  },
  staleTime: 60_000,
});

/**
 * The workspace's campaigns for the pickers: the first 500 (the API's largest page). A workspace with more
 * still sees every campaign on the campaigns page; a link's own campaign is shown by id when not among them.
 */
export const campaignsQuery = (api: BoltlinkClient) => ({
  queryKey: ['campaigns', 'picker'],
  queryFn: async (): Promise<Campaign[]> => {
    const { data, error } = await api.GET('/api/v1/campaigns', { params: { query: { limit: 500 } } });
    if (!data) throw new Error(problemText(error, 'could not load the campaigns'));
    return data.items;
  },
  staleTime: 60_000,
});

export const linkQuery = (api: BoltlinkClient, id: string) => ({
  queryKey: linkKeys.one(id),
  queryFn: async (): Promise<Link | null> => {
    const { data, error, response } = await api.GET('/api/v1/links/{id}', { params: { path: { id } } });
    if (response.status === 404 || response.status === 400) return null;
    if (!data) throw new Error(problemText(error, 'could not load the link'));
    return data;
  },
});
