// Tabs of one browser (issue 22), in Chromium against the real server: several pages of one browser
// context, as tabs of one browser are (one IndexedDB, one set of Web Locks).
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { CLOSE_CODES } from '../../src/core/index.ts';
import { e2eEnvironment, openPage } from './harness.ts';

let clock = Date.now();

/** The guest the browser keeps (IndexedDB `presence-kit`, store `guests`), read as a page of the app would. */
const storedGuest = (page: Page) =>
  page.evaluate(async () => {
    const done = <T>(request: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const database = await done(indexedDB.open('presence-kit'));
    const kept = await done(database.transaction('guests').objectStore('guests').getAll());
    database.close();
    return kept.map((value) => JSON.parse(value as string) as { userId: string; refreshToken: string });
  });

const e2e = e2eEnvironment({ guests: true, now: () => clock });

test.each([
  ['each tab with a socket of its own (shareConnection: false)', false, 3],
  ['the tabs sharing one socket', true, 1],
])(
  'the refresh race, %s: three tabs of a guest find the access token expired at once; one refresh for the browser, and the session survives',
  async (_, share, sockets) => {
    const context = await e2e.browser.newContext();
    const refreshes: string[] = [];
    context.on('request', (request) => request.url().endsWith('/api/v1/auth/refresh') && refreshes.push(request.url()));
    const tabs: Array<Awaited<ReturnType<typeof openPage>>> = [];
    // One after another, so the second and third resume the guest the first signed in (as reloads do).
    for (let i = 0; i < 3; i++) tabs.push(await openPage(context, e2e, { guest: { displayName: 'Ada' } }, 'nobody', { share }));
    const stored = () => storedGuest(tabs[0]!.page);
    const [{ userId, refreshToken }] = (await stored()) as [{ userId: string; refreshToken: string }];
    expect(e2e.presence.controls.connectionCount(userId)).toBe(sockets);
    expect(refreshes).toEqual([]);

    // Past the access token's 15 minutes (a laptop waking up), and every tab told so at the same moment.
    clock += 16 * 60_000;
    e2e.presence.controls.dropConnections(userId, CLOSE_CODES.tokenExpired);
    for (const { page } of tabs) await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    await expect.poll(() => e2e.presence.controls.connectionCount(userId)).toBe(sockets);
    // Each tab exchanging the same refresh token would rotate it under the others, and the third use
    // revokes the session (reuse detection): the tabs would end as new guests. One exchange, one guest.
    expect(refreshes).toHaveLength(1);
    const [after] = await stored();
    expect(after!.userId).toBe(userId);
    expect(after!.refreshToken).not.toBe(refreshToken);
    for (const { errors } of tabs) expect(errors).toEqual([]);
    await context.close();
  },
);
