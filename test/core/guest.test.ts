// Signing in as a guest (what `npm run dev` allows): the client asks the server for a guest session itself.
import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { createPresenceClient, fetchUser, getCurrentUser, type PresenceClient } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer | undefined;
let client: PresenceClient | undefined;
afterEach(async () => {
  client?.disconnect();
  await server?.close();
  server = client = undefined;
});

const connectAsGuest = (url: string, guest: true | { displayName?: string; remember?: boolean }) => {
  client = createPresenceClient({ url, guest, WebSocket: WebSocket, environment: null, autoAway: false });
  client.connect();
  return client;
};

test('guest: a server that allows guests signs the client in as a new guest user, who is online', async () => {
  server = await startTestServer({ guests: true });
  const guest = connectAsGuest(server.httpUrl, { displayName: 'Catalog visitor' });
  await expect.poll(() => guest.state.getState().status).toBe('connected');
  const me = await getCurrentUser(guest);
  expect(me).toMatchObject({ displayName: 'Catalog visitor', isGuest: true, presence: { online: true } });
  expect(me.id).toMatch(/^guest-/);
  expect(guest.session.userId).toBe(me.id);
  expect(server.hubOnline()).toContain(me.id);
});

test('guest: a server without guests says so once, and the client stops instead of retrying', async () => {
  server = await startTestServer();
  let requests = 0;
  const fetchCounting: typeof fetch = (input, init) => {
    requests += 1;
    return fetch(input, init);
  };
  client = createPresenceClient({
    url: server.httpUrl,
    guest: true,
    fetch: fetchCounting,
    WebSocket: WebSocket,
    environment: null,
    backoff: { minMs: 1, maxMs: 5 },
  });
  client.connect();
  // 'disconnected' is the stopped state (a retrying client says 'reconnecting'), reached after one request.
  await expect.poll(() => client!.state.getState().status).toBe('disconnected');
  expect(client.state.getState().error).toMatchObject({ code: 'disabled', message: expect.stringMatching(/guest sessions are disabled/) });
  expect(requests).toBe(1);
});

/** localStorage as a browser has it: shared by the clients of one test, like tabs of one browser. */
function browserStorage(): Map<string, string> {
  const items = new Map<string, string>();
  Object.assign(globalThis, {
    localStorage: {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, String(value)),
      removeItem: (key: string) => void items.delete(key),
    },
  });
  return items;
}
afterEach(() => void delete (globalThis as { localStorage?: unknown }).localStorage);

async function guestId(url: string, guest: Parameters<typeof connectAsGuest>[1]): Promise<string> {
  const visitor = connectAsGuest(url, guest);
  await expect.poll(() => visitor.state.getState().status).toBe('connected');
  const id = visitor.session.userId!;
  visitor.disconnect();
  return id;
}

test('guest: a reload (a new client in the same browser) is the same guest, not a new person; remember: false is a new one each time', async () => {
  server = await startTestServer({ guests: true });
  const items = browserStorage();
  const first = await guestId(server.httpUrl, { displayName: 'Ada' });
  const again = await guestId(server.httpUrl, { displayName: 'Ada' });
  expect(again).toBe(first);
  // What is stored, and under which key: the session's tokens, per server and display name.
  expect([...items.keys()]).toEqual([`presence-kit:guest:${server.httpUrl}:Ada`]);
  expect(JSON.parse(items.get(`presence-kit:guest:${server.httpUrl}:Ada`)!)).toMatchObject({ userId: first, refreshToken: expect.any(String) });
  // Another name in the same browser is another guest (the README's `?name=Grace` tab).
  expect(await guestId(server.httpUrl, { displayName: 'Grace' })).not.toBe(first);
  const unremembered = await guestId(server.httpUrl, { displayName: 'Linus', remember: false });
  expect(await guestId(server.httpUrl, { displayName: 'Linus', remember: false })).not.toBe(unremembered);
  expect(items.has(`presence-kit:guest:${server.httpUrl}:Linus`)).toBe(false);
});

test('guest: a remembered guest the server no longer knows (a restarted dev server) becomes a new guest and connects; logging out forgets it', async () => {
  server = await startTestServer({ guests: true });
  const items = browserStorage();
  const key = `presence-kit:guest:${server.httpUrl}:`;
  items.set(key, JSON.stringify({ userId: 'guest-gone', accessToken: 'stale', refreshToken: 'stale', accessTokenExpiresAt: new Date().toISOString() }));
  const visitor = connectAsGuest(server.httpUrl, true);
  await expect.poll(() => visitor.state.getState().status).toBe('connected');
  expect(visitor.session.userId).toMatch(/^guest-/);
  expect(visitor.session.userId).not.toBe('guest-gone');
  expect(JSON.parse(items.get(key)!).userId).toBe(visitor.session.userId);
  await visitor.session.logOut();
  await expect.poll(() => items.has(key)).toBe(false);
});

/** The Web Locks API as a browser has it (one holder per name, the rest in order), shared like `browserStorage`. */
function webLocks(): void {
  const queues = new Map<string, Promise<unknown>>();
  const locks = {
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      const previous = queues.get(name) ?? Promise.resolve();
      const run = previous.then(callback, callback);
      queues.set(
        name,
        run.catch(() => {}),
      );
      return run;
    },
  };
  Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true, writable: true });
}
const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
afterEach(() => {
  if (hadNavigator) Object.defineProperty(globalThis, 'navigator', hadNavigator);
  else delete (globalThis as { navigator?: unknown }).navigator;
});

/**
 * Three tabs of one browser as a guest of that name, connected at once; `counts` counts the requests to
 * paths that include it. Each is disconnected after the test.
 */
async function threeTabs(displayName: string, counts: string) {
  const counted = { requests: 0 };
  const counting: typeof fetch = (input, init) => {
    if (String(input).includes(counts)) counted.requests++;
    return fetch(input, init);
  };
  const tabs = [1, 2, 3].map(() =>
    createPresenceClient({ url: server!.httpUrl, guest: { displayName }, fetch: counting, WebSocket: WebSocket, environment: null, autoAway: false }),
  );
  opened.push(...tabs);
  for (const tab of tabs) tab.connect();
  await expect.poll(() => tabs.map((tab) => tab.state.getState().status)).toEqual(['connected', 'connected', 'connected']);
  return { tabs, counted };
}
const opened: PresenceClient[] = [];
afterEach(() => {
  for (const tab of opened.splice(0)) tab.disconnect();
});

test('guest: three tabs find the access token expired at once; one refresh for the browser, and the session survives', async () => {
  let clock = Date.now();
  server = await startTestServer({ guests: true, now: () => clock });
  browserStorage();
  webLocks();
  const first = await guestId(server.httpUrl, { displayName: 'Ada' });
  // Past the access token's 15 minutes, as after a laptop's sleep: every tab's token is stale at once.
  clock += 16 * 60_000;
  const { tabs, counted } = await threeTabs('Ada', '/api/v1/auth/refresh');
  // Each tab exchanging the same refresh token would rotate it under the others, and the third use
  // revokes the session (reuse detection): the tabs would end as new guests, or signed out.
  expect(tabs.map((tab) => tab.session.userId)).toEqual([first, first, first]);
  expect(counted.requests).toBe(1);
  expect(server.controls.connectionCount(first)).toBe(3);
});

test('guest: three tabs of a new guest opened at once are one guest (one sign-in for the browser), not three', async () => {
  server = await startTestServer({ guests: true });
  const items = browserStorage();
  webLocks();
  const { tabs, counted } = await threeTabs('Grace', '/api/v1/guest-sessions');
  expect(counted.requests).toBe(1);
  const [id] = tabs.map((tab) => tab.session.userId);
  expect(tabs.map((tab) => tab.session.userId)).toEqual([id, id, id]);
  expect(JSON.parse(items.get(`presence-kit:guest:${server.httpUrl}:Grace`)!).userId).toBe(id);
  expect(server.controls.connectionCount(id!)).toBe(3);
});

test('a request refused for a token that another request has refreshed since is retried with the new token, not refreshed again', async () => {
  let clock = Date.now();
  server = await startTestServer({ users: ['ada', 'grace'], now: () => clock });
  const session = server.mintTokens('ada');
  clock += 16 * 60_000;
  let refreshes = 0;
  let adaAsked = 0;
  let retried!: () => void;
  const adaRetried = new Promise<void>((resolve) => (retried = resolve));
  let held = false;
  const slow: typeof fetch = async (input, init) => {
    const url = String(input);
    if (url.endsWith('/api/v1/auth/refresh')) refreshes++;
    // Ada's second request goes out with the refreshed token: the refresh is over.
    if (url.endsWith('/api/v1/users/ada') && ++adaAsked === 2) retried();
    const response = await fetch(input, init);
    // The first answer about grace (a 401 for the stale token) arrives only once the other request has refreshed.
    if (url.endsWith('/api/v1/users/grace') && !held) {
      held = true;
      await adaRetried;
    }
    return response;
  };
  client = createPresenceClient({ url: server.httpUrl, session, fetch: slow, WebSocket: WebSocket, environment: null, autoAway: false });
  const [ada, grace] = await Promise.all([fetchUser(client, 'ada'), fetchUser(client, 'grace')]);
  expect([ada.id, grace.id]).toEqual(['ada', 'grace']);
  expect(refreshes).toBe(1);
});
