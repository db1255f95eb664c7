import type { paths } from '@boltlink/api-client/client';
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

type CreateKeyBody = paths['/api/v1/api-keys']['post']['requestBody']['content']['application/json'];
type Scope = NonNullable<CreateKeyBody['scopes']>[number];
type ApiKey =
  paths['/api/v1/api-keys']['get']['responses'][200]['content']['application/json']['items'][number];
type CreatedKey = paths['/api/v1/api-keys']['post']['responses'][201]['content']['application/json'];

/** The scopes a key may hold (docs/workspaces.md), in the order a person reads them. */
const SCOPES: { scope: Scope; help: string }[] = [
  { scope: 'links:read', help: 'list and read links, their QR codes and campaigns' },
  { scope: 'links:write', help: 'create, change and delete links; write campaigns' },
  { scope: 'stats:read', help: 'read click statistics' },
];

export function ApiKeysPage() {
  return (
    <RequirePermission
      permission="keys:manage"
      title="API keys"
      denied={(name) => `Only the owners and admins of ${name} manage its API keys.`}
    >
      {(workspace) => <ApiKeys workspaceName={workspace.name} />}
    </RequirePermission>
  );
}

function ApiKeys({ workspaceName }: { workspaceName: string }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  // The secret lives in this component's state only: never in the query cache, gone on reload or navigation.
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/api-keys');
      if (!data) throw new Error(problemText(error, 'could not load the API keys'));
      return data.items;
    },
  });

  const create = useMutation({
    mutationFn: async (body: CreateKeyBody) => {
      const { data, error } = await api.POST('/api/v1/api-keys', { body });
      if (!data) throw new Error(problemText(error, 'could not create the key'));
      return data;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });

  const revoke = useMutation({
    mutationFn: async (key: ApiKey) => {
      const { response, error } = await api.DELETE('/api/v1/api-keys/{id}', {
        params: { path: { id: key.id } },
      });
      // Already gone (revoked elsewhere) is what the person asked for.
      if (!response.ok && response.status !== 404) {
        throw new Error(problemText(error, `could not revoke the key (${response.status})`));
      }
    },
    onSuccess: async () => {
      setRevoking(null);
      await queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const name = String(form.get('name') ?? '').trim();
    const scopes = SCOPES.map(({ scope }) => scope).filter((scope) => form.getAll('scopes').includes(scope));
    if (name === '') {
      setFormError('Give the key a name, e.g. the program that will use it.');
      return;
    }
    if (scopes.length === 0) {
      setFormError('Choose at least one scope.');
      return;
    }
    setFormError(null);
    setCreated(null);
    create.mutate(
      { name, scopes },
      {
        onSuccess: (key) => {
          setCreated(key);
          formElement.reset();
        },
      },
    );
  }

  const error = formError ?? create.error?.message ?? null;
  return (
    <>
      <section className="card">
        <h1>API keys</h1>
        <p className="muted">
          A key lets a program use the API in {workspaceName} with the scopes you choose: send it as{' '}
          <code>Authorization: Bearer &lt;key&gt;</code>. Keys never manage keys, members or domains.
        </p>
        <form className="settings-form" onSubmit={submit} noValidate>
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            name="name"
            type="text"
            maxLength={100}
            placeholder="Deploy script"
            required
            aria-describedby={error ? `${id}-error` : undefined}
          />
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map(({ scope, help }) => (
              <div key={scope} className="scope-choice">
                <input
                  id={`${id}-${scope}`}
                  type="checkbox"
                  name="scopes"
                  value={scope}
                  defaultChecked
                  aria-describedby={`${id}-${scope}-help`}
                />
                <label htmlFor={`${id}-${scope}`}>{scope}</label>
                <span id={`${id}-${scope}-help`} className="muted">
                  {help}
                </span>
              </div>
            ))}
          </fieldset>
          {error && (
            <p role="alert" id={`${id}-error`} className="error">
              {error}
            </p>
          )}
          <div>
            <button type="submit" disabled={create.isPending}>
              Create key
            </button>
          </div>
        </form>
      </section>

      {created && (
        <section className="card key-secret" aria-labelledby={`${id}-new-key`}>
          <h2 id={`${id}-new-key`}>Your new key “{created.name}”</h2>
          <p role="alert">
            <strong>Copy it now: you will not see it again.</strong> Only a hash is kept; a lost key cannot be
            shown, only revoked and replaced.
          </p>
          <div className="copy-row">
            <code data-testid="new-api-key">{created.key}</code>
            <CopyButton value={created.key} label={`Copy the key ${created.name}`} />
          </div>
          <div>
            <button type="button" className="secondary" onClick={() => setCreated(null)}>
              I have stored it
            </button>
          </div>
        </section>
      )}

      <section className="card">
        <h2>Keys of {workspaceName}</h2>
        {keys.isPending && <p>Loading…</p>}
        <ErrorText error={keys.error} />
        {keys.data && keys.data.length === 0 && <p>No API keys yet.</p>}
        {keys.data && keys.data.length > 0 && (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((key) => (
                  <tr key={key.id}>
                    <td>{key.name}</td>
                    <td>
                      <code>
                        {key.prefix}…{key.lastFour}
                      </code>
                    </td>
                    <td>{key.scopes.join(', ')}</td>
                    <td>
                      <DateTime value={key.createdAt} />
                    </td>
                    <td>{key.lastUsedAt === null ? 'Never' : <DateTime value={key.lastUsedAt} />}</td>
                    <td>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => {
                          revoke.reset();
                          setRevoking(key);
                        }}
                        aria-label={`Revoke ${key.name}`}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke the key “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke key"
        busy={revoke.isPending}
        error={revoke.error?.message ?? null}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onCancel={() => setRevoking(null)}
      >
        <p>Every program using it is refused from now on. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
