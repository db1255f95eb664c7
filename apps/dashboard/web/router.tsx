import type { BoltlinkClient } from '@boltlink/api-client/client';
import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  redirect,
} from '@tanstack/react-router';
import type { RuntimeConfig } from './api.ts';
import { validateLinksSearch } from './links-search.ts';
import { validateOrphanSearch } from './orphan-search.ts';
import { auditLogSearch } from './pages/audit-log-search.ts';
import { Layout } from './pages/layout.tsx';
import { LoginPage, redirectSearch, SignupPage } from './pages/sign-in.tsx';
import { validateLinkStatsSearch, validateStatsSearch } from './ui/stats-range.ts';
import { validateVisitsSearch } from './visits-search.ts';
import { currentWorkspaceQuery } from './workspace.tsx';

export interface RouterContext {
  api: BoltlinkClient;
  config: RuntimeConfig;
  queryClient: QueryClient;
}

/** Who is signed in, or null: GET /me with the session cookie. */
export const meQuery = (api: BoltlinkClient) => ({
  queryKey: ['me'],
  queryFn: async () => {
    const { data, response } = await api.GET('/api/v1/me');
    if (response.status === 401) return null;
    if (!data) throw new Error(`GET /me answered ${response.status}`);
    return data;
  },
});

const rootRoute = createRootRouteWithContext<RouterContext>()({ component: Layout });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/links' });
  },
});

// Pages anyone may open: signing in, and the pages the API's mails link to (APP_URL).
const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: redirectSearch,
  component: LoginPage,
});
const signupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/signup',
  validateSearch: redirectSearch,
  component: SignupPage,
});
const tokenSearch = (search: Record<string, unknown>): { token?: string } =>
  typeof search.token === 'string' && search.token !== '' ? { token: search.token } : {};
const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  validateSearch: tokenSearch,
  component: lazyRouteComponent(() => import('./pages/reset-password.tsx'), 'ResetPasswordPage'),
});
const confirmSignupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/signup/confirm',
  validateSearch: tokenSearch,
  component: lazyRouteComponent(() => import('./pages/confirm-signup.tsx'), 'ConfirmSignupPage'),
});
const acceptInvitationRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invitations/accept',
  validateSearch: tokenSearch,
  component: lazyRouteComponent(() => import('./pages/accept-invitation.tsx'), 'AcceptInvitationPage'),
});

/** Every page below needs a session: without one, the log-in page. */
const signedInRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'signed-in',
  beforeLoad: async ({ context, location }) => {
    const me = await context.queryClient.fetchQuery(meQuery(context.api));
    // After logging in, back to the page that was asked for (a link to a link's analytics, say).
    if (!me) {
      const asked = location.href === '/links' ? {} : { redirect: location.href };
      throw redirect({ to: '/login', search: asked });
    }
    // The workspace is settled before a page asks for anything: a stored choice the user lost (removed,
    // workspace deleted) falls back to the personal workspace first, instead of failing the page's requests.
    await context.queryClient.ensureQueryData(currentWorkspaceQuery(context.api));
  },
});

// Each page is its own chunk, loaded when first opened: the first screen downloads only what it shows.
const linksRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/links',
  validateSearch: validateLinksSearch,
  component: lazyRouteComponent(() => import('./pages/links.tsx'), 'LinksPage'),
});
const linkImportRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/links/import',
  component: lazyRouteComponent(() => import('./pages/link-import.tsx'), 'LinkImportPage'),
});
const linkRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/links/$linkId',
  component: lazyRouteComponent(() => import('./pages/link.tsx'), 'LinkPage'),
});
const linkAnalyticsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/links/$linkId/analytics',
  validateSearch: validateLinkStatsSearch,
  component: lazyRouteComponent(() => import('./pages/link-analytics.tsx'), 'LinkAnalyticsPage'),
});
const linkVisitsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/links/$linkId/visits',
  validateSearch: validateVisitsSearch,
  component: lazyRouteComponent(() => import('./pages/visits.tsx'), 'LinkVisitsPage'),
});
const visitsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/visits',
  validateSearch: validateVisitsSearch,
  component: lazyRouteComponent(() => import('./pages/visits.tsx'), 'VisitsPage'),
});
const orphanVisitsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/orphan-visits',
  validateSearch: validateOrphanSearch,
  component: lazyRouteComponent(() => import('./pages/orphan-visits.tsx'), 'OrphanVisitsPage'),
});
const analyticsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/analytics',
  validateSearch: validateStatsSearch,
  component: lazyRouteComponent(() => import('./pages/analytics.tsx'), 'AnalyticsPage'),
});
const campaignsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/campaigns',
  component: lazyRouteComponent(() => import('./pages/campaigns.tsx'), 'CampaignsPage'),
});
const domainsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/domains',
  component: lazyRouteComponent(() => import('./pages/domains.tsx'), 'DomainsPage'),
});
const apiKeysRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/api-keys',
  component: lazyRouteComponent(() => import('./pages/api-keys.tsx'), 'ApiKeysPage'),
});
const membersRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/members',
  component: lazyRouteComponent(() => import('./pages/members.tsx'), 'MembersPage'),
});
const auditLogRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/audit-log',
  validateSearch: auditLogSearch,
  component: lazyRouteComponent(() => import('./pages/audit-log.tsx'), 'AuditLogPage'),
});
const workspaceRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/workspace',
  component: lazyRouteComponent(() => import('./pages/workspace-settings.tsx'), 'WorkspaceSettingsPage'),
});
const accountRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/account',
  component: lazyRouteComponent(() => import('./pages/account.tsx'), 'AccountPage'),
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  loginRoute,
  signupRoute,
  resetPasswordRoute,
  confirmSignupRoute,
  acceptInvitationRoute,
  signedInRoute.addChildren([
    linksRoute,
    linkImportRoute,
    linkRoute,
    linkAnalyticsRoute,
    linkVisitsRoute,
    analyticsRoute,
    visitsRoute,
    orphanVisitsRoute,
    campaignsRoute,
    domainsRoute,
    apiKeysRoute,
    membersRoute,
    auditLogRoute,
    workspaceRoute,
    accountRoute,
  ]),
]);

export function createAppRouter(context: RouterContext) {
  return createRouter({ routeTree, context, defaultPreload: 'intent' });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
