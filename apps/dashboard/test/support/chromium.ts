import { execFileSync } from 'node:child_process';
import { type BrowserServer, chromium } from 'playwright-core';

/** Debian's Chromium (`make test` installs it with apt when missing); CHROMIUM_PATH overrides. */
function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  }).trim();
}

/**
 * The one headless Chromium of a run, started by the global setup: every test file connects to it
 * (connectBrowser in browser.ts) and makes its own contexts, instead of starting a Chromium of its own.
 */
export const startChromium = (): Promise<BrowserServer> =>
  chromium.launchServer({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
