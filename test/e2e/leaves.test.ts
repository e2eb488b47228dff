// Leaves without ghosts or flicker (issue 22), in Chromium against the real server: how long until others
// see a user offline when their last page closes and when their browser is killed, and that a frozen page
// (stricter than a hidden one, whose timers are only throttled) keeps its connection and its user online.
import { chromium as playwright, type Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import { chromium } from '../../vite.config.ts';
import { e2eEnvironment, openAs as open } from './harness.ts';

const HEARTBEAT_MS = 1_000;
// A short server heartbeat, so that "several heartbeats" is seconds.
const e2e = e2eEnvironment({ limits: { heartbeatMs: HEARTBEAT_MS } }, [
  ['ada', 'Ada Lovelace'],
  ['grace', 'Grace Hopper'],
]);
const openAs = (on: Browser, userId: string, watch: string) => open(e2e, userId, watch, on);

/** Records every value an attribute of one element takes from now on (the page reports them as they happen). */
async function record(page: Awaited<ReturnType<typeof openAs>>['page'], testId: string, attribute: string): Promise<string[]> {
  const seen: string[] = [];
  const name = `__record_${testId}`;
  await page.exposeFunction(name, (value: string) => seen.push(value));
  await page.evaluate(
    ({ testId, attribute, name }) => {
      const element = document.querySelector(`[data-testid="${testId}"]`)!;
      const report = (window as unknown as Record<string, (value: string) => void>)[name]!;
      new MutationObserver(() => report(element.getAttribute(attribute)!)).observe(element, { attributes: true, attributeFilter: [attribute] });
    },
    { testId, attribute, name },
  );
  return seen;
}

test('time until others see a closed last page and a killed browser as offline; a frozen page stays connected and online', async () => {
  const grace = await openAs(e2e.browser, 'grace', 'ada');
  const watched = grace.page.getByTestId('watched');

  // A clean close: the page's socket closes (pagehide says goodbye too), the server shows ada offline at
  // once, and grace's page after its offline grace (300 ms in this app; 5 s by default).
  const ada = await openAs(e2e.browser, 'ada', 'grace');
  await grace.page.locator('[data-testid="watched"][data-status="online"]').waitFor();
  let started = Date.now();
  await ada.context.close();
  await grace.page.locator('[data-testid="watched"][data-status="offline"]').waitFor();
  const cleanMs = Date.now() - started;

  // A killed browser (kill -9): its sockets die with the process, so the server hears of it at once too.
  const server = await playwright.launchServer({ executablePath: chromium.executablePath, args: chromium.args });
  const doomed = await playwright.connect(server.wsEndpoint());
  await openAs(doomed, 'ada', 'grace');
  await grace.page.locator('[data-testid="watched"][data-status="online"]').waitFor();
  started = Date.now();
  server.process().kill('SIGKILL');
  await grace.page.locator('[data-testid="watched"][data-status="offline"]').waitFor({ timeout: 10 * HEARTBEAT_MS });
  const killedMs = Date.now() - started;
  console.log(
    `leaves: others see ada offline ${cleanMs} ms after her last page closed, ${killedMs} ms after her browser was killed (server heartbeat ${HEARTBEAT_MS} ms, client offline grace 300 ms)`,
  );
  expect(cleanMs).toBeLessThan(HEARTBEAT_MS);
  expect(killedMs).toBeLessThan(HEARTBEAT_MS);

  // A frozen page runs no timers and no script at all, for several of the server's heartbeats: the
  // browser answers the server's pings itself, so the connection stays and ada never looks offline.
  const frozen = await openAs(e2e.browser, 'ada', 'grace');
  await grace.page.locator('[data-testid="watched"][data-status="online"]').waitFor();
  const statuses = await record(grace.page, 'watched', 'data-status');
  const states = await record(frozen.page, 'connection', 'data-state');
  const cdp = await frozen.context.newCDPSession(frozen.page);
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  // The duration under test: five of the server's heartbeats with the page frozen.
  await new Promise((resolve) => setTimeout(resolve, 5 * HEARTBEAT_MS));
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  await expect.poll(() => frozen.page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
  expect(await watched.getAttribute('data-status')).toBe('online');
  expect(statuses).toEqual([]);
  // Never reconnected: the page's connection state did not change while frozen or after.
  expect(states).toEqual([]);
  expect(e2e.presence.controls.connectionCount('ada')).toBe(1);
  expect(frozen.errors).toEqual([]);
  expect(grace.errors).toEqual([]);
  await frozen.context.close();
  await grace.context.close();
  await doomed.close().catch(() => {});
}, 60_000);
