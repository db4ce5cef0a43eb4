/**
 * A browser suite's set-up: a Vite server and Debian's headless Chromium, started before the
 * file's tests and closed after them; without Chromium, nothing starts and a warning says why.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from './chromium.js';
import type { RunningServer } from './vite.js';

export interface BrowserSuite {
  /** The browser (only inside tests that are skipped without Chromium). */
  readonly browser: BrowserContext;
  readonly baseUrl: string;
  /** A new page at `url` (relative to baseUrl), with the messages of the errors it throws. */
  open(url?: string): Promise<{ page: Page; errors: string[] }>;
}

export function browserSuite(name: string, start: () => Promise<RunningServer>): BrowserSuite {
  let running: RunningServer | null = null;
  let browser: BrowserContext | null = null;

  if (!hasChromium) console.warn(`${name}: ${CHROMIUM} not found — browser tests skipped (npm run setup:test installs Debian's chromium)`);

  beforeAll(async () => {
    if (!hasChromium) return;
    running = await start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.server.close();
  });

  return {
    get browser() {
      return browser!;
    },
    get baseUrl() {
      return running!.baseUrl;
    },
    async open(url = '') {
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(new URL(url, running!.baseUrl).href);
      return { page, errors };
    },
  };
}
