// What the Chromium end-to-end tests share: the presence server, the test app served by Vite, a browser,
// and pages signed in the way an app signs them in (the server and tokens handed over before the page
// loads, never in the URL).
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import type { SessionTokens } from '../../src/core/index.ts';
import { createPresenceServer, type PresenceServer, type PresenceServerOptions } from '../../src/server/index.ts';
import { chromium } from '../../vite.config.ts';

/** What a test file's pages run against, ready from its `beforeAll` on. */
export interface E2E {
  presence: PresenceServer;
  appUrl: string;
  browser: Browser;
}

/**
 * Starts, for the tests of one file, a presence server with these options and users, the test app
 * (test/e2e/app) on a free port, and Chromium; stops them after.
 */
export function e2eEnvironment(serverOptions: Omit<PresenceServerOptions, 'port'>, users: Array<[id: string, displayName: string]> = []): E2E {
  const e2e = {} as E2E;
  let closeApp: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    e2e.presence = await createPresenceServer({ port: 0, ...serverOptions });
    for (const [id, displayName] of users) e2e.presence.controls.createUser({ id, username: id, displayName });
    const app = await createServer({
      root: 'test/e2e/app',
      configFile: false,
      logLevel: 'error',
      server: { host: '127.0.0.1', port: 0, strictPort: false },
      // What an app's bundler does for a dependency: the kit here is source, so the dev server is told.
      define: { 'process.env.NODE_ENV': JSON.stringify('development') },
    });
    await app.listen();
    closeApp = () => app.close();
    e2e.appUrl = app.resolvedUrls!.local[0]!;
    e2e.browser = await launchChromium();
  });
  afterAll(async () => {
    await e2e.browser?.close();
    await closeApp?.();
    await e2e.presence?.close();
  });
  return e2e;
}

/** Chromium as the tests run it (`launchServer` for one the test kills). */
export const launchChromium = (): Promise<Browser> => playwright.launch({ executablePath: chromium.executablePath, args: chromium.args });

/** How the page signs in: an app's session, or as a guest of that name. */
export type SignIn = { session: SessionTokens } | { guest: { displayName: string } };

/** A page of the app in `context`, signed in, watching `watch`, connected. */
export async function openPage(
  context: BrowserContext,
  e2e: E2E,
  signIn: SignIn,
  watch: string,
  /** `share: false`: the page's client has a socket of its own; `room`: the room it enters (doc:e2e); `autoAwayMs`: automatic away on. */
  extra: { share?: boolean; room?: string; autoAwayMs?: number } = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.addInitScript((config) => Object.assign(window, { __E2E__: config }), { url: e2e.presence.httpUrl, watch, ...signIn, ...extra });
  await page.goto(e2e.appUrl);
  await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  return { page, errors };
}

/** A new context (a browser profile of its own) with one page signed in as `userId` with an app's session. */
export async function openAs(e2e: E2E, userId: string, watch: string, on: Browser = e2e.browser) {
  // Tall enough that the devtools panel, which floats over the bottom of the page, covers none of it.
  const context = await on.newContext({ viewport: { width: 1280, height: 1600 } });
  const session = e2e.presence.mintTokens(userId);
  return { context, session, ...(await openPage(context, e2e, { session }, watch)) };
}
