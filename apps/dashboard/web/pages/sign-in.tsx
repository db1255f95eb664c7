import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useRouteContext } from '@tanstack/react-router';
import { type FormEvent, useId, useState } from 'react';
import { problemText } from '../api.ts';

function CredentialsForm({ mode }: { mode: 'login' | 'signup' }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
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
    await queryClient.invalidateQueries({ queryKey: ['me'] });
    await navigate({ to: '/links' });
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
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {title}
        </button>
      </form>
    </section>
  );
}

export const LoginPage = () => <CredentialsForm mode="login" />;
export const SignupPage = () => <CredentialsForm mode="signup" />;
