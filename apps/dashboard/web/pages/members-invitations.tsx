import type { components } from '@boltlink/api-client/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { CopyButton } from '../ui/copy-button.tsx';
import { DateTime } from '../ui/date-time.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { INVITED_ROLES, type InvitedRole, ROLE_HINTS, ROLE_LABELS } from './roles.ts';

type Invitation = components['schemas']['Invitation'];
interface Sent {
  email: string;
  role: InvitedRole;
  emailed: boolean;
  /** The page the invitee opens to join; only when email is off (the API answers the token once). */
  acceptUrl?: string;
}

/** The dashboard's accept page for a token: where the invitee signs up or logs in and joins. */
export function acceptUrl(token: string): string {
  const url = new URL('/invitations/accept', window.location.origin);
  url.searchParams.set('token', token);
  return url.href;
}

function InviteForm({ onSent }: { onSent: (sent: Sent) => void }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const invite = useMutation({
    mutationFn: async (body: { email: string; role: InvitedRole }) => {
      const { data, error } = await api.POST('/api/v1/workspace/invitations', { body });
      if (!data) throw new Error(problemText(error, 'could not send the invitation'));
      return data;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['invitations'] }),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const role = String(form.get('role'));
    const body = {
      email: String(form.get('email') ?? '').trim(),
      role: INVITED_ROLES.find((r) => r === role) ?? 'viewer',
    };
    invite.mutate(body, {
      onSuccess: (created) => {
        formElement.reset();
        onSent({
          email: created.email,
          role: created.role,
          emailed: created.emailed,
          ...(created.token ? { acceptUrl: acceptUrl(created.token) } : {}),
        });
      },
    });
  }
  return (
    <>
      <form className="inline invite-form" onSubmit={submit}>
        <div>
          <label htmlFor={`${id}-email`}>Email to invite</label>
          <input id={`${id}-email`} name="email" type="email" maxLength={320} autoComplete="off" required />
        </div>
        <div>
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} name="role" defaultValue="viewer" aria-describedby={`${id}-roles`}>
            {INVITED_ROLES.map((role) => (
              <option key={role} value={role}>
                {ROLE_LABELS[role]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={invite.isPending}>
          Invite
        </button>
      </form>
      <ul id={`${id}-roles`} className="muted role-hints">
        {INVITED_ROLES.map((role) => (
          <li key={role}>
            {ROLE_LABELS[role]}: {ROLE_HINTS[role]}
          </li>
        ))}
      </ul>
      <ErrorText error={invite.error} />
    </>
  );
}

/** What became of the last invitation: mailed, or the link to hand over (shown this once). */
function SentNotice({ sent }: { sent: Sent }) {
  const id = useId();
  if (sent.emailed || !sent.acceptUrl) {
    return (
      <p role="status" className="sent">
        Invitation mailed to {sent.email} as {ROLE_LABELS[sent.role].toLowerCase()}. It works for 7 days.
      </p>
    );
  }
  return (
    <div role="status" className="sent">
      <p>
        Email is off on this server, so nothing was mailed: send {sent.email} this link yourself. It is shown
        only now, works for 7 days, and only for that address.
      </p>
      <div className="accept-link">
        <label htmlFor={`${id}-link`}>Invitation link for {sent.email}</label>
        <input id={`${id}-link`} readOnly value={sent.acceptUrl} onFocus={(event) => event.target.select()} />
        <CopyButton value={sent.acceptUrl} label={`Copy the invitation link for ${sent.email}`} />
      </div>
    </div>
  );
}

function RevokeInvitation({ invitation }: { invitation: Invitation }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: async () => {
      const { response, error } = await api.DELETE('/api/v1/workspace/invitations/{id}', {
        params: { path: { id: invitation.id } },
      });
      if (!response.ok) throw new Error(problemText(error, 'could not revoke the invitation'));
    },
    onSuccess: async () => {
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: ['invitations'] });
    },
  });
  return (
    <>
      <button type="button" className="secondary" onClick={() => setConfirming(true)}>
        Revoke<span className="visually-hidden"> the invitation of {invitation.email}</span>
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Revoke the invitation of ${invitation.email}?`}
        confirmLabel="Revoke invitation"
        busy={revoke.isPending}
        error={revoke.error?.message ?? null}
        onConfirm={() => revoke.mutate()}
        onCancel={() => {
          setConfirming(false);
          revoke.reset();
        }}
      >
        <p>Its link stops working at once. You can invite the address again later.</p>
      </ConfirmDialog>
    </>
  );
}

/** Inviting people and the invitations still waiting (owners and admins: `members:manage`). */
export function InvitationsSection() {
  const { api } = useRouteContext({ from: '__root__' });
  const [sent, setSent] = useState<Sent | null>(null);
  const id = useId();
  const invitations = useQuery({
    queryKey: ['invitations'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/workspace/invitations');
      if (!data) throw new Error(problemText(error, 'could not load the invitations'));
      return data.items;
    },
  });
  return (
    <>
      <section className="card" aria-labelledby={`${id}-invite`}>
        <h2 id={`${id}-invite`}>Invite someone</h2>
        <InviteForm onSent={setSent} />
        {sent && <SentNotice sent={sent} />}
      </section>
      <section className="card" aria-labelledby={`${id}-pending`}>
        <h2 id={`${id}-pending`}>Pending invitations</h2>
        {invitations.isPending && <p>Loading…</p>}
        <ErrorText error={invitations.error} />
        {invitations.data?.length === 0 && <p className="muted">No invitation is waiting.</p>}
        {invitations.data && invitations.data.length > 0 && (
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">Invitations not yet accepted</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {invitations.data.map((invitation) => (
                  <tr key={invitation.id}>
                    <td className="url">{invitation.email}</td>
                    <td>{ROLE_LABELS[invitation.role]}</td>
                    <td>
                      <DateTime value={invitation.expiresAt} />
                    </td>
                    <td>
                      <RevokeInvitation invitation={invitation} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
