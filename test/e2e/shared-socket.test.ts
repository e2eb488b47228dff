// One socket per browser (issue 22), in Chromium against the real server: pages of one browser context
// are tabs of one browser (one set of Web Locks, one BroadcastChannel per name).
import type { Page } from 'playwright-core';
import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { createPresenceClient, enterRoom, type PresenceClient, type Room } from '../../src/core/index.ts';
import type { TabLinkInspection } from '../../src/core/tab-link.ts';
import { e2eEnvironment, openAs, openPage } from './harness.ts';

const e2e = e2eEnvironment({ roomLeaveGraceMs: 3_000 }, [
  ['ada', 'Ada Lovelace'],
  ['grace', 'Grace Hopper'],
  ['linus', 'Linus'],
  ['edsger', 'Edsger Dijkstra'],
  ['barbara', 'Barbara Liskov'],
  ['margaret', 'Margaret Hamilton'],
]);

const link = (page: Page) => page.evaluate(() => (window as unknown as { __link__: () => TabLinkInspection | null }).__link__());

/** `count` tabs of one browser signed in as `userId`, opened one after another as a user does. */
async function tabsOf(
  userId: string,
  count: number,
  extra: (index: number) => { share?: boolean; room?: string; watch?: string; autoAwayMs?: number } = () => ({}),
) {
  const context = await e2e.browser.newContext({ viewport: { width: 1280, height: 1600 } });
  const session = e2e.presence.mintTokens(userId);
  const tabs: Array<{ page: Page; errors: string[] }> = [];
  for (let i = 0; i < count; i++) {
    const { watch = 'grace', ...rest } = extra(i);
    tabs.push(await openPage(context, e2e, { session }, watch, rest));
  }
  return { context, tabs };
}

/** Someone else, in Node: what they see of ada's presence and of the rooms they are in. */
const observers: PresenceClient[] = [];
afterEach(() => {
  for (const client of observers.splice(0)) client.disconnect();
});
function observer(userId: string): PresenceClient {
  const client = createPresenceClient({ url: e2e.presence.httpUrl, session: e2e.presence.mintTokens(userId), WebSocket, environment: null, autoAway: false });
  client.connect();
  observers.push(client);
  return client;
}
const connectionsOf = (room: Room, userId: string) => room.getOthers().find((member) => member.userId === userId)?.connections.length ?? 0;

test('three tabs, one WebSocket (counted at the server); each tab keeps its own subscriptions, and is a connection of its own in its room', async () => {
  const { context, tabs } = await tabsOf('ada', 3, (index) => ({ watch: ['grace', 'linus', 'edsger'][index]!, room: index === 2 ? 'doc:other' : 'doc:e2e' }));
  expect(e2e.presence.controls.connectionCount('ada')).toBe(1);
  const roles = await Promise.all(tabs.map(({ page }) => link(page)));
  expect(roles.map((role) => role!.role).sort()).toEqual(['follower', 'follower', 'leader']);
  // All three name the same leader, which is one of them.
  expect(new Set(roles.map((role) => role!.leader)).size).toBe(1);
  expect(roles.map((role) => role!.tab)).toContain(roles[0]!.leader);

  // Each tab hears of the user it watches.
  for (const [index, userId] of ['grace', 'linus', 'edsger'].entries()) {
    e2e.presence.controls.connect(userId);
    e2e.presence.controls.setPresence(userId, { status: 'busy' });
    await tabs[index]!.page.locator('[data-testid="watched"][data-status="busy"]').waitFor();
  }

  // Rooms are per tab: the two tabs in doc:e2e are two connections of one member; the third is elsewhere.
  const barbara = observer('barbara');
  const here = enterRoom(barbara, 'doc:e2e');
  const there = enterRoom(barbara, 'doc:other');
  await expect.poll(() => [connectionsOf(here, 'ada'), connectionsOf(there, 'ada')]).toEqual([2, 1]);
  const ids = here
    .getOthers()
    .find((member) => member.userId === 'ada')!
    .connections.map((connection) => connection.id);
  expect(new Set(ids).size).toBe(2);

  // A tab that closes takes its lane out of its room; ada stays in the room through the other tab.
  const leaderIndex = roles.findIndex((role) => role!.role === 'leader');
  const follower = [0, 1].find((index) => index !== leaderIndex)!;
  let left = 0;
  here.subscribe(() => (left += here.getOthers().some((member) => member.userId === 'ada') ? 0 : 1));
  await tabs[follower]!.page.close();
  await expect.poll(() => connectionsOf(here, 'ada')).toBe(1);
  expect(left).toBe(0);
  expect(e2e.presence.controls.connectionCount('ada')).toBe(1);
  for (const { errors } of tabs) expect(errors).toEqual([]);
  await context.close();
  for (const userId of ['grace', 'linus', 'edsger']) e2e.presence.controls.disconnect(userId);
});

test('a follower tab that crashes (no pagehide, no goodbye) leaves no ghost: the leader hears its lock go and takes its lane out of the room', async () => {
  const { context, tabs } = await tabsOf('linus', 3, () => ({ room: 'doc:crash' }));
  const room = enterRoom(observer('barbara'), 'doc:crash');
  await expect.poll(() => connectionsOf(room, 'linus')).toBe(3);
  const roles = await Promise.all(tabs.map(({ page }) => link(page)));
  const follower = tabs[roles.findIndex((role) => role!.role === 'follower')]!.page;
  const cdp = await context.newCDPSession(follower);
  // The answer never comes: the page is gone.
  void cdp.send('Page.crash').catch(() => {});
  await expect.poll(() => connectionsOf(room, 'linus')).toBe(2);
  expect(e2e.presence.controls.connectionCount('linus')).toBe(1);
  await context.close();
});

test('the leader tab closes: another tab takes over the socket; someone watching in another browser sees no offline blip and no room leave; a status set meanwhile arrives', async () => {
  const { context, tabs } = await tabsOf('ada', 3);
  // Someone in the room, in Node: ada's connections there (one per tab; none while a leave is held back).
  const room = enterRoom(observer('barbara'), 'doc:e2e');
  await expect.poll(() => connectionsOf(room, 'ada')).toBe(3);
  const watcher = await openAs(e2e, 'grace', 'ada');
  await watcher.page.locator('[data-testid="watched"][data-status="online"]').waitFor();
  await watcher.page.locator('[data-testid="room"][data-count="3"]').waitFor();
  const statuses: string[] = [];
  const counts: string[] = [];
  await watcher.page.exposeFunction('__seen', (kind: string, value: string) => (kind === 'status' ? statuses : counts).push(value));
  await watcher.page.evaluate(() => {
    const seen = (window as unknown as { __seen: (kind: string, value: string) => void }).__seen;
    const badge = document.querySelector('[data-testid="watched"]')!;
    const room = document.querySelector('[data-testid="room"]')!;
    new MutationObserver(() => seen('status', badge.getAttribute('data-status')!)).observe(badge, { attributes: true, attributeFilter: ['data-status'] });
    new MutationObserver(() => seen('count', room.getAttribute('data-count')!)).observe(room, { attributes: true, attributeFilter: ['data-count'] });
  });
  const roles = await Promise.all(tabs.map(({ page }) => link(page)));
  const leaderIndex = roles.findIndex((role) => role!.role === 'leader');

  // What the server shows in between, without any grace: how long ada was offline there.
  let offlineSince: number | null = null;
  let offlineMs = 0;
  const sampler = setInterval(() => {
    const online = e2e.presence.controls.presenceOf('ada').online;
    if (!online && offlineSince === null) offlineSince = performance.now();
    if (online && offlineSince !== null) {
      offlineMs += performance.now() - offlineSince;
      offlineSince = null;
    }
  }, 5);
  const rest = tabs.filter((_, index) => index !== leaderIndex);
  // When each remaining tab is connected again, by the page's own clock (the machine's).
  for (const { page } of rest) {
    await page.evaluate(() => {
      const state = document.querySelector('[data-testid="connection"]')!;
      new MutationObserver(() => {
        if (state.getAttribute('data-state') === 'connected') Object.assign(window, { __connectedAt__: Date.now() });
      }).observe(state, { attributes: true, attributeFilter: ['data-state'] });
    });
  }
  const closedAt = Date.now();
  await tabs[leaderIndex]!.page.close();
  // A status set while the socket changes hands waits in the tab's outbox and goes out through the new leader.
  await rest[0]!.page.getByRole('radio', { name: /Busy/ }).check();
  await rest[0]!.page.getByRole('button', { name: 'Save' }).click();
  // One of the others leads now, on a socket of its own, and both tabs are back in the room.
  await expect.poll(async () => (await Promise.all(rest.map(({ page }) => link(page)))).map((role) => role!.role).sort()).toEqual(['follower', 'leader']);
  await expect.poll(() => e2e.presence.controls.connectionCount('ada')).toBe(1);
  for (const { page } of rest) await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  await expect.poll(() => connectionsOf(room, 'ada')).toBe(2);
  const connectedAt = await Promise.all(rest.map(({ page }) => page.evaluate(() => (window as unknown as { __connectedAt__?: number }).__connectedAt__ ?? 0)));
  const handOffMs = Math.max(...connectedAt) - closedAt;
  clearInterval(sampler);
  console.log(
    `hand-off: the other tabs were connected again ${Math.round(handOffMs)} ms after the leader closed; the server showed ada offline for ${Math.round(offlineMs)} ms (the watcher's offline grace: 300 ms)`,
  );
  // Ada is online and in the room with connections, so no leave is pending; past the watcher's offline
  // grace, nothing it held back can show any more.
  expect(e2e.presence.controls.presenceOf('ada').online).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 400));
  await watcher.page.locator('[data-testid="watched"][data-status="busy"]').waitFor();
  expect(statuses).toEqual(['busy']);
  expect(counts).toEqual([]);
  // The other tab shows it too.
  await expect.poll(() => rest[1]!.page.getByRole('radio', { name: /Busy/ }).isChecked()).toBe(true);
  for (const { errors } of [...tabs, watcher]) expect(errors).toEqual([]);
  await context.close();
  await watcher.context.close();
});

test('a status set in one tab shows in the others; no token crosses the channel; devtools say which tab holds the socket', async () => {
  const context = await e2e.browser.newContext({ viewport: { width: 1280, height: 1600 } });
  const session = e2e.presence.mintTokens('linus');
  const tabs = [await openPage(context, e2e, { session }, 'grace')];
  // Everything the tabs say to each other, heard as any page of the origin could.
  await tabs[0]!.page.evaluate((name) => {
    const heard: string[] = [];
    new BroadcastChannel(name).onmessage = ({ data }) => heard.push(JSON.stringify(data));
    Object.assign(window, { __heard__: heard });
  }, `presence-kit:socket:${e2e.presence.wsUrl}:linus`);
  tabs.push(await openPage(context, e2e, { session }, 'grace'));
  const heard = await tabs[0]!.page.evaluate(() => (window as unknown as { __heard__: string[] }).__heard__);
  // The second tab's auth went to the leader, without its token.
  expect(heard.some((message) => message.includes('\\"type\\":\\"auth\\"'))).toBe(true);
  expect(heard.join('\n')).not.toContain(session.accessToken);
  await tabs[0]!.page.getByRole('radio', { name: /Away/ }).check();
  await tabs[0]!.page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => tabs[1]!.page.getByRole('radio', { name: /Away/ }).isChecked()).toBe(true);
  for (const { page } of tabs) {
    await page.getByRole('button', { name: 'Presence devtools' }).click();
    await page.getByTestId('pkdt-link').waitFor();
  }
  const said = await Promise.all(tabs.map(({ page }) => page.getByTestId('pkdt-link').textContent()));
  expect(said[0]).toMatch(/^this tab holds it for 2 lanes \(tabs\); \d+ frames forwarded$/);
  expect(said[1]).toMatch(/^shared: tab \w+ holds it; this tab is \w+$/);
  await context.close();
});

test('automatic away across tabs: input in either tab keeps the user online; idle in both, away; input in the other brings them back', async () => {
  const { context, tabs } = await tabsOf('margaret', 2, () => ({ autoAwayMs: 1_500, watch: 'ada' }));
  const status = () => e2e.presence.controls.presenceOf('margaret').status;
  // Input in the second tab only, for twice the idle time: the first tab's silence does not set away.
  const until = Date.now() + 3_000;
  for (let x = 0; Date.now() < until; x = (x + 7) % 300) {
    await tabs[1]!.page.mouse.move(100 + x, 100);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(status()).toBe('online');
  // Idle in both: away.
  await expect.poll(status, { timeout: 5_000 }).toBe('away');
  // Input in the first tab (not the one that was used) brings the user back.
  await tabs[0]!.page.mouse.move(50, 50);
  await tabs[0]!.page.mouse.move(60, 60);
  await expect.poll(status, { timeout: 5_000 }).toBe('online');
  await context.close();
});

test('shareConnection: false, or a browser without Web Locks: a socket per tab, as before', async () => {
  const { context, tabs } = await tabsOf('edsger', 3, () => ({ share: false }));
  expect(e2e.presence.controls.connectionCount('edsger')).toBe(3);
  expect(await Promise.all(tabs.map(({ page }) => link(page)))).toEqual([null, null, null]);
  await context.close();

  // Web Locks gone (as in an old browser): the client falls back without a word.
  const bare = await e2e.browser.newContext();
  await bare.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
  const session = e2e.presence.mintTokens('barbara');
  const pages = [];
  for (let i = 0; i < 2; i++) pages.push(await openPage(bare, e2e, { session }, 'ada'));
  expect(e2e.presence.controls.connectionCount('barbara')).toBe(2);
  for (const { errors } of pages) expect(errors).toEqual([]);
  await bare.close();
});

test('eight tabs with an online list: WebSockets and frames the browser receives, a socket per tab against one shared', async () => {
  const simulated = Array.from({ length: 20 }, (_, index) => `sim-${index}`);
  for (const id of simulated) e2e.presence.controls.createUser({ id, username: id, displayName: `Simulated ${id}` });
  const figures: Record<string, { sockets: number; frames: number }> = {};
  for (const share of [false, true]) {
    const context = await e2e.browser.newContext();
    let sockets = 0;
    let frames = 0;
    context.on('page', (page) =>
      page.on('websocket', (socket) => {
        if (!socket.url().endsWith('/ws')) return;
        sockets++;
        socket.on('framereceived', () => frames++);
      }),
    );
    const session = e2e.presence.mintTokens('grace');
    const tabs = [];
    for (let i = 0; i < 8; i++) tabs.push(await openPage(context, e2e, { session }, 'ada', { share }));
    frames = 0;
    // Twenty people come online and each changes status five times.
    for (const id of simulated) e2e.presence.controls.connect(id);
    for (let round = 0; round < 5; round++) for (const id of simulated) e2e.presence.controls.setPresence(id, { status: round % 2 ? 'busy' : 'away' });
    // The server sends these about one per 60 ms either way (measured: the last tab hears each 1-3 ms after the leader).
    for (const { page } of tabs) {
      await expect.poll(() => page.locator('[data-testid="people"] .pk-online-list-section').allTextContents(), { timeout: 10_000 }).toContain('Away 20');
    }
    figures[share ? 'shared' : 'own'] = { sockets, frames };
    for (const id of simulated) e2e.presence.controls.disconnect(id);
    await context.close();
  }
  console.log(
    `8 tabs, 20 users changing status 5 times: a socket per tab ${figures.own!.sockets} WebSockets, ${figures.own!.frames} frames received; shared ${figures.shared!.sockets} WebSocket, ${figures.shared!.frames} frames received`,
  );
  expect(figures.own!.sockets).toBe(8);
  expect(figures.shared!.sockets).toBe(1);
  // One copy of each change instead of eight (pings and answers aside).
  expect(figures.shared!.frames * 6).toBeLessThan(figures.own!.frames);
});
