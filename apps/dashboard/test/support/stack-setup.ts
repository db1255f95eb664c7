import type { TestProject } from 'vitest/node';
import { startChromium } from './chromium.ts';
import { buildPages, type StackUrls, startStack } from './stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dashboardStack: StackUrls;
    /** The run's Chromium, for playwright's chromium.connect. */
    chromiumEndpoint: string;
  }
}

/**
 * vitest globalSetup (after @boltlink/testing's, which starts Postgres and Redis): builds the pages from the
 * current sources and starts one stack and one Chromium for every browser test file of the run. Files keep
 * apart by signing up their own people (each person is the only member of their personal workspace), each in
 * a browser context of its own (its own cookies and storage).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // Unit runs (`--dir src`) get no test servers, and need no stack.
  const environment = project.getProvidedContext().boltlinkTest;
  if (!environment) return undefined;
  buildPages();
  const stack = await startStack(environment);
  const chromium = await startChromium().catch(async (error) => {
    await stack.close();
    throw error;
  });
  if (!stack.edge) throw new Error('the shared stack started without its redirect edge');
  project.provide('dashboardStack', { api: stack.api, edge: stack.edge, dashboard: stack.dashboard });
  project.provide('chromiumEndpoint', chromium.wsEndpoint());
  return async () => {
    await chromium.close();
    await stack.close();
  };
}
