import type { ReactNode } from 'react';
import { useWorkspace, type Workspace } from '../workspace.tsx';

/**
 * A page's gate: its content for a role that holds `permission` in the current workspace, otherwise a card that
 * says so in the page's own words (the section is also absent from that role's navigation, layout.tsx).
 */
export function RequirePermission({
  permission,
  title,
  denied,
  children,
}: {
  permission: string;
  /** The page's heading, kept on the card a role without the permission sees. */
  title: string;
  /** What that role reads instead, given the workspace's name. */
  denied: (workspaceName: string) => string;
  children: (workspace: Workspace) => ReactNode;
}) {
  const { workspace } = useWorkspace();
  if (!workspace) return <p>Loading…</p>;
  if (!workspace.permissions.includes(permission)) {
    return (
      <section className="card">
        <h1>{title}</h1>
        <p>{denied(workspace.name)}</p>
      </section>
    );
  }
  return children(workspace);
}
