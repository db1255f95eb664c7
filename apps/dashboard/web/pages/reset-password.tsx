import { useQueryClient } from '@tanstack/react-query';
import { Link, useRouteContext, useSearch } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { ErrorText } from '../ui/error-text.tsx';
import { NewPasswordFields, newPasswordOf } from '../ui/new-password-fields.tsx';

/** Without a token: ask for the address. The API answers alike whether it has an account or not. */
function RequestReset() {
  const { api } = useRouteContext({ from: '__root__' });
  const id = useId();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email'));
    setBusy(true);
    setError(null);
    const { error: problem, response } = await api.POST('/api/v1/auth/password-reset', { body: { email } });
    setBusy(false);
    if (!response.ok) {
      // 403: this instance sends no mail; 429: asked too often. The API's words say which.
      setError(problemText(problem, `The reset could not be asked for (${response.status})`));
      return;
    }
    setSentTo(email);
  }

  if (sentTo !== null) {
    return (
      <section className="card narrow">
        <h1>Check your mail</h1>
        <p role="status">
          If an account exists for <strong>{sentTo}</strong>, a mail with a link to choose a new password is
          on its way. The link works once, for one hour.
        </p>
        <p>
          <Link to="/login">Back to log in</Link>
        </p>
      </section>
    );
  }

  return (
    <section className="card narrow">
      <h1>Reset your password</h1>
      <p className="muted">Enter the address of your account: we mail you a link to choose a new password.</p>
      <form onSubmit={(event) => void submit(event)}>
        <label htmlFor={`${id}-email`}>Email</label>
        <input id={`${id}-email`} name="email" type="email" autoComplete="email" required />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          Send the reset link
        </button>
      </form>
      <p>
        <Link to="/login">Back to log in</Link>
      </p>
    </section>
  );
}

/** With the mailed token: choose the new password. Every session of the account ends, so log in again. */
function ChooseNewPassword({ token }: { token: string }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const typed = newPasswordOf(form);
    if ('error' in typed) {
      setError(typed.error);
      return;
    }
    const { password } = typed;
    setBusy(true);
    setError(null);
    const { error: problem, response } = await api.POST('/api/v1/auth/password-reset/confirm', {
      body: { token, password },
    });
    setBusy(false);
    if (!response.ok) {
      setError(
        response.status === 404
          ? 'This reset link is unknown, used or expired (it works once, for one hour). Ask for a new one.'
          : problemText(problem, `The password could not be set (${response.status})`),
      );
      return;
    }
    // The API ended every session of the account, this browser's too.
    queryClient.clear();
    setDone(true);
  }

  if (done) {
    return (
      <section className="card narrow">
        <h1>Password changed</h1>
        <p role="status">Your new password is set, and every session of your account has ended.</p>
        <p>
          <Link to="/login">Log in with your new password</Link>
        </p>
      </section>
    );
  }

  return (
    <section className="card narrow">
      <h1>Choose a new password</h1>
      <form onSubmit={(event) => void submit(event)}>
        <NewPasswordFields id={id} />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          Set the new password
        </button>
      </form>
      {error && (
        <p>
          <Link to="/reset-password">Ask for a new reset link</Link>
        </p>
      )}
    </section>
  );
}

export function ResetPasswordPage() {
  const { token } = useSearch({ from: '/reset-password' });
  return token === undefined ? <RequestReset /> : <ChooseNewPassword token={token} />;
}
