import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useRouteContext, useSearch } from '@tanstack/react-router';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { problemText } from '../api.ts';
import { meQuery } from '../router.tsx';
import { ErrorText } from '../ui/error-text.tsx';
import { useWorkspace } from '../workspace.tsx';

/** The API's words for a refused token (404 used, revoked or expired; 403 another account's), with a way on. */
function invitationProblem(status: number, problem: unknown): string {
  if (status === 404) {
    return 'This invitation is unknown, already used, revoked or expired. Ask the person who invited you for a new one.';
  }
  return problemText(problem, `The invitation could not be accepted (${status})`);
}

/** Once joined (the session exists by now): the switcher moves to the workspace, then its links. */
function Joined({ workspaceId, name }: { workspaceId: string; name: string }) {
  const { switchTo } = useWorkspace();
  const navigate = useNavigate();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void switchTo(workspaceId).then(() => navigate({ to: '/links' }));
  }, [switchTo, workspaceId, navigate]);
  return <p role="status">You joined {name}. Opening its links…</p>;
}

type JoinedWorkspace = { id: string; name: string };

function AcceptSignedIn(props: { token: string; email: string; onJoined: (w: JoinedWorkspace) => void }) {
  const { token, email } = props;
  const { api } = useRouteContext({ from: '__root__' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function accept() {
    setBusy(true);
    setError(null);
    const {
      data,
      error: problem,
      response,
    } = await api.POST('/api/v1/invitations/accept', {
      body: { token },
    });
    setBusy(false);
    if (!data) {
      setError(invitationProblem(response.status, problem));
      return;
    }
    props.onJoined({ id: data.id, name: data.name });
  }

  return (
    <>
      <p>
        You are logged in as <strong>{email}</strong>. The invitation works for the address it was sent to.
      </p>
      <button type="button" disabled={busy} onClick={() => void accept()}>
        Accept the invitation
      </button>
      <ErrorText error={error} />
    </>
  );
}

/** Not signed in: log in and come back here, or create the account with the invitation in one step. */
function AcceptSignedOut({ token, onJoined }: { token: string; onJoined: (w: JoinedWorkspace) => void }) {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function signUp(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const {
      data,
      error: problem,
      response,
    } = await api.POST('/api/v1/auth/signup', {
      body: { email: String(form.get('email')), password: String(form.get('password')), invitation: token },
    });
    setBusy(false);
    if (!data || !('workspace' in data) || data.workspace === undefined) {
      setError(
        response.status === 404
          ? invitationProblem(404, problem)
          : problemText(problem, `Sign-up failed (${response.status})`),
      );
      return;
    }
    onJoined({ id: data.workspace.id, name: data.workspace.name });
    // Signed in now: the header shows the account.
    await queryClient.invalidateQueries({ queryKey: ['me'] });
  }

  return (
    <>
      <p>
        Have an account?{' '}
        <Link to="/login" search={{ redirect: `/invitations/accept?token=${encodeURIComponent(token)}` }}>
          Log in to accept
        </Link>{' '}
        with the address the invitation was sent to.
      </p>
      <h2>New to BoltLink?</h2>
      <form onSubmit={(event) => void signUp(event)}>
        <label htmlFor={`${id}-email`}>Email (the invited address)</label>
        <input id={`${id}-email`} name="email" type="email" autoComplete="email" required />
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          maxLength={256}
          required
        />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          Sign up and join
        </button>
      </form>
    </>
  );
}

export function AcceptInvitationPage() {
  const { api } = useRouteContext({ from: '__root__' });
  const { token } = useSearch({ from: '/invitations/accept' });
  const me = useQuery(meQuery(api));
  const [joined, setJoined] = useState<JoinedWorkspace | null>(null);

  return (
    <section className="card narrow">
      <h1>Join a workspace</h1>
      {joined ? (
        <Joined workspaceId={joined.id} name={joined.name} />
      ) : token === undefined ? (
        <p role="alert" className="error">
          This page needs the link from your invitation mail, with its token.
        </p>
      ) : me.isPending ? (
        <p>Loading…</p>
      ) : me.data ? (
        <AcceptSignedIn token={token} email={me.data.email} onJoined={setJoined} />
      ) : (
        <AcceptSignedOut token={token} onJoined={setJoined} />
      )}
    </section>
  );
}
