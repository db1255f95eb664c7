import { useQueryClient } from '@tanstack/react-query';
import { Link, useRouteContext, useRouter, useSearch } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';
import { ErrorText } from '../ui/error-text.tsx';

/**
 * Where to go after logging in (`?redirect=/invitations/accept?token=…`): a path of this dashboard only. An
 * absolute or protocol-relative URL (`//evil.example`, `/\evil.example`) would make the log-in page an open
 * redirect, so anything else is dropped.
 */
export function redirectSearch(search: Record<string, unknown>): { redirect?: string } {
  const value = search.redirect;
  if (typeof value !== 'string' || !/^\/(?![/\\])/.test(value) || value.length > 2048) return {};
  return { redirect: value };
}

function CredentialsForm({ mode, redirect }: { mode: 'login' | 'signup'; redirect: string | undefined }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const router = useRouter();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [mailSentTo, setMailSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const title = mode === 'login' ? 'Log in' : 'Sign up';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = { email: String(form.get('email')), password: String(form.get('password')) };
    setBusy(true);
    setError(null);
    // The API sets the session cookie on either answer; the token in the body is not kept.
    const result =
      mode === 'login'
        ? await api.POST('/api/v1/auth/login', { body })
        : await api.POST('/api/v1/auth/signup', { body });
    setBusy(false);
    if (!result.response.ok) {
      setError(problemText(result.error, `${title} failed (${result.response.status})`));
      return;
    }
    // With email on, sign-up answers 202: the account exists once the mailed link is followed.
    if (result.response.status === 202) {
      setMailSentTo(body.email);
      return;
    }
    await queryClient.invalidateQueries({ queryKey: ['me'] });
    router.history.push(redirect ?? '/links');
  }

  if (mailSentTo !== null) {
    return (
      <section className="card narrow">
        <h1>Check your mail</h1>
        <p role="status">
          We sent a mail to <strong>{mailSentTo}</strong>. Follow the link in it to confirm the address and
          finish signing up; it works for 24 hours.
        </p>
        <p className="muted">
          Nothing there? Look in the spam folder, or <Link to="/signup">sign up again</Link>.
        </p>
      </section>
    );
  }

  return (
    <section className="card narrow">
      <h1>{title}</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label htmlFor={`${id}-email`}>Email</label>
        <input id={`${id}-email`} name="email" type="email" autoComplete="email" required />
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          minLength={8}
          required
        />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          {title}
        </button>
      </form>
      {mode === 'login' && (
        <p>
          <Link to="/reset-password">Forgot your password?</Link>
        </p>
      )}
    </section>
  );
}

export function LoginPage() {
  const { redirect } = useSearch({ from: '/login' });
  return <CredentialsForm mode="login" redirect={redirect} />;
}

export function SignupPage() {
  const { redirect } = useSearch({ from: '/signup' });
  return <CredentialsForm mode="signup" redirect={redirect} />;
}
