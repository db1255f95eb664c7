import type { components, paths } from '@boltlink/api-client/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { RequirePermission } from '../ui/require-permission.tsx';
import { type CampaignUtm, campaignParameters, previewLocation } from '../utm-preview.ts';
import './settings.css';

type Campaign = components['schemas']['Campaign'];
type CampaignBody = paths['/api/v1/campaigns']['post']['requestBody']['content']['application/json'];

const PAGE_SIZE = 100;
/** Links counted for a campaign before the page says "more than": one page of GET /links. */
const COUNT_LIMIT = 500;

const UTM_FIELDS: { key: keyof CampaignUtm; label: string; required: boolean; example: string }[] = [
  { key: 'source', label: 'Source (utm_source)', required: true, example: 'newsletter' },
  { key: 'medium', label: 'Medium (utm_medium)', required: true, example: 'email' },
  { key: 'campaign', label: 'Campaign (utm_campaign)', required: true, example: 'spring-sale' },
  { key: 'term', label: 'Term (utm_term, optional)', required: false, example: 'running shoes' },
  { key: 'content', label: 'Content (utm_content, optional)', required: false, example: 'header-banner' },
];

const EMPTY_UTM: CampaignUtm = { source: '', medium: '', campaign: '', term: '', content: '' };

export function CampaignsPage() {
  return (
    <RequirePermission
      permission="links:read"
      title="Campaigns"
      denied={(name) => `Your role in ${name} does not show its campaigns.`}
    >
      {(workspace) => <Campaigns canWrite={workspace.permissions.includes('links:write')} />}
    </RequirePermission>
  );
}

function Campaigns({ canWrite }: { canWrite: boolean }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Campaign | null>(null);
  const [deleting, setDeleting] = useState<Campaign | null>(null);

  const campaigns = useQuery({
    queryKey: ['campaigns'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/campaigns', { params: { query: { limit: PAGE_SIZE } } });
      if (!data) throw new Error(problemText(error, 'could not load the campaigns'));
      return data;
    },
  });

  const remove = useMutation({
    mutationFn: async (campaign: Campaign) => {
      const { response, error } = await api.DELETE('/api/v1/campaigns/{id}', {
        params: { path: { id: campaign.id } },
      });
      if (!response.ok && response.status !== 404) {
        throw new Error(problemText(error, `could not delete the campaign (${response.status})`));
      }
    },
    onSuccess: async (_, campaign) => {
      setDeleting(null);
      if (editing?.id === campaign.id) setEditing(null);
      await queryClient.invalidateQueries({ queryKey: ['campaigns'] });
    },
  });

  return (
    <>
      <section className="card">
        <h1>Campaigns</h1>
        <p className="muted">
          A campaign tags every link attached to it: on each redirect its UTM parameters are added to the
          destination, replacing any of the same name, so analytics tools credit the campaign.
        </p>
      </section>
      {canWrite && (
        <CampaignForm
          // A new key per campaign resets the form's fields when another one is chosen.
          key={editing?.id ?? 'new'}
          campaign={editing}
          onDone={() => setEditing(null)}
        />
      )}
      <section className="card">
        <h2>Campaigns of this workspace</h2>
        {campaigns.isPending && <p>Loading…</p>}
        <ErrorText error={campaigns.error} />
        {campaigns.data && campaigns.data.items.length === 0 && <p>No campaigns yet.</p>}
        {campaigns.data && campaigns.data.items.length > 0 && (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">UTM parameters</th>
                  <th scope="col">Changed</th>
                  {canWrite && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {campaigns.data.items.map((campaign) => (
                  <tr key={campaign.id}>
                    <th scope="row">{campaign.name}</th>
                    <td>
                      <ul className="utm-params">
                        {campaignParameters(campaign.utm).map(([name, value]) => (
                          <li key={name}>
                            <code>{name}</code>={value}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      <DateTime value={campaign.updatedAt} />
                    </td>
                    {canWrite && (
                      <td>
                        <div className="campaign-actions">
                          <button
                            type="button"
                            className="secondary"
                            aria-label={`Edit ${campaign.name}`}
                            onClick={() => setEditing(campaign)}
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            className="danger"
                            aria-label={`Delete ${campaign.name}`}
                            onClick={() => {
                              remove.reset();
                              setDeleting(campaign);
                            }}
                          >
                            Delete
                          </button>
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {campaigns.data?.nextCursor && <p className="muted">Showing the {PAGE_SIZE} newest campaigns.</p>}
      </section>

      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the campaign “${deleting?.name ?? ''}”?`}
        confirmLabel="Delete campaign"
        busy={remove.isPending}
        error={remove.error?.message ?? null}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onCancel={() => setDeleting(null)}
      >
        {deleting && <LinkCount campaignId={deleting.id} />}
        <p>Its links stay and redirect without its UTM parameters from now on.</p>
      </ConfirmDialog>
    </>
  );
}

/** How many links of the workspace carry the campaign: GET /links?campaignId, one page, counted. */
function LinkCount({ campaignId }: { campaignId: string }) {
  const { api } = useRouteContext({ from: '__root__' });
  const count = useQuery({
    queryKey: ['links', { campaignId, count: true }],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/links', {
        params: { query: { campaignId, limit: COUNT_LIMIT } },
      });
      if (!data) throw new Error(problemText(error, 'could not count its links'));
      return { count: data.items.length, more: data.nextCursor !== null };
    },
  });
  if (count.error) return <p className="error">{count.error.message}</p>;
  if (!count.data) return <p className="muted">Counting its links…</p>;
  const { count: n, more } = count.data;
  return (
    <p data-testid="campaign-link-count">
      {more
        ? `More than ${COUNT_LIMIT} links use this campaign.`
        : n === 0
          ? 'No link uses this campaign yet.'
          : n === 1
            ? '1 link uses this campaign.'
            : `${n} links use this campaign.`}
    </p>
  );
}

function CampaignForm({ campaign, onDone }: { campaign: Campaign | null; onDone: () => void }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const [name, setName] = useState(campaign?.name ?? '');
  const [utm, setUtm] = useState<CampaignUtm>(
    campaign
      ? { ...campaign.utm, term: campaign.utm.term ?? '', content: campaign.utm.content ?? '' }
      : EMPTY_UTM,
  );
  const [example, setExample] = useState('https://example.com/landing?ref=home');
  const [formError, setFormError] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: async (body: CampaignBody) => {
      const result = campaign
        ? await api.PATCH('/api/v1/campaigns/{id}', { params: { path: { id: campaign.id } }, body })
        : await api.POST('/api/v1/campaigns', { body });
      if (!result.data) throw new Error(problemText(result.error, 'could not save the campaign'));
      return result.data;
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['campaigns'] });
      if (campaign) onDone();
      else {
        setName('');
        setUtm(EMPTY_UTM);
      }
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const missing = UTM_FIELDS.filter((field) => field.required && (utm[field.key] ?? '').trim() === '');
    if (name.trim() === '') {
      setFormError('Give the campaign a name.');
      return;
    }
    if (missing.length > 0) {
      setFormError(`Fill in ${missing.map((field) => field.label).join(', ')}.`);
      return;
    }
    setFormError(null);
    const blankToNull = (value: string | null) => (value?.trim() ? value.trim() : null);
    save.mutate({
      name: name.trim(),
      utm: {
        source: utm.source.trim(),
        medium: utm.medium.trim(),
        campaign: utm.campaign.trim(),
        term: blankToNull(utm.term),
        content: blankToNull(utm.content),
      },
    });
  }

  const preview = previewLocation(example, utm);
  const parameters = campaignParameters(utm);
  const error = formError ?? save.error?.message ?? null;
  const title = campaign ? `Edit “${campaign.name}”` : 'New campaign';
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {campaign && <LinkCount campaignId={campaign.id} />}
      <form className="settings-form" onSubmit={submit} noValidate>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          type="text"
          maxLength={200}
          required
          value={name}
          onChange={(event) => setName(event.target.value)}
          placeholder="Spring sale newsletter"
        />
        <fieldset>
          <legend>UTM parameters</legend>
          <div className="utm-grid">
            {UTM_FIELDS.map((field) => (
              <div key={field.key}>
                <label htmlFor={`${id}-${field.key}`}>{field.label}</label>
                <input
                  id={`${id}-${field.key}`}
                  type="text"
                  maxLength={200}
                  required={field.required}
                  value={utm[field.key] ?? ''}
                  placeholder={field.example}
                  onChange={(event) => setUtm({ ...utm, [field.key]: event.target.value })}
                />
              </div>
            ))}
          </div>
        </fieldset>

        <div className="utm-preview">
          <label htmlFor={`${id}-example`}>Example destination</label>
          <input
            id={`${id}-example`}
            type="url"
            value={example}
            onChange={(event) => setExample(event.target.value)}
          />
          <p className="muted" id={`${id}-preview-label`}>
            A visitor of a link to it is sent to:
          </p>
          <output
            htmlFor={`${id}-example ${UTM_FIELDS.map((field) => `${id}-${field.key}`).join(' ')}`}
            aria-labelledby={`${id}-preview-label`}
            data-testid="utm-preview"
            className="utm-preview-url"
          >
            {preview ?? 'Type an http(s) URL to see where a link sends its visitors.'}
          </output>
          {parameters.length > 0 && (
            <ul className="utm-params" aria-label="Parameters added">
              {parameters.map(([param, value]) => (
                <li key={param}>
                  <code>{param}</code>={value}
                </li>
              ))}
            </ul>
          )}
        </div>

        <ErrorText error={error} />
        <p role="status" className="muted">
          {save.isSuccess && !campaign ? `Campaign “${save.data.name}” created.` : ''}
        </p>
        <div className="actions actions-start">
          <button type="submit" disabled={save.isPending}>
            {campaign ? 'Save campaign' : 'Create campaign'}
          </button>
          {campaign && (
            <button type="button" className="secondary" onClick={onDone}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
