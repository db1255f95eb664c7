import type { components } from '@boltlink/api-client/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { meQuery } from '../router.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { useCan, useWorkspace } from '../workspace.tsx';
import { InvitationsSection } from './members-invitations.tsx';
import { membersQuery } from './members-query.ts';
import { assignableRoles, ROLE_LABELS, type Role } from './roles.ts';
import './members.css';

type Member = components['schemas']['Member'];

function RoleForm({ member, roles }: { member: Member; roles: Role[] }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>(member.role);
  const id = useId();
  const change = useMutation({
    mutationFn: async (next: Role) => {
      const { data, error } = await api.PATCH('/api/v1/workspace/members/{userId}', {
        params: { path: { userId: member.userId } },
        body: { role: next },
      });
      if (!data) throw new Error(problemText(error, 'could not change the role'));
      return data;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['members'] }),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    change.mutate(role);
  }
  return (
    <form className="role-form" onSubmit={submit}>
      <label htmlFor={`${id}-role`} className="visually-hidden">
        Role of {member.email}
      </label>
      <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as Role)}>
        {roles.map((r) => (
          <option key={r} value={r}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </select>
      {/* A change is applied by its own button: arrowing through a closed <select> must not re-role anyone. */}
      <button
        type="submit"
        className="secondary"
        disabled={change.isPending || role === member.role}
        aria-label={`Save the role of ${member.email}`}
      >
        Save
      </button>
      <span role="status" className="muted">
        {change.isSuccess && change.data.role === role ? 'Saved' : ''}
      </span>
      <ErrorText error={change.error} />
    </form>
  );
}

function RemoveMember({ member }: { member: Member }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const { workspace } = useWorkspace();
  const remove = useMutation({
    mutationFn: async () => {
      const { response, error } = await api.DELETE('/api/v1/workspace/members/{userId}', {
        params: { path: { userId: member.userId } },
      });
      if (!response.ok) throw new Error(problemText(error, 'could not remove the member'));
    },
    onSuccess: async () => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: ['members'] });
    },
  });
  return (
    <>
      <button type="button" className="secondary" onClick={() => setConfirming(true)}>
        Remove<span className="visually-hidden"> {member.email}</span>
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Remove ${member.email}?`}
        confirmLabel="Remove member"
        busy={remove.isPending}
        error={remove.error?.message ?? null}
        onConfirm={() => remove.mutate()}
        onCancel={() => {
          setConfirming(false);
          remove.reset();
        }}
      >
        <p>
          They lose access to “{workspace?.name}” at once, and the API keys they created here are revoked. The
          links they made stay with the workspace.
        </p>
      </ConfirmDialog>
    </>
  );
}

export function MembersPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const { workspace } = useWorkspace();
  const canManage = useCan('members:manage');
  const me = useQuery(meQuery(api));
  const members = useQuery(membersQuery(api));

  return (
    <>
      <section className="card">
        <h1>Members</h1>
        {workspace && (
          <p className="muted">
            Who works in “{workspace.name}”, and what their role lets them do.
            {canManage ? '' : ' Owners and admins manage members.'}
          </p>
        )}
        {members.isPending && <p>Loading…</p>}
        <ErrorText error={members.error} />
        {members.data && workspace && (
          <div className="table-scroll">
            <table className="members">
              <caption className="visually-hidden">Members of {workspace.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  {canManage && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {members.data.map((member) => {
                  const self = member.userId === me.data?.id;
                  // Nobody re-roles or removes themselves here: an owner stepping down asks another owner.
                  const roles = canManage && !self ? assignableRoles(workspace.role, member.role) : [];
                  return (
                    <tr key={member.userId}>
                      <td className="url">
                        {member.email}
                        {self && <span className="muted"> (you)</span>}
                      </td>
                      <td>
                        {roles.length > 0 ? (
                          <RoleForm member={member} roles={roles} />
                        ) : (
                          ROLE_LABELS[member.role]
                        )}
                      </td>
                      <td>
                        <DateTime value={member.joinedAt} withTime={false} />
                      </td>
                      {canManage && <td>{roles.length > 0 && <RemoveMember member={member} />}</td>}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {canManage && <InvitationsSection />}
    </>
  );
}
