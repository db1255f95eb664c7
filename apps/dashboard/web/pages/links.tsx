import type { components } from '@boltlink/api-client/client';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useRouteContext, useSearch } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { campaignsQuery, linkDomainsQuery, linkKeys, type Link as ShortLink } from '../link-queries.ts';
import type { LinksSearch } from '../links-search.ts';
import { CopyButton } from '../ui/copy-button.tsx';
import { DateTime } from '../ui/date-time.tsx';
import { LinkOptionFields, readLinkOptions } from '../ui/link-options.tsx';
import { useCan } from '../workspace.tsx';
import './links.css';

/** Rows per page: one request, one screenful; a workspace of 10,000 links is never loaded whole. */
export const PAGE_SIZE = 25;

type CreateLinkBody = components['schemas']['CreateLink'];

function CreateLinkForm({ onCreated }: { onCreated: (link: ShortLink) => void }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const [problem, setProblem] = useState<string | null>(null);
  const [last, setLast] = useState<ShortLink | null>(null);

  const create = useMutation({
    mutationFn: async (body: CreateLinkBody) => {
      const { data, error } = await api.POST('/api/v1/links', { body });
      if (!data) throw new Error(problemText(error, 'could not create the link'));
      return data;
    },
    onSuccess: async (link) => {
      setLast(link);
      await queryClient.invalidateQueries({ queryKey: linkKeys.all });
      onCreated(link);
    },
    onError: (error) => setProblem(error.message),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const read = readLinkOptions(form);
    if ('problem' in read) {
      setProblem(read.problem);
      return;
    }
    setProblem(null);
    const alias = String(form.get('alias') ?? '').trim();
    create.mutate(
      { url: String(form.get('url') ?? '').trim(), ...(alias ? { alias } : {}), ...read.options },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>New link</h2>
      <form
        className="create-link"
        onSubmit={submit}
        aria-describedby={problem ? `${id}-problem` : undefined}
      >
        <div className="inline">
          <div className="field">
            <label htmlFor={`${id}-url`}>Destination URL</label>
            <input id={`${id}-url`} name="url" type="url" placeholder="https://example.com/page" required />
          </div>
          <div className="field">
            <label htmlFor={`${id}-alias`}>Alias (optional)</label>
            <input
              id={`${id}-alias`}
              name="alias"
              type="text"
              pattern="[A-Za-z0-9_\-]{3,64}"
              title="3 to 64 letters, digits, - or _"
            />
          </div>
          <button type="submit" disabled={create.isPending}>
            Create link
          </button>
        </div>
        <details>
          <summary>More options</summary>
          <LinkOptionFields />
        </details>
      </form>
      {problem && (
        <p role="alert" id={`${id}-problem`} className="error">
          {problem}
        </p>
      )}
      <p role="status" className="created">
        {last && !problem && (
          <>
            Created {last.shortUrl} <CopyButton value={last.shortUrl} label={`Copy ${last.shortUrl}`} />
          </>
        )}
      </p>
    </section>
  );
}

function Filters({ search }: { search: LinksSearch }) {
  const { api } = useRouteContext({ from: '__root__' });
  const navigate = useNavigate({ from: '/links' });
  const id = useId();
  const domains = useQuery(linkDomainsQuery(api));
  const campaigns = useQuery(campaignsQuery(api));

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => {
      const v = String(form.get(name) ?? '').trim();
      return v === '' ? undefined : v;
    };
    void navigate({
      search: { q: value('q'), tag: value('tag'), domain: value('domain'), campaignId: value('campaignId') },
    });
  }
  const filtered = Boolean(search.q || search.tag || search.domain || search.campaignId);

  return (
    // Keyed by the filters (not the page), so Back/Forward show the filters of the page they return to.
    <search>
      <form
        className="filters"
        onSubmit={apply}
        key={JSON.stringify({ ...search, pages: undefined })}
        aria-label="Filter links"
      >
        <div className="field">
          <label htmlFor={`${id}-q`}>Search</label>
          <input id={`${id}-q`} name="q" type="search" maxLength={200} defaultValue={search.q ?? ''} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-tag`}>Tag</label>
          <input id={`${id}-tag`} name="tag" type="text" maxLength={32} defaultValue={search.tag ?? ''} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-domain`}>Domain</label>
          <select
            id={`${id}-domain`}
            name="domain"
            defaultValue={search.domain ?? ''}
            key={domains.data?.length ?? 0}
          >
            <option value="">All domains</option>
            {search.domain && !domains.data?.some((d) => d.domain === search.domain) && (
              <option value={search.domain}>{search.domain}</option>
            )}
            {domains.data?.map((d) => (
              <option key={d.domain} value={d.domain}>
                {d.domain}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-campaign`}>Campaign</label>
          <select
            id={`${id}-campaign`}
            name="campaignId"
            defaultValue={search.campaignId ?? ''}
            key={campaigns.data?.length ?? 0}
          >
            <option value="">All campaigns</option>
            {campaigns.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-actions">
          <button type="submit">Apply filters</button>
          {filtered && (
            <Link to="/links" search={{}} className="clear">
              Clear filters
            </Link>
          )}
        </div>
      </form>
    </search>
  );
}

function LinksTable({ links, search }: { links: ShortLink[]; search: LinksSearch }) {
  return (
    <div className="table-scroll">
      <table className="links-table">
        <caption>
          {search.q || search.tag || search.domain || search.campaignId ? 'Matching links' : 'Links'}, newest
          first
        </caption>
        <thead>
          <tr>
            <th scope="col">Short URL</th>
            <th scope="col">Destination</th>
            <th scope="col">Title</th>
            <th scope="col">Tags</th>
            <th scope="col" className="number">
              Clicks
            </th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {links.map((link) => (
            <tr key={link.id}>
              <td className="short">
                <div className="short-cell">
                  <a href={link.shortUrl}>{link.shortUrl}</a>
                  <CopyButton value={link.shortUrl} label={`Copy ${link.shortUrl}`} />
                </div>
              </td>
              <td className="url">{link.url}</td>
              <td className="title">
                <Link to="/links/$linkId" params={{ linkId: link.id }}>
                  {link.title ?? `Link ${link.code}`}
                </Link>
              </td>
              <td>
                <ul className="tags">
                  {link.tags.map((tag) => (
                    <li key={tag}>
                      <Link to="/links" search={{ tag }} className="tag" aria-label={`Links tagged ${tag}`}>
                        {tag}
                      </Link>
                    </li>
                  ))}
                </ul>
              </td>
              <td className="number" data-testid="clicks">
                {link.clicks}
              </td>
              <td className="when">
                <DateTime value={link.createdAt} withTime={false} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LinksPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const search = useSearch({ from: '/signed-in/links' });
  const navigate = useNavigate({ from: '/links' });
  const canWrite = useCan('links:write');
  const pages = search.pages ?? [];
  const cursor = pages.at(-1);

  const links = useQuery({
    queryKey: [...linkKeys.all, 'list', { ...search, pages: undefined, cursor }],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/links', {
        params: {
          query: {
            limit: PAGE_SIZE,
            ...(cursor ? { cursor } : {}),
            ...(search.q ? { q: search.q } : {}),
            ...(search.tag ? { tag: search.tag } : {}),
            ...(search.domain ? { domain: search.domain } : {}),
            ...(search.campaignId ? { campaignId: search.campaignId } : {}),
          },
        },
      });
      if (!data) throw new Error(problemText(error, 'could not load the links'));
      return data;
    },
    // The page being left stays on screen until the next one arrives: no flash of "Loading…" while paging.
    placeholderData: keepPreviousData,
  });

  const pageNumber = pages.length + 1;
  const nextCursor = links.data?.nextCursor ?? null;
  const filtered = Boolean(search.q || search.tag || search.domain || search.campaignId);

  return (
    <>
      <div className="page-head">
        <h1>Links</h1>
        {canWrite && (
          <Link to="/links/import" className="muted">
            Import from CSV
          </Link>
        )}
      </div>
      {canWrite && (
        <CreateLinkForm
          onCreated={() => {
            // The new link is the newest: show the first page, with the filters kept.
            if (pages.length > 0) void navigate({ search: { ...search, pages: undefined } });
          }}
        />
      )}
      <section className="card" aria-label="Your links">
        <Filters search={search} />
        {links.isPending && <p>Loading…</p>}
        {links.error && (
          <p role="alert" className="error">
            {links.error.message}
            {pages.length > 0 && (
              <>
                {' '}
                <Link from="/links" search={{ ...search, pages: undefined }}>
                  Back to the first page
                </Link>
              </>
            )}
          </p>
        )}
        {links.data && links.data.items.length === 0 && (
          <p>
            {filtered
              ? 'No link matches these filters.'
              : canWrite
                ? 'No links yet: create the first one above.'
                : 'No links in this workspace yet.'}
          </p>
        )}
        {links.data && links.data.items.length > 0 && <LinksTable links={links.data.items} search={search} />}
        {(pages.length > 0 || nextCursor) && (
          <nav aria-label="Pages of links" className="pager">
            {pages.length > 0 ? (
              <Link
                from="/links"
                search={{ ...search, pages: pages.length > 1 ? pages.slice(0, -1) : undefined }}
              >
                Previous page
              </Link>
            ) : (
              <span />
            )}
            <span className="muted" aria-live="polite">
              Page {pageNumber}
            </span>
            {nextCursor ? (
              <Link from="/links" search={{ ...search, pages: [...pages, nextCursor] }}>
                Next page
              </Link>
            ) : (
              <span />
            )}
          </nav>
        )}
      </section>
    </>
  );
}
