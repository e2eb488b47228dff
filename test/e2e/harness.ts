// What the Chromium end-to-end tests share: the test app served by Vite, a browser, and pages signed in
// the way an app signs them in (the server and tokens handed over before the page loads, never in the URL).
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import type { SessionTokens } from '../../src/core/index.ts';
import { chromium } from '../../vite.config.ts';

/** The test app (test/e2e/app) on a free port. */
export async function startApp(): Promise<{ url: string; close(): Promise<void> }> {
  const app: ViteDevServer = await createServer({
    root: 'test/e2e/app',
    configFile: false,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    // What an app's bundler does for a dependency: the kit here is source, so the dev server is told.
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
  });
  await app.listen();
  return { url: app.resolvedUrls!.local[0]!, close: () => app.close() };
}

/** Chromium as the tests run it. */
export const launchChromium = (): Promise<Browser> => playwright.launch({ executablePath: chromium.executablePath, args: chromium.args });

/** How the page signs in: an app's session, or as a guest of that name. */
export type SignIn = { session: SessionTokens } | { guest: { displayName: string } };

/** A page of the app in `context`, signed in, watching `watch`, connected. */
export async function openPage(context: BrowserContext, appUrl: string, serverUrl: string, signIn: SignIn, watch: string) {
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.addInitScript((config) => Object.assign(window, { __E2E__: config }), { url: serverUrl, watch, ...signIn });
  await page.goto(appUrl);
  await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  return { page, errors };
}
