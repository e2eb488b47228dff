// Signing in as a guest (what `npm run dev` allows): the client asks the server for a guest session itself.
import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { createPresenceClient, getCurrentUser, type PresenceClient } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer | undefined;
let client: PresenceClient | undefined;
afterEach(async () => {
  client?.disconnect();
  await server?.close();
  server = client = undefined;
});

const connectAsGuest = (url: string, guest: true | { displayName?: string }) => {
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
