// Issue 5 scenarios 1-7 and 9: faults injected by a TCP proxy between clients and a real server.
// Timings are shortened (heartbeats of 200 ms instead of 15 s / 30 s); the documented defaults scale them.
import { afterEach, expect, test, vi } from 'vitest';
import type { PresenceClient, PresenceClientOptions } from '../../src/core/index.ts';
import { startFaultProxy, startTestServer, type FaultProxy, type TestServer } from '../../src/testing/index.ts';
import { waitForStatus, waitForStore, waitForUser } from '../helpers.ts';

const HEARTBEAT = 200;
const fast: Partial<PresenceClientOptions> = {
  heartbeat: { intervalMs: HEARTBEAT, timeoutMs: HEARTBEAT },
  backoff: { minMs: 50, maxMs: 400 },
};

let server: TestServer | undefined;
const proxies: FaultProxy[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const proxy of proxies.splice(0)) await proxy.close();
  await server?.close();
  server = undefined;
});

async function start(options: Parameters<typeof startTestServer>[0] = {}) {
  server = await startTestServer({ users: ['ada', 'grace', 'linus'], limits: { heartbeatMs: HEARTBEAT }, ...options });
  return server;
}

async function proxied(): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: server!.port });
  proxies.push(proxy);
  return proxy;
}

async function connected(client: PresenceClient): Promise<PresenceClient> {
  client.connect();
  await waitForStatus(client, 'connected');
  return client;
}

/** Every online/offline transition the observer is told about, with when. */
function transitions(observer: PresenceClient, userId: string) {
  const seen: Array<{ online: boolean; at: number }> = [];
  observer.watchUser(userId).onConnectionEvent((user) => seen.push({ online: user.presence?.online === true, at: Date.now() }));
  return seen;
}

test('1. silent drop: observers see the user go offline exactly once, within ping interval + pong timeout', async () => {
  const s = await start();
  const proxy = await proxied();
  const ada = await connected(s.clientFor('ada'));
  const grace = await connected(s.clientFor('grace', { ...fast, url: proxy.httpUrl }));
  ada.retainUser('grace');
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
  const seen = transitions(ada, 'grace');

  const droppedAt = Date.now();
  proxy.drop();
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === false);
  // The server pings every interval and drops a peer silent for a whole one: at most two intervals.
  expect(Date.now() - droppedAt).toBeLessThan(2 * HEARTBEAT + 1_000);
  await ada.setStatus({ statusMessage: 'barrier' });
  expect(seen.map((event) => event.online)).toEqual([false]);
  // Grace's own client noticed too, and keeps trying.
  await waitForStore(grace.state, (state) => state.status === 'reconnecting');
  proxy.pass();
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
  expect(seen.map((event) => event.online)).toEqual([false, true]);
});

test('2. clean close (tab closed): offline within 1 s', async () => {
  const s = await start();
  const ada = await connected(s.clientFor('ada'));
  const grace = await connected(s.clientFor('grace'));
  ada.retainUser('grace');
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
  const closedAt = Date.now();
  grace.disconnect();
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === false);
  expect(Date.now() - closedAt).toBeLessThan(1000);
});

test('3. a 500 ms network pause during 50 status updates: no flicker, all 50 stored, watchers see them in order, none twice, ending with the last', async () => {
  const s = await start({ limits: { heartbeatMs: 2_000, statusUpdatesPerSecond: 100 } });
  const proxy = await proxied();
  const ada = await connected(s.clientFor('ada'));
  const grace = await connected(s.clientFor('grace', { url: proxy.httpUrl, heartbeat: { intervalMs: 1_000, timeoutMs: 1_000 } }));
  const handle = await ada.getUser('grace');
  const messages: Array<string | null> = [];
  handle.onStatusUpdate((update) => messages.push(update.statusMessage));
  const seen = transitions(ada, 'grace');

  const sent: Array<Promise<void>> = [];
  for (let i = 0; i < 50; i++) {
    if (i === 10) proxy.pause();
    sent.push(grace.setStatus({ statusMessage: `update ${i}` }));
    if (i === 40) setTimeout(() => proxy.pass(), 500);
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Every one is acknowledged (stored)...
  await Promise.all(sent);
  await waitForUser(ada, 'grace', (entry) => entry.presence?.statusMessage === 'update 49');
  // ...and a watcher hears them in order, none twice. Frames that reach the server together (those queued
  // behind the pause, or read in one chunk) reach a watcher as their latest (docs/protocol.md, limits).
  const order = messages.map((message) => Number(message?.slice('update '.length)));
  expect(order.every((n, i) => i === 0 || n > order[i - 1]!)).toBe(true);
  expect(order.at(-1)).toBe(49);
  expect(seen).toEqual([]);
  expect(grace.state.getState().status).toBe('connected');
});

test('4. an outage longer than the catch-up window: full snapshot, leavers offline, newcomers in, no duplicates', async () => {
  let now = Date.now();
  const s = await start({ catchUpWindowMs: 60_000, now: () => now });
  s.controls.connect('grace');
  s.controls.connect('linus');
  const proxy = await proxied();
  const ada = s.clientFor('ada', { ...fast, url: proxy.httpUrl });
  ada.retainOnlineList();
  await connected(ada);
  await waitForStore(ada.state, () => ada.onlineUserIds().length === 3, 'three online');

  proxy.drop();
  await waitForStore(ada.state, (state) => state.status === 'reconnecting');
  s.controls.setPresence('grace', { statusMessage: 'Gone for the day' });
  s.controls.disconnect('grace');
  s.controls.createUser({ id: 'newcomer', username: 'newcomer' });
  s.controls.connect('newcomer');
  now += 11 * 60_000;
  proxy.pass();
  await waitForStatus(ada, 'connected');
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === false);
  await waitForUser(ada, 'newcomer', (entry) => entry.presence?.online === true);
  const view = [...ada.onlineUserIds()].sort();
  expect(view).toEqual(['ada', 'linus', 'newcomer']);
  // The one who left meanwhile shows their real last state, not a guess.
  await waitForUser(ada, 'grace', (entry) => entry.presence?.statusMessage === 'Gone for the day');
  expect(ada.peekUser('grace')?.presence).toEqual(s.controls.presenceOf('grace'));
  expect(new Set(view).size).toBe(view.length);
  expect(view).toEqual([...s.hubOnline()].sort());
});

test('6. one user, three connections: closing two keeps them online; the third makes them offline, once', async () => {
  const s = await start();
  const ada = await connected(s.clientFor('ada'));
  ada.retainUser('grace');
  const seen = transitions(ada, 'grace');
  const devices = [await connected(s.clientFor('grace')), await connected(s.clientFor('grace')), await connected(s.clientFor('grace'))];
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
  devices[0]!.disconnect();
  devices[1]!.disconnect();
  await vi.waitUntil(() => s.controls.connectionCount('grace') === 1);
  await ada.setStatus({ statusMessage: 'barrier' });
  expect(ada.peekUser('grace')?.presence?.online).toBe(true);
  devices[2]!.disconnect();
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === false);
  expect(seen.map((event) => event.online)).toEqual([true, false]);
});

test('7. a new connection arrives before the old one is known dead: no duplicate, no spurious offline', async () => {
  const s = await start();
  const proxy = await proxied();
  const ada = await connected(s.clientFor('ada'));
  ada.retainOnlineList();
  const old = await connected(s.clientFor('grace', { url: proxy.httpUrl, heartbeat: { intervalMs: 60_000, timeoutMs: 60_000 } }));
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
  const seen = transitions(ada, 'grace');
  proxy.drop();
  // The laptop wakes up on another network before anyone noticed the old link died.
  const fresh = await connected(s.clientFor('grace'));
  expect(s.controls.connectionCount('grace')).toBe(2);
  await vi.waitUntil(() => s.controls.connectionCount('grace') === 1, { timeout: 3_000 });
  await ada.setStatus({ statusMessage: 'barrier' });
  expect(seen).toEqual([]);
  expect(ada.onlineUserIds().filter((id) => id === 'grace')).toHaveLength(1);
  void old;
  void fresh;
});

test('9. a flood of 1,000 status updates is rate limited; everyone else is still served promptly', async () => {
  const s = await start();
  const ada = await connected(s.clientFor('ada'));
  ada.retainUser('linus');
  const flooder = await connected(s.clientFor('grace'));
  const reported: string[] = [];
  flooder.onError((error) => reported.push(error.code));
  const linus = await connected(s.clientFor('linus'));
  await waitForUser(ada, 'linus', (entry) => entry.presence?.online === true);
  const refused: string[] = [];
  const flood = Array.from({ length: 1_000 }, (_, i) =>
    flooder.setStatus({ statusMessage: `spam ${i}` }).catch((error: { code: string }) => refused.push(error.code)),
  );
  const started = Date.now();
  await linus.setStatus({ status: 'busy' });
  await waitForUser(ada, 'linus', (entry) => entry.presence?.status === 'busy');
  const delivery = Date.now() - started;
  await Promise.all(flood);
  // Refused with the documented code; a client that keeps flooding is cut off (4008) and comes back.
  expect(refused.length).toBeGreaterThan(0);
  expect(new Set([...refused, ...reported])).toEqual(new Set(['rate-limited']));
  expect(delivery).toBeLessThan(1_000);
});

test('3b. a status held on a dead connection and delivered late never overwrites a newer one (found by the soak)', async () => {
  const s = await start({ limits: { heartbeatMs: 1_000 } });
  const proxy = await proxied();
  const ada = await connected(s.clientFor('ada'));
  ada.retainUser('grace');
  const grace = await connected(s.clientFor('grace', { ...fast, url: proxy.httpUrl }));
  await grace.setStatus({ statusMessage: 'first' });

  // The link goes quiet with "second" in flight; the client moves to a new connection and says "third".
  proxy.pauseExisting();
  const second = grace.setStatus({ statusMessage: 'second' });
  await waitForStore(grace.state, (state) => state.status === 'reconnecting');
  await waitForStatus(grace, 'connected');
  await second;
  await grace.setStatus({ statusMessage: 'third' });
  await waitForUser(ada, 'grace', (entry) => entry.presence?.statusMessage === 'third');

  // The old link wakes up and delivers its stale frame.
  proxy.pass();
  await vi.waitUntil(() => s.controls.connectionCount('grace') === 1, { timeout: 5_000 });
  await ada.setStatus({ statusMessage: 'barrier' });
  expect(s.controls.presenceOf('grace').statusMessage).toBe('third');
  expect(ada.peekUser('grace')?.presence?.statusMessage).toBe('third');
});
