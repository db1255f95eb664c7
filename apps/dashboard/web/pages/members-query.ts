import type { BoltlinkClient } from '@boltlink/api-client/client';
import { problemText } from '../api.ts';

/** The members of the current workspace with their roles (everyone with `members:read`). */
export const membersQuery = (api: BoltlinkClient) => ({
  queryKey: ['members'],
  queryFn: async () => {
    const { data, error } = await api.GET('/api/v1/workspace/members');
    if (!data) throw new Error(problemText(error, 'could not load the members'));
    return data.items;
  },
});
