// The dashboard's budgets, measured in Debian's Chromium against the real management API and dashboard server:
//
//   pnpm --filter @boltlink/bench dashboard-budgets
//   RUNS=5 SMALL_LINKS=500 LARGE_LINKS=10000 (defaults); CHROMIUM_PATH overrides `command -v chromium`
//
// - Initial JavaScript of the links screen: every script the browser fetched from the navigation to /links
//   until the links table showed (the entry, its preloaded chunks and the links page's lazy chunk), each
//   gzipped here (zlib level 6, what a compressing proxy sends) — budget 150 KB. The charting library's chunk
//   (`charts-*.js`) must not be among them.
// - First contentful paint of /links for a workspace with SMALL_LINKS links, on loopback, each run a fresh
//   browser context (empty cache): performance.getEntriesByName('first-contentful-paint') — budget < 1 s.
//   Baseline in the same runs: the first paint of a page without script from the same server, the floor this
//   host gives any page at that moment (a busy shared host shows in it at once).
// - A workspace with LARGE_LINKS links (made through POST /links/bulk, 1000 a request): time from the
//   navigation to the table's rows rendered, and from a click on the next-page control to the next page's
//   rows rendered (the first row changed), timed in the page (performance.now() at the animation frame
//   that shows them).
// Medians of RUNS runs. The pages are built first (vite build, as `make up` does); the API and the dashboard
// run from source (tsx) on local Postgres and Redis, or the servers in DATABASE_URL / REDIS_URL.
// Results: bench/results/dashboard-budgets.json and .md.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { freePort } from '@boltlink/local-servers/free-port';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startServer } from './lib/processes.ts';
import { writeResults } from './lib/results-file.ts';
import { startBenchStack } from './lib/stack.ts';

const RUNS = Number(process.env.RUNS ?? 5);
const SMALL_LINKS = Number(process.env.SMALL_LINKS ?? 500);
const LARGE_LINKS = Number(process.env.LARGE_LINKS ?? 10_000);
const BULK_SIZE = 1000;
const BUDGET = { initialJsKb: 150, fcpMs: 1000 };
const PASSWORD = 'correct horse battery staple';

const appsDir = fileURLToPath(new URL('../apps/', import.meta.url));
const dashboardDir = `${appsDir}dashboard/`;

const median = (values: readonly number[]): number => {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return Number((value ?? Number.NaN).toFixed(1));
};

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  }).trim();
}

function buildPages(): void {
  execFileSync(
    process.execPath,
    [`${dashboardDir}node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'warn'],
    { cwd: dashboardDir, stdio: 'inherit' },
  );
}

/** A new account with `count` links (titled, so no metadata fetch is queued), signed in in its own context. */
async function accountWithLinks(
  browser: Browser,
  urls: { api: string; dashboard: string },
  label: string,
  count: number,
): Promise<{ storageState: Awaited<ReturnType<BrowserContext['storageState']>> }> {
  const context = await browser.newContext();
  const email = `${label}-${process.pid}-${Date.now()}@example.com`;
  const signup = await context.request.post(`${urls.api}/api/v1/auth/signup`, {
    data: { email, password: PASSWORD },
    headers: { origin: urls.dashboard },
  });
  if (signup.status() !== 201) throw new Error(`sign-up answered ${signup.status()}: ${await signup.text()}`);
  const { token } = (await signup.json()) as { token: string };
  for (let made = 0; made < count; made += BULK_SIZE) {
    const links = Array.from({ length: Math.min(BULK_SIZE, count - made) }, (_, i) => ({
      url: `https://example.com/articles/${made + i}?utm_source=bench`,
      title: `Article ${made + i}`,
      tags: [`batch-${Math.floor((made + i) / BULK_SIZE)}`],
    }));
    const response = await fetch(`${urls.api}/api/v1/links/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ links }),
    });
    const body = (await response.json()) as { items?: { error?: unknown }[] };
    const failed = body.items?.filter((item) => item.error !== undefined).length ?? links.length;
    if (response.status !== 200 || failed > 0)
      throw new Error(
        `bulk create answered ${response.status} with ${failed} failed: ${JSON.stringify(body).slice(0, 300)}`,
      );
  }
  const storageState = await context.storageState();
  await context.close();
  return { storageState };
}

const ROWS = 'main table tbody tr';
// The bench compiles without the DOM library: the one page global its in-page functions use.
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

/** Waits for the links table's rows and answers performance.now() at the frame that showed them. */
const rowsShownAt = (page: Page): Promise<number> =>
  page
    .waitForFunction((selector) => (document.querySelector(selector) ? performance.now() : false), ROWS, {
      polling: 'raf',
      timeout: 60_000,
    })
    .then((handle) => handle.jsonValue() as Promise<number>);

/**
 * The page's first contentful paint. The entry can be queued a moment after the frame that painted: a buffered
 * observer waits for it (NaN after 10 s, left out of the medians).
 */
const firstContentfulPaint = (page: Page): Promise<number> =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const name = 'first-contentful-paint';
        const found = performance.getEntriesByName(name)[0];
        if (found) return resolve(found.startTime);
        setTimeout(() => resolve(Number.NaN), 10_000);
        // Node's types name Node's entry types only; the browser's observer knows 'paint'.
        new PerformanceObserver((list) => {
          const entry = list.getEntriesByName(name)[0];
          if (entry) resolve(entry.startTime);
        }).observe({ type: 'paint', buffered: true } as unknown as Parameters<
          PerformanceObserver['observe']
        >[0]);
      }),
  );

/** A page without script, served by the same dashboard server: the host's floor for a first paint right now. */
const BASELINE_PAGE = '/bench-baseline.html';

async function baselineFcp(browser: Browser, dashboard: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${dashboard}${BASELINE_PAGE}`);
  const fcp = await firstContentfulPaint(page);
  await context.close();
  return fcp;
}

interface LoadResult {
  fcpMs: number;
  rowsShownMs: number;
  rows: number;
  scripts: { file: string; bytes: number; gzipBytes: number }[];
}

/** One cold load of /links: a fresh context (no cache), the scripts it fetched before the rows showed. */
async function loadLinks(
  browser: Browser,
  dashboard: string,
  storageState: Awaited<ReturnType<BrowserContext['storageState']>>,
): Promise<{ result: LoadResult; page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ storageState, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const responses: Promise<{ file: string; bytes: number; gzipBytes: number }>[] = [];
  let shown = false;
  page.on('response', (response) => {
    if (shown || response.request().resourceType() !== 'script') return;
    responses.push(
      response.body().then((body) => ({
        file: new URL(response.url()).pathname,
        bytes: body.length,
        gzipBytes: gzipSync(body, { level: 6 }).length,
      })),
    );
  });
  await page.goto(`${dashboard}/links`);
  const rowsShownMs = await rowsShownAt(page);
  shown = true;
  const fcpMs = await firstContentfulPaint(page);
  const rows = await page.locator(ROWS).count();
  return { result: { fcpMs, rowsShownMs, rows, scripts: await Promise.all(responses) }, page, context };
}

/** Clicks the links screen's next-page control and times until the first row changed; null without one. */
async function nextPageMs(page: Page): Promise<number | null> {
  const next = page
    .getByRole('button', { name: /next/i })
    .or(page.getByRole('link', { name: /next/i }))
    .first();
  if ((await next.count()) === 0) return null;
  const firstRow = await page.locator(ROWS).first().textContent();
  const started = await page.evaluate(() => performance.now());
  await next.click();
  const shownAt = await page
    .waitForFunction(
      ({ selector, before }) => {
        const row = document.querySelector(selector);
        return row && row.textContent !== before ? performance.now() : false;
      },
      { selector: ROWS, before: firstRow },
      { polling: 'raf', timeout: 60_000 },
    )
    .then((handle) => handle.jsonValue() as Promise<number>);
  return shownAt - started;
}

const kb = (bytes: number) => Number((bytes / 1024).toFixed(1));

async function main(): Promise<void> {
  console.log('building the pages (vite build)…');
  buildPages();
  const baselineFile = `${dashboardDir}dist/public${BASELINE_PAGE}`;
  // Read by the dashboard server at start (it serves its files from memory); the next build removes it.
  writeFileSync(
    baselineFile,
    '<!doctype html><html lang="en"><title>baseline</title><h1>BoltLink</h1><p>A page without script.</p></html>\n',
  );
  const stack = await startBenchStack();
  const [apiPort, dashboardPort] = await Promise.all([freePort(), freePort()]);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
  const prefix = `bench-dashboard-${process.pid}`;
  const common = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_PREFIX: `{${prefix}}`,
    CORS_ORIGINS: dashboardUrl,
    API_URL: apiUrl,
    // One client address makes every request here: the per-address limits and budgets are not measured.
    DEFAULT_RATE_LIMIT_MAX: '1000000',
    SIGNUP_RATE_LIMIT_MAX: '1000000',
    LINK_CREATE_RATE_LIMIT_MAX: '1000000',
  };
  const api = await startServer({
    entry: 'src/server.ts',
    cwd: `${appsDir}management-api`,
    port: apiPort,
    cpu: 0,
    env: { ...common, WEB_CONCURRENCY: '1' },
    readyTimeoutMs: 120_000,
  });
  const dashboard = await startServer({
    entry: 'src/server.ts',
    cwd: dashboardDir,
    port: dashboardPort,
    cpu: 0,
    env: common,
    readyTimeoutMs: 120_000,
  });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  try {
    const urls = { api: apiUrl, dashboard: dashboardUrl };
    console.log(`making ${SMALL_LINKS} and ${LARGE_LINKS} links…`);
    const small = await accountWithLinks(browser, urls, 'budgets-small', SMALL_LINKS);
    const large = await accountWithLinks(browser, urls, 'budgets-large', LARGE_LINKS);

    const baselineRuns: number[] = [];
    const smallRuns: LoadResult[] = [];
    const largeRuns: (LoadResult & { nextPageMs: number | null })[] = [];
    // One unmeasured load each: the servers' first answers (tsx compiling, pools connecting) are not the page's.
    for (const account of [small, large]) {
      const warm = await loadLinks(browser, dashboardUrl, account.storageState);
      await warm.context.close();
    }
    for (let run = 0; run < RUNS; run += 1) {
      baselineRuns.push(await baselineFcp(browser, dashboardUrl));
      const smallLoad = await loadLinks(browser, dashboardUrl, small.storageState);
      smallRuns.push(smallLoad.result);
      await smallLoad.context.close();
      const largeLoad = await loadLinks(browser, dashboardUrl, large.storageState);
      largeRuns.push({ ...largeLoad.result, nextPageMs: await nextPageMs(largeLoad.page) });
      await largeLoad.context.close();
      console.log(
        `run ${run + 1}/${RUNS}: FCP ${smallLoad.result.fcpMs.toFixed(0)} ms (${SMALL_LINKS} links, ` +
          `page without script ${baselineRuns.at(-1)?.toFixed(0)} ms); ` +
          `${LARGE_LINKS} links: rows ${largeLoad.result.rowsShownMs.toFixed(0)} ms, next page ${
            largeRuns.at(-1)?.nextPageMs?.toFixed(0) ?? 'no control'
          }`,
      );
    }

    const scripts = smallRuns[0]?.scripts ?? [];
    const initialJsGzip = scripts.reduce((sum, script) => sum + script.gzipBytes, 0);
    const initialJsRaw = scripts.reduce((sum, script) => sum + script.bytes, 0);
    const chartsInInitial = scripts.filter((script) => /\/charts-[^/]*\.js$/.test(script.file));
    const nextPages = largeRuns.map((run) => run.nextPageMs).filter((ms): ms is number => ms !== null);
    const figures = {
      initialJsGzipKb: kb(initialJsGzip),
      initialJsRawKb: kb(initialJsRaw),
      chartsChunkInInitialJs: chartsInInitial.length > 0,
      fcpMs: median(smallRuns.map((run) => run.fcpMs)),
      baselineFcpMs: median(baselineRuns),
      smallRowsShownMs: median(smallRuns.map((run) => run.rowsShownMs)),
      smallRowsRendered: smallRuns[0]?.rows ?? 0,
      largeFcpMs: median(largeRuns.map((run) => run.fcpMs)),
      largeRowsShownMs: median(largeRuns.map((run) => run.rowsShownMs)),
      largeRowsRendered: largeRuns[0]?.rows ?? 0,
      largeNextPageMs: nextPages.length > 0 ? median(nextPages) : null,
    };
    const verdict = {
      initialJs: figures.initialJsGzipKb <= BUDGET.initialJsKb && !figures.chartsChunkInInitialJs,
      fcp: figures.fcpMs < BUDGET.fcpMs,
    };
    console.log(JSON.stringify({ figures, verdict }, null, 2));

    const yesNo = (ok: boolean) => (ok ? 'within' : '**over**');
    const body = [
      `Debian's Chromium, headless, 1280 × 800, loopback; the API and the dashboard from source (tsx) on CPU 0,`,
      `Postgres and Redis ${stack.durability}. Medians of ${RUNS} cold loads (a fresh browser context each, after one`,
      `unmeasured load). Made by \`pnpm --filter @boltlink/bench dashboard-budgets\`.`,
      '',
      '| figure | measured | budget |',
      '| --- | --- | --- |',
      `| initial JavaScript of /links, gzipped (raw) | ${figures.initialJsGzipKb} KB (${figures.initialJsRawKb} KB) | ≤ ${BUDGET.initialJsKb} KB: ${yesNo(verdict.initialJs)} |`,
      `| charting chunk among the initial scripts | ${figures.chartsChunkInInitialJs ? '**yes**' : 'no'} | no |`,
      `| first contentful paint of /links, ${SMALL_LINKS} links | ${figures.fcpMs} ms | < ${BUDGET.fcpMs} ms: ${yesNo(verdict.fcp)} |`,
      `| baseline: first contentful paint of a page without script, same server, same runs | ${figures.baselineFcpMs} ms (/links: ${(figures.fcpMs / figures.baselineFcpMs).toFixed(1)} ×) | |`,
      `| /links, ${SMALL_LINKS} links: navigation → rows rendered (${figures.smallRowsRendered} rows) | ${figures.smallRowsShownMs} ms | |`,
      `| /links, ${LARGE_LINKS} links: first contentful paint | ${figures.largeFcpMs} ms | |`,
      `| /links, ${LARGE_LINKS} links: navigation → rows rendered (${figures.largeRowsRendered} rows) | ${figures.largeRowsShownMs} ms | |`,
      `| /links, ${LARGE_LINKS} links: next page → rows rendered | ${
        figures.largeNextPageMs === null
          ? 'the screen has no next-page control'
          : `${figures.largeNextPageMs} ms`
      } | |`,
      '',
      'The initial scripts (first run):',
      '',
      '| file | bytes | gzipped |',
      '| --- | --- | --- |',
      ...scripts.map((script) => `| \`${script.file}\` | ${script.bytes} | ${script.gzipBytes} |`),
    ].join('\n');
    await writeResults(
      'dashboard-budgets',
      {
        runs: RUNS,
        smallLinks: SMALL_LINKS,
        largeLinks: LARGE_LINKS,
        budget: BUDGET,
        figures,
        verdict,
        scripts,
        smallRuns: smallRuns.map(({ scripts: _s, ...run }) => run),
        largeRuns: largeRuns.map(({ scripts: _s, ...run }) => run),
      },
      { title: 'Dashboard budgets', body },
    );
  } finally {
    rmSync(baselineFile, { force: true });
    await browser.close();
    await dashboard.stop();
    await api.stop();
    await stack.stop();
  }
}

await main();
