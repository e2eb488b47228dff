import { chromium as playwright, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPresenceServer, type PresenceServer } from '../../src/server/index.ts';
import { chromium } from '../../vite.config.ts';

let presence: PresenceServer;
let app: ViteDevServer;
let browser: Browser;
let appUrl: string;

beforeAll(async () => {
  presence = await createPresenceServer({ port: 0 });
  presence.controls.createUser({ id: 'ada', username: 'ada', displayName: 'Ada Lovelace' });
  presence.controls.createUser({ id: 'grace', username: 'grace', displayName: 'Grace Hopper' });
  app = await createServer({ root: 'test/e2e/app', configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await app.listen();
  appUrl = app.resolvedUrls!.local[0]!;
  browser = await playwright.launch({ executablePath: chromium.executablePath, args: chromium.args });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await presence?.close();
});

async function openAs(userId: string, watch: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.addInitScript((config) => Object.assign(window, { __E2E__: config }), { url: presence.httpUrl, session: presence.mintTokens(userId), watch });
  await page.goto(appUrl);
  await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  return { page, context, errors };
}

test('two browser pages as two users: a status set in one appears in the other; closing the page takes the user offline', async () => {
  const ada = await openAs('ada', 'grace');
  const grace = await openAs('grace', 'ada');
  await grace.page.locator('[data-testid="watched"][data-status="online"]').waitFor();

  await ada.page.getByRole('radio', { name: /Busy/ }).check();
  await ada.page.getByLabel('Status message').fill('Writing the compiler');
  await ada.page.getByRole('button', { name: 'Save' }).click();
  await grace.page.locator('[data-testid="watched"][data-status="busy"]').waitFor();
  expect(await grace.page.getByTestId('watched').textContent()).toBe('Busy');

  await ada.context.close();
  await grace.page.locator('[data-testid="watched"][data-status="offline"]').waitFor({ timeout: 10_000 });
  expect(presence.controls.presenceOf('ada')).toMatchObject({ online: false, statusMessage: 'Writing the compiler' });
  expect(ada.errors).toEqual([]);
  expect(grace.errors).toEqual([]);
  // No token ever appeared in a URL the pages loaded.
  expect(grace.page.url()).not.toContain('token');
});
