import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouteContext } from '@tanstack/react-router';
import { meQuery } from '../router.tsx';

export function Layout() {
  const { api } = useRouteContext({ from: '__root__' });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const me = useQuery(meQuery(api));

  async function logout() {
    await api.POST('/api/v1/auth/logout');
    queryClient.clear();
    await navigate({ to: '/login' });
  }

  return (
    <>
      <header className="bar">
        <Link to="/links" className="brand">
          BoltLink
        </Link>
        <nav aria-label="Account">
          {me.data ? (
            <>
              <span className="who">{me.data.email}</span>
              <button type="button" onClick={() => void logout()}>
                Log out
              </button>
            </>
          ) : (
            <>
              <Link to="/login">Log in</Link>
              <Link to="/signup">Sign up</Link>
            </>
          )}
        </nav>
      </header>
      <main>
        <Outlet />
      </main>
    </>
  );
}
