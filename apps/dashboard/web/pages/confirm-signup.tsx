import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useRouteContext, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { problemText } from '../api.ts';
import { ErrorText } from '../ui/error-text.tsx';

/**
 * The page the sign-up mail links to. The account is created when the token comes back
 * (POST /auth/signup/confirm), which also starts a session: the person lands on their links. The token is
 * sent on a click, not on page load: mail scanners that open links must not use it up.
 */
export function ConfirmSignupPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const { token } = useSearch({ from: '/signup/confirm' });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function confirm(value: string) {
    setBusy(true);
    setError(null);
    const { error: problem, response } = await api.POST('/api/v1/auth/signup/confirm', {
      body: { token: value },
    });
    setBusy(false);
    if (!response.ok) {
      setError(
        response.status === 404
          ? 'This confirmation link is unknown, used or expired (it works once, for 24 hours). If you already ' +
              'confirmed it, log in; otherwise sign up again.'
          : problemText(problem, `The sign-up could not be confirmed (${response.status})`),
      );
      return;
    }
    await queryClient.invalidateQueries({ queryKey: ['me'] });
    await navigate({ to: '/links' });
  }

  return (
    <section className="card narrow">
      <h1>Confirm your email</h1>
      {token === undefined ? (
        <p role="alert" className="error">
          This page needs the link from your sign-up mail, with its token.
        </p>
      ) : (
        <>
          <p>Confirm the address to create your BoltLink account and sign in.</p>
          <button type="button" disabled={busy} onClick={() => void confirm(token)}>
            Confirm and sign in
          </button>
        </>
      )}
      <ErrorText error={error} />
      {(token === undefined || error) && (
        <p>
          <Link to="/login">Log in</Link> · <Link to="/signup">Sign up</Link>
        </p>
      )}
    </section>
  );
}
