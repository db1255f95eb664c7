import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { accessibilityViolations } from './browser.ts';

/**
 * axe-core finds no serious or critical violation on the screen as it is now, in dark and then in light (the
 * page follows the system's scheme, switched here by emulation). Each check waits two frames after the switch,
 * so that axe reads the colours of the scheme it is told about, not those of the style recalculation's
 * previous state.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  for (const colorScheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate(
      () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(null)))),
    );
    expect(await accessibilityViolations(page), `${screen}, ${colorScheme}`).toEqual([]);
  }
}
