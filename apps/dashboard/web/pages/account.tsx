import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { meQuery } from '../router.tsx';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { NewPasswordFields, newPasswordOf } from '../ui/new-password-fields.tsx';
import './account.css';

/** A session the API no longer knows (ended elsewhere, or by this page): back to log in, nothing cached. */
function useSignedOut() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return async () => {
    queryClient.clear();
    await navigate({ to: '/login' });
  };
}

/** Current and new password. The API ends every other session of the account; this one stays. */
function ChangePassword() {
  const { api } = useRouteContext({ from: '__root__' });
  const signedOut = useSignedOut();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [changed, setChanged] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const currentPassword = String(form.get('currentPassword'));
    const typed = newPasswordOf(form);
    setChanged(false);
    if ('error' in typed) {
      setError(typed.error);
      return;
    }
    const newPassword = typed.password;
    setBusy(true);
    setError(null);
    const { error: problem, response } = await api.POST('/api/v1/auth/password', {
      body: { currentPassword, newPassword },
    });
    setBusy(false);
    if (response.status === 401) {
      await signedOut();
      return;
    }
    if (!response.ok) {
      setError(
        response.status === 403
          ? 'The current password is wrong.'
          : problemText(problem, `The password could not be changed (${response.status})`),
      );
      return;
    }
    formElement.reset();
    setChanged(true);
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Change password</h2>
      <form onSubmit={(event) => void submit(event)} className="account-form">
        <label htmlFor={`${id}-current`}>Current password</label>
        <input
          id={`${id}-current`}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          maxLength={256}
          required
        />
        <NewPasswordFields
          id={id}
          hint="Your other sessions end; this one stays signed in. API keys keep working."
        />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          Change password
        </button>
      </form>
      <p role="status">{changed ? 'Password changed. Every other session of your account has ended.' : ''}</p>
    </section>
  );
}

/** Ends every session of the account, this one included (a lost laptop, a shared computer). */
function SignOutEverywhere() {
  const { api } = useRouteContext({ from: '__root__' });
  const signedOut = useSignedOut();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    const { error: problem, response } = await api.POST('/api/v1/auth/logout-everywhere');
    setBusy(false);
    // 401: the session had already ended; either way this browser is signed out now.
    if (response.ok || response.status === 401) {
      setOpen(false);
      await signedOut();
      return;
    }
    setError(problemText(problem, `Signing out failed (${response.status})`));
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Sessions</h2>
      <p>
        Sign out on every browser and device where your account is logged in, this one included. API keys
        stay; revoke them on the API keys page.
      </p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Sign out everywhere
      </button>
      <ConfirmDialog
        open={open}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        busy={busy}
        error={error}
        onConfirm={() => void confirm()}
        onCancel={() => {
          setOpen(false);
          setError(null);
        }}
      >
        <p>Every session of your account ends now, this one too: you will have to log in again.</p>
      </ConfirmDialog>
    </section>
  );
}

export function AccountPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const me = useQuery(meQuery(api));
  return (
    <>
      <section className="card">
        <h1>Account</h1>
        {me.data && (
          <dl className="account-facts">
            <dt>Email</dt>
            <dd data-testid="account-email">{me.data.email}</dd>
            {me.data.isAdmin && (
              <>
                <dt>Instance</dt>
                <dd>You are an administrator of this BoltLink instance.</dd>
              </>
            )}
          </dl>
        )}
      </section>
      <ChangePassword />
      <SignOutEverywhere />
    </>
  );
}
