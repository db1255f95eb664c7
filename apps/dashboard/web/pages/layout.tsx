import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouteContext } from '@tanstack/react-router';
import { useId } from 'react';
import { meQuery } from '../router.tsx';
import { useWorkspace } from '../workspace.tsx';

/** The sections of a workspace, each shown to those whose role allows reading it (docs/workspaces.md). */
const SECTIONS = [
  { to: '/links', label: 'Links', permission: 'links:read' },
  { to: '/analytics', label: 'Analytics', permission: 'stats:read' },
  { to: '/visits', label: 'Visits', permission: 'stats:read' },
  { to: '/campaigns', label: 'Campaigns', permission: 'links:read' },
  { to: '/domains', label: 'Domains', permission: 'domains:read' },
  { to: '/api-keys', label: 'API keys', permission: 'keys:manage' },
  { to: '/members', label: 'Members', permission: 'members:read' },
  { to: '/audit-log', label: 'Audit log', permission: 'audit:read' },
  { to: '/workspace', label: 'Workspace', permission: 'workspace:read' },
] as const;

function WorkspaceSwitcher() {
  const { workspace, workspaces, switchTo } = useWorkspace();
  const id = useId();
  if (!workspace || workspaces.length === 0) return null;
  return (
    <div className="switcher">
      <label htmlFor={id} className="visually-hidden">
        Workspace
      </label>
      <select id={id} value={workspace.id} onChange={(event) => void switchTo(event.target.value)}>
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.personal ? `${w.name} (personal)` : w.name} · {w.role}
          </option>
        ))}
      </select>
    </div>
  );
}

function SignedInNav() {
  const { workspace } = useWorkspace();
  const allowed = new Set(workspace?.permissions ?? []);
  return (
    <nav aria-label="Workspace" className="sections">
      {SECTIONS.filter((section) => allowed.has(section.permission)).map((section) => (
        <Link key={section.to} to={section.to} activeProps={{ 'aria-current': 'page' }}>
          {section.label}
        </Link>
      ))}
    </nav>
  );
}

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
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="bar">
        <Link to="/links" className="brand">
          BoltLink
        </Link>
        {me.data && <WorkspaceSwitcher />}
        <nav aria-label="Account" className="account">
          {me.data ? (
            <>
              <Link to="/account" className="who">
                {me.data.email}
              </Link>
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
      {me.data && <SignedInNav />}
      <main id="content">
        <Outlet />
      </main>
    </>
  );
}
