import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { useCan, useWorkspace, type Workspace } from '../workspace.tsx';
import { ROLE_LABELS } from './roles.ts';
import './workspace-settings.css';

/** The API's bound on a workspace name (POST /workspaces, PATCH /workspace). */
const NAME_MAX = 100;

function nameFrom(form: HTMLFormElement): string {
  return String(new FormData(form).get('name') ?? '').trim();
}

function RenameForm({ workspace }: { workspace: Workspace }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const rename = useMutation({
    mutationFn: async (name: string) => {
      const { data, error } = await api.PATCH('/api/v1/workspace', { body: { name } });
      if (!data) throw new Error(problemText(error, 'could not rename the workspace'));
      return data;
    },
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['workspace'] }),
        queryClient.invalidateQueries({ queryKey: ['workspaces'] }),
      ]);
    },
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    rename.mutate(nameFrom(event.currentTarget));
  }
  return (
    <form className="inline workspace-form" onSubmit={submit}>
      <div>
        <label htmlFor={`${id}-name`}>Workspace name</label>
        <input
          id={`${id}-name`}
          name="name"
          defaultValue={workspace.name}
          required
          maxLength={NAME_MAX}
          pattern=".*\S.*"
          title="A name with at least one visible character"
        />
      </div>
      <button type="submit" disabled={rename.isPending}>
        Rename
      </button>
      <p role="status" className="muted">
        {rename.isSuccess ? `Renamed to “${rename.data.name}”.` : ''}
      </p>
      <ErrorText error={rename.error} />
    </form>
  );
}

function CreateWorkspace() {
  const { api } = useRouteContext({ from: '__root__' });
  const { switchTo } = useWorkspace();
  const id = useId();
  const create = useMutation({
    mutationFn: async (name: string) => {
      const { data, error } = await api.POST('/api/v1/workspaces', { body: { name } });
      if (!data) throw new Error(problemText(error, 'could not create the workspace'));
      return data;
    },
    // A new workspace is made to be worked in: the pages switch to it at once.
    onSuccess: (workspace) => switchTo(workspace.id),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    create.mutate(nameFrom(form), { onSuccess: () => form.reset() });
  }
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create a workspace</h2>
      <p className="muted">
        A workspace holds its own links, campaigns, domains and API keys; invite the people who work on them.
        You will own it.
      </p>
      <form className="inline workspace-form" onSubmit={submit}>
        <div>
          <label htmlFor={`${id}-name`}>New workspace name</label>
          <input
            id={`${id}-name`}
            name="name"
            required
            maxLength={NAME_MAX}
            pattern=".*\S.*"
            title="A name with at least one visible character"
            placeholder="Marketing"
          />
        </div>
        <button type="submit" disabled={create.isPending}>
          Create workspace
        </button>
      </form>
      <ErrorText error={create.error} />
    </section>
  );
}

function DeleteWorkspace({ workspace }: { workspace: Workspace }) {
  const { api } = useRouteContext({ from: '__root__' });
  const { workspaces, switchTo } = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  const id = useId();
  const remove = useMutation({
    mutationFn: async () => {
      const { response, error } = await api.DELETE('/api/v1/workspace');
      if (!response.ok) throw new Error(problemText(error, 'could not delete the workspace'));
    },
    onSuccess: async () => {
      setConfirming(false);
      const personal = workspaces.find((w) => w.personal);
      if (personal) await switchTo(personal.id);
    },
  });
  return (
    <section className="card danger-zone" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Delete this workspace</h2>
      <p>
        Its links stop redirecting; its campaigns, API keys, invitations and audit log are deleted with it.
        This cannot be undone.
      </p>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete workspace…
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Delete “${workspace.name}”?`}
        confirmLabel="Delete workspace"
        busy={remove.isPending}
        error={remove.error?.message ?? null}
        onConfirm={() => remove.mutate()}
        onCancel={() => {
          setConfirming(false);
          remove.reset();
        }}
      >
        <p>
          Every link of “{workspace.name}” stops redirecting and its members lose access. You will be taken to
          your personal workspace.
        </p>
      </ConfirmDialog>
    </section>
  );
}

export function WorkspaceSettingsPage() {
  const { workspace } = useWorkspace();
  const canRename = useCan('workspace:update');
  const canDelete = useCan('workspace:delete');
  if (!workspace) return <p>Loading…</p>;
  return (
    <>
      <section className="card">
        <h1>Workspace settings</h1>
        <dl className="facts">
          <dt>Name</dt>
          <dd>
            {workspace.name}
            {workspace.personal && <span className="muted"> (your personal workspace)</span>}
          </dd>
          <dt>Your role</dt>
          <dd>{ROLE_LABELS[workspace.role]}</dd>
          <dt>Created</dt>
          <dd>
            <DateTime value={workspace.createdAt} />
          </dd>
        </dl>
        {canRename && <RenameForm key={workspace.id} workspace={workspace} />}
      </section>
      <CreateWorkspace />
      {canDelete && !workspace.personal && <DeleteWorkspace workspace={workspace} />}
    </>
  );
}
