import type { paths } from '@boltlink/api-client/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { campaignsQuery, linkKeys, linkQuery, type Link as ShortLink } from '../link-queries.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { LinkOptionFields, REDIRECT_TYPES, readLinkOptions } from '../ui/link-options.tsx';
import { QrCode } from '../ui/qr-code.tsx';
import { useCan } from '../workspace.tsx';
import { RulesEditor } from './link-rules.tsx';
import { VariantsEditor } from './link-variants.tsx';
import './links.css';
import './link.css';

type UpdateLinkBody = NonNullable<
  paths['/api/v1/links/{id}']['patch']['requestBody']
>['content']['application/json'];

const sameTags = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((tag, i) => tag === b[i]);

/**
 * The PATCH body of an edit: only the fields that changed, a field emptied becomes null (cleared), or a
 * problem to show. Alias is not editable (the API refuses it).
 */
function changesOf(link: ShortLink, form: FormData): { body: UpdateLinkBody } | { problem: string } {
  const read = readLinkOptions(form);
  if ('problem' in read) return read;
  const next = read.options;
  const body: UpdateLinkBody = {};
  const url = String(form.get('url') ?? '').trim();
  if (url !== link.url) body.url = url;
  if (next.domain !== undefined && next.domain !== link.domain) body.domain = next.domain;
  if ((next.title ?? null) !== link.title) body.title = next.title ?? null;
  if (!sameTags(next.tags ?? [], link.tags)) body.tags = next.tags ?? [];
  // The field shows minutes: an unchanged field must not move the expiry by the seconds it hid.
  const shownExpiry = link.expiresAt === null ? null : new Date(link.expiresAt).setSeconds(0, 0);
  const nextExpiry = next.expiresAt === undefined ? null : new Date(next.expiresAt).getTime();
  if (nextExpiry !== shownExpiry) body.expiresAt = next.expiresAt ?? null;
  if ((next.maxClicks ?? null) !== link.maxClicks) body.maxClicks = next.maxClicks ?? null;
  if (form.get('removePassword') === 'on') body.password = null;
  else if (next.password !== undefined) body.password = next.password;
  if (next.redirectType !== undefined && next.redirectType !== link.redirectType) {
    body.redirectType = next.redirectType;
  }
  if ((next.campaignId ?? null) !== link.campaignId) body.campaignId = next.campaignId ?? null;
  return { body };
}

function EditLinkForm({ link }: { link: ShortLink }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: async (body: UpdateLinkBody) => {
      const { data, error } = await api.PATCH('/api/v1/links/{id}', {
        params: { path: { id: link.id } },
        body,
      });
      if (!data) throw new Error(problemText(error, 'could not save the link'));
      return data;
    },
    onSuccess: async (updated) => {
      queryClient.setQueryData(linkKeys.one(link.id), updated);
      await queryClient.invalidateQueries({ queryKey: linkKeys.all });
      setSaved('Saved');
    },
    onError: (error) => setProblem(error.message),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(null);
    const changes = changesOf(link, new FormData(event.currentTarget));
    if ('problem' in changes) {
      setProblem(changes.problem);
      return;
    }
    setProblem(null);
    if (Object.keys(changes.body).length === 0) {
      setSaved('Nothing changed');
      return;
    }
    save.mutate(changes.body);
  }

  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Edit</h2>
      {/* Keyed by the stored link: after a save the fields show what the API kept. */}
      <form className="link-form" onSubmit={submit} key={link.updatedAt}>
        <div className="field">
          <label htmlFor={`${id}-url`}>Destination URL</label>
          <input id={`${id}-url`} name="url" type="url" required defaultValue={link.url} />
        </div>
        <LinkOptionFields link={link} />
        <div className="actions start">
          <button type="submit" disabled={save.isPending}>
            Save changes
          </button>
        </div>
      </form>
      <ErrorText error={problem} />
      <p role="status">{saved}</p>
    </section>
  );
}

function Details({ link }: { link: ShortLink }) {
  const { api } = useRouteContext({ from: '__root__' });
  const campaigns = useQuery(campaignsQuery(api));
  const campaign = campaigns.data?.find((c) => c.id === link.campaignId);
  const redirect = REDIRECT_TYPES.find((type) => type.value === link.redirectType);
  return (
    <dl className="details">
      <dt>Destination</dt>
      <dd className="url">
        <a href={link.url} rel="noreferrer">
          {link.url}
        </a>
      </dd>
      <dt>Domain</dt>
      <dd>{link.domain}</dd>
      <dt>Tags</dt>
      <dd>{link.tags.length > 0 ? link.tags.join(', ') : 'None'}</dd>
      <dt>Clicks</dt>
      <dd data-testid="link-clicks">{link.clicks}</dd>
      <dt>Expires</dt>
      <dd>{link.expiresAt ? <DateTime value={link.expiresAt} /> : 'Never'}</dd>
      <dt>Click limit</dt>
      <dd>{link.maxClicks ?? 'None'}</dd>
      <dt>Password</dt>
      <dd>{link.hasPassword ? 'Protected' : 'None'}</dd>
      <dt>Redirect</dt>
      <dd>{redirect?.label ?? link.redirectType}</dd>
      <dt>Redirect rules</dt>
      <dd>
        {link.rules.length === 0 ? 'None' : link.rules.length === 1 ? '1 rule' : `${link.rules.length} rules`}
      </dd>
      <dt>A/B split</dt>
      <dd>{link.variants.length === 0 ? 'None' : `${link.variants.length} variants`}</dd>
      <dt>Campaign</dt>
      <dd>{link.campaignId === null ? 'None' : (campaign?.name ?? link.campaignId)}</dd>
      <dt>Created</dt>
      <dd>
        <DateTime value={link.createdAt} />
      </dd>
      {link.description && (
        <>
          <dt>Description</dt>
          <dd>{link.description}</dd>
        </>
      )}
    </dl>
  );
}

function DeleteLink({ link }: { link: ShortLink }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const remove = useMutation({
    mutationFn: async () => {
      const { error, response } = await api.DELETE('/api/v1/links/{id}', {
        params: { path: { id: link.id } },
      });
      if (response.status !== 204) throw new Error(problemText(error, 'could not delete the link'));
    },
    onSuccess: async () => {
      setOpen(false);
      queryClient.removeQueries({ queryKey: linkKeys.one(link.id) });
      await queryClient.invalidateQueries({ queryKey: linkKeys.all });
      await navigate({ to: '/links' });
    },
  });
  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete link
      </button>
      <ConfirmDialog
        open={open}
        title="Delete this link?"
        confirmLabel="Delete"
        busy={remove.isPending}
        error={remove.error?.message ?? null}
        onConfirm={() => remove.mutate()}
        onCancel={() => {
          remove.reset();
          setOpen(false);
        }}
      >
        <p>
          {link.shortUrl} stops redirecting at once, and its statistics go with it. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

export function LinkPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const { linkId } = useParams({ from: '/signed-in/links/$linkId' });
  const canWrite = useCan('links:write');
  const canReadStats = useCan('stats:read');
  const link = useQuery(linkQuery(api, linkId));

  if (link.isPending) return <p>Loading…</p>;
  if (link.error) {
    return <ErrorText error={link.error} />;
  }
  if (link.data === null) {
    return (
      <section className="card">
        <h1>Link not found</h1>
        <p>
          No such link in this workspace. <Link to="/links">Back to the links</Link>
        </p>
      </section>
    );
  }
  const data = link.data;
  return (
    <>
      <p>
        <Link to="/links">← All links</Link>
      </p>
      <section className="card link-summary">
        <div className="link-main">
          <h1>{data.title ?? `Link ${data.code}`}</h1>
          <p className="short-url">
            <a href={data.shortUrl}>{data.shortUrl}</a>{' '}
            <CopyButton value={data.shortUrl} label={`Copy ${data.shortUrl}`} />
          </p>
          <Details link={data} />
          <div className="actions start">
            {canReadStats && (
              <Link to="/links/$linkId/analytics" params={{ linkId: data.id }}>
                Analytics
              </Link>
            )}
            {canReadStats && (
              <Link to="/links/$linkId/visits" params={{ linkId: data.id }}>
                Visits
              </Link>
            )}

            {canWrite && <DeleteLink link={data} />}
          </div>
        </div>
        <aside aria-label="QR code">
          <h2>QR code</h2>
          <QrCode link={data} />
        </aside>
      </section>
      {canWrite && <EditLinkForm link={data} />}
      {canWrite && <RulesEditor link={data} />}
      {canWrite && <VariantsEditor link={data} />}
    </>
  );
}
