import type { components, paths } from '@boltlink/api-client/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { RequirePermission } from '../ui/require-permission.tsx';
import './settings.css';

type Domain = components['schemas']['Domain'];
type DomainChange = paths['/api/v1/domains/{id}']['patch']['requestBody']['content']['application/json'];

const STATUS_TEXT: Record<Domain['status'], string> = {
  pending: 'Pending: waiting for the DNS record',
  verified: 'Verified: links can live on it',
  failed: 'Failed: the checks gave up, verify again after publishing a record',
};

export function DomainsPage() {
  return (
    <RequirePermission
      permission="domains:read"
      title="Domains"
      denied={(name) => `Your role in ${name} does not show its domains.`}
    >
      {(workspace) => <Domains canManage={workspace.permissions.includes('domains:manage')} />}
    </RequirePermission>
  );
}

function Domains({ canManage }: { canManage: boolean }) {
  const { api } = useRouteContext({ from: '__root__' });
  const domains = useQuery({
    queryKey: ['domains'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/domains');
      if (!data) throw new Error(problemText(error, 'could not load the domains'));
      return data.items;
    },
  });

  return (
    <>
      <section className="card">
        <h1>Domains</h1>
        <p className="muted">
          Short links on your own hostname (go.example.com). A domain is pending until its DNS proves it is
          yours: publish one of the records shown, BoltLink checks it in the background or when you ask.
        </p>
        {canManage && <AddDomainForm />}
      </section>
      {domains.isPending && <p>Loading…</p>}
      <ErrorText error={domains.error} />
      {domains.data && domains.data.length === 0 && (
        <section className="card">
          <p>No custom domains yet.</p>
        </section>
      )}
      {domains.data?.map((domain) => (
        <DomainCard key={domain.id} domain={domain} canManage={canManage} />
      ))}
    </>
  );
}

function AddDomainForm() {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const add = useMutation({
    mutationFn: async (hostname: string) => {
      const { data, error } = await api.POST('/api/v1/domains', { body: { hostname } });
      if (!data) throw new Error(problemText(error, 'could not add the domain'));
      return data;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['domains'] }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const hostname = String(new FormData(formElement).get('hostname') ?? '').trim();
    add.mutate(hostname, { onSuccess: () => formElement.reset() });
  }

  return (
    <form className="inline settings-inline" onSubmit={submit}>
      <div>
        <label htmlFor={`${id}-hostname`}>Hostname</label>
        <input
          id={`${id}-hostname`}
          name="hostname"
          type="text"
          inputMode="url"
          autoCapitalize="none"
          spellCheck={false}
          placeholder="go.example.com"
          maxLength={300}
          required
          aria-describedby={add.error ? `${id}-error` : undefined}
        />
      </div>
      <button type="submit" disabled={add.isPending}>
        Add domain
      </button>
      {add.error && (
        <p role="alert" id={`${id}-error`} className="error">
          {add.error.message}
        </p>
      )}
    </form>
  );
}

function DomainCard({ domain, canManage }: { domain: Domain; canManage: boolean }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const [removing, setRemoving] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['domains'] });

  const verify = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/v1/domains/{id}/verify', {
        params: { path: { id: domain.id } },
      });
      if (!data) throw new Error(problemText(error, 'could not check the domain'));
      return data;
    },
    onSuccess: refresh,
  });

  const remove = useMutation({
    mutationFn: async () => {
      const { response, error } = await api.DELETE('/api/v1/domains/{id}', {
        params: { path: { id: domain.id } },
      });
      if (!response.ok && response.status !== 404) {
        throw new Error(problemText(error, `could not remove the domain (${response.status})`));
      }
    },
    onSuccess: async () => {
      setRemoving(false);
      await refresh();
    },
  });

  const headingId = `${id}-hostname`;
  return (
    <section className="card domain-card" aria-labelledby={headingId}>
      <div className="domain-head">
        <h2 id={headingId}>{domain.hostname}</h2>
        <span className={`domain-badge domain-badge-${domain.status}`} data-testid="domain-status">
          {STATUS_TEXT[domain.status]}
        </span>
      </div>
      <dl className="domain-facts">
        <dt>Last check</dt>
        <dd>{domain.lastCheckedAt ? <DateTime value={domain.lastCheckedAt} /> : 'Not checked yet'}</dd>
        {domain.status === 'verified' && domain.verifiedAt && (
          <>
            <dt>Verified</dt>
            <dd>
              <DateTime value={domain.verifiedAt} />
              {domain.verificationMethod && ` (${domain.verificationMethod.toUpperCase()} record)`}
            </dd>
          </>
        )}
        {domain.nextCheckAt && (
          <>
            <dt>Next check</dt>
            <dd>
              <DateTime value={domain.nextCheckAt} />
            </dd>
          </>
        )}
        {domain.status !== 'verified' && domain.lastError && (
          <>
            <dt>Last check found</dt>
            <dd data-testid="domain-last-error">{domain.lastError}</dd>
          </>
        )}
      </dl>

      {domain.status !== 'verified' && (
        <>
          <h3>Publish either record at your DNS provider</h3>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {[domain.verification.txt, domain.verification.cname].map((record) => (
                  <tr key={record.type}>
                    <th scope="row">{record.type}</th>
                    <td>
                      <div className="copy-row">
                        <code data-testid={`${record.type.toLowerCase()}-name`}>{record.name}</code>
                        <CopyButton value={record.name} label={`Copy the ${record.type} record name`} />
                      </div>
                    </td>
                    <td>
                      <div className="copy-row">
                        <code data-testid={`${record.type.toLowerCase()}-value`}>{record.value}</code>
                        <CopyButton value={record.value} label={`Copy the ${record.type} record value`} />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted">
            The TXT record proves the hostname is yours while it still points elsewhere; the CNAME is the
            record visitors need anyway to reach the short links.
          </p>
        </>
      )}

      {canManage && domain.status !== 'verified' && (
        <div className="actions">
          <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
            {verify.isPending ? 'Checking…' : 'Verify now'}
          </button>
        </div>
      )}
      <p role="status" className="muted">
        {verify.isSuccess && verify.data.status === 'verified' && 'Verified.'}
        {verify.isSuccess && verify.data.status !== 'verified' && 'Checked now: the record is not there yet.'}
      </p>
      <ErrorText error={verify.error} />

      {canManage ? (
        <RedirectsForm domain={domain} />
      ) : (
        <dl className="domain-facts">
          <dt>Root redirect</dt>
          <dd>{domain.rootRedirectUrl ?? 'BoltLink’s default answer'}</dd>
          <dt>Not-found redirect</dt>
          <dd>{domain.notFoundRedirectUrl ?? 'BoltLink’s not-found page'}</dd>
        </dl>
      )}

      {canManage && (
        <div className="actions">
          <button
            type="button"
            className="danger"
            onClick={() => {
              remove.reset();
              setRemoving(true);
            }}
          >
            Remove domain
          </button>
        </div>
      )}

      <ConfirmDialog
        open={removing}
        title={`Remove ${domain.hostname}?`}
        confirmLabel="Remove domain and its links"
        busy={remove.isPending}
        error={remove.error?.message ?? null}
        onConfirm={() => remove.mutate()}
        onCancel={() => setRemoving(false)}
      >
        <p>
          Its links are deleted with their statistics and stop redirecting at once. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** An empty field clears the redirect (null: BoltLink's own answer). */
function RedirectsForm({ domain }: { domain: Domain }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const save = useMutation({
    mutationFn: async (body: DomainChange) => {
      const { data, error } = await api.PATCH('/api/v1/domains/{id}', {
        params: { path: { id: domain.id } },
        body,
      });
      if (!data) throw new Error(problemText(error, 'could not save the redirects'));
      return data;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['domains'] }),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => {
      const text = String(form.get(name) ?? '').trim();
      return text === '' ? null : text;
    };
    save.mutate({ rootRedirectUrl: value('root'), notFoundRedirectUrl: value('notFound') });
  }

  return (
    <form className="settings-form" onSubmit={submit}>
      <h3>Redirects</h3>
      <label htmlFor={`${id}-root`}>Root redirect URL</label>
      <input
        id={`${id}-root`}
        name="root"
        type="url"
        defaultValue={domain.rootRedirectUrl ?? ''}
        placeholder="https://example.com (empty: BoltLink’s default answer)"
        aria-describedby={`${id}-root-help`}
      />
      <span id={`${id}-root-help`} className="muted">
        Where https://{domain.hostname}/ sends visitors.
      </span>
      <label htmlFor={`${id}-not-found`}>Not-found redirect URL</label>
      <input
        id={`${id}-not-found`}
        name="notFound"
        type="url"
        defaultValue={domain.notFoundRedirectUrl ?? ''}
        placeholder="https://example.com/404 (empty: BoltLink’s not-found page)"
        aria-describedby={`${id}-not-found-help`}
      />
      <span id={`${id}-not-found-help`} className="muted">
        Where an unknown code on this domain goes.
      </span>
      <ErrorText error={save.error} />
      <p role="status" className="muted">
        {save.isSuccess && !save.isPending ? 'Redirects saved.' : ''}
      </p>
      <div>
        <button type="submit" className="secondary" disabled={save.isPending}>
          Save redirects
        </button>
      </div>
    </form>
  );
}
