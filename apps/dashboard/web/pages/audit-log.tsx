import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useRouteContext, useSearch } from '@tanstack/react-router';
import { problemText } from '../api.ts';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { useCan, useWorkspace } from '../workspace.tsx';
import { actionLabel, actorText, namesFrom, targetText } from './audit-events.ts';
import { nextPage, previousPage } from './audit-log-search.ts';
import { membersQuery } from './members-query.ts';
import './audit-log.css';

/** Who changed what in the workspace, newest first, a page at a time (owners and admins: `audit:read`). */
export function AuditLogPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const search = useSearch({ from: '/signed-in/audit-log' });
  const { workspace } = useWorkspace();
  const canListKeys = useCan('keys:manage');

  const events = useQuery({
    queryKey: ['audit-log', search.cursor ?? null],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/workspace/audit-log', {
        params: { query: search.cursor ? { cursor: search.cursor } : {} },
      });
      if (!data) throw new Error(problemText(error, 'could not load the audit log'));
      return data;
    },
    placeholderData: keepPreviousData,
  });
  // Names for the ids in events: today's members and keys (the events themselves name the departed).
  const members = useQuery(membersQuery(api));
  const apiKeys = useQuery({
    queryKey: ['audit-log', 'api-key-names'],
    enabled: canListKeys,
    queryFn: async () => (await api.GET('/api/v1/api-keys')).data?.items ?? [],
  });

  const items = events.data?.items ?? [];
  const names = namesFrom(items, members.data ?? [], apiKeys.data ?? []);
  const previous = previousPage(search);
  const nextCursor = events.data?.nextCursor;

  return (
    <section className="card">
      <h1>Audit log</h1>
      <p className="muted">
        Every change to {workspace ? `“${workspace.name}”` : 'the workspace'}: who made it, when, and whether
        in a signed-in session or through an API key. Newest first.
      </p>
      {events.isPending && <p>Loading…</p>}
      <ErrorText error={events.error} />
      {events.data && items.length === 0 && <p>Nothing has been recorded yet.</p>}
      {items.length > 0 && (
        <div className="table-scroll">
          <table className="audit-log" aria-busy={events.isFetching}>
            <caption className="visually-hidden">Changes to the workspace, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
              </tr>
            </thead>
            <tbody>
              {items.map((event) => {
                const actor = actorText(event, names);
                return (
                  <tr key={event.id}>
                    <td className="when">
                      <DateTime value={event.createdAt} />
                    </td>
                    <td>
                      {actor.who}
                      <br />
                      <span className="muted">{actor.via}</span>
                    </td>
                    <td data-action={event.action}>{actionLabel(event.action)}</td>
                    <td className="target">{targetText(event, names)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {(previous || nextCursor) && (
        <nav aria-label="Audit log pages" className="pager">
          {previous ? (
            <Link to="/audit-log" search={previous}>
              Previous
            </Link>
          ) : (
            <span />
          )}
          {nextCursor && (
            <Link to="/audit-log" search={nextPage(search, nextCursor)}>
              Next
            </Link>
          )}
        </nav>
      )}
    </section>
  );
}
