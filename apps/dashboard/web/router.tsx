import type { BoltlinkClient } from '@boltlink/api-client/client';
import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, redirect } from '@tanstack/react-router';
import { Layout } from './pages/layout.tsx';
import { LinksPage } from './pages/links.tsx';
import { LoginPage, SignupPage } from './pages/sign-in.tsx';

export interface RouterContext {
  api: BoltlinkClient;
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

const loginRoute = createRoute({ getParentRoute: () => rootRoute, path: '/login', component: LoginPage });
const signupRoute = createRoute({ getParentRoute: () => rootRoute, path: '/signup', component: SignupPage });

const linksRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/links',
  beforeLoad: async ({ context }) => {
    const me = await context.queryClient.fetchQuery(meQuery(context.api));
    if (!me) throw redirect({ to: '/login' });
  },
  component: LinksPage,
});

const routeTree = rootRoute.addChildren([indexRoute, loginRoute, signupRoute, linksRoute]);

export function createAppRouter(context: RouterContext) {
  return createRouter({ routeTree, context });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
