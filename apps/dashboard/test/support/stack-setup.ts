import type { TestProject } from 'vitest/node';
import { buildPages, type StackUrls, startStack } from './stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dashboardStack: StackUrls;
  }
}

/**
 * vitest globalSetup (after @boltlink/testing's, which starts Postgres and Redis): builds the pages from the
 * current sources and starts one stack for every browser test file of the run. Files keep apart by signing
 * up their own people: each person is the only member of their personal workspace.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // Unit runs (`--dir src`) get no test servers, and need no stack.
  const environment = project.getProvidedContext().boltlinkTest;
  if (!environment) return undefined;
  buildPages();
  const stack = await startStack(environment);
  project.provide('dashboardStack', { api: stack.api, edge: stack.edge, dashboard: stack.dashboard });
  return () => stack.close();
}
