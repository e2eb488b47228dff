// Issue 5 scenario 5: the server dies with 200 clients connected and comes back on the same port.
import { afterEach, expect, test, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createPresenceClient, type PresenceClient } from '../../src/core/index.ts';
import { createMemoryStore, createPresenceServer, type PresenceServer } from '../../src/server/index.ts';

const CLIENTS = 200;
let server: PresenceServer | undefined;
const clients: PresenceClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await server?.close();
});

test('5. killed and restarted with 200 clients: all reconnect, spread out (≤ 20% in any 1 s), every view equals the server', { timeout: 60_000 }, async () => {
  const store = createMemoryStore();
  // At most 15 handshakes a second (burst 15): with the clients' jittered retries, a 1 s window sees at most 30 (15%).
  // Every client holds the whole list of 200 here (the list's own large mode is tested in online-list-large).
  const options = { store, limits: { handshakesPerSecond: 15 }, announceMax: 1000 } as const;
  server = await createPresenceServer({ port: 0, ...options });
  const port = server.port;
  for (let i = 0; i < CLIENTS; i++) server.controls.createUser({ id: `u${i}`, username: `u${i}` });
  const reconnectedAt: number[] = [];
  let restarted = false;
  for (let i = 0; i < CLIENTS; i++) {
    const client = createPresenceClient({
      url: server.httpUrl,
      session: server.mintTokens(`u${i}`),
      WebSocket: WebSocket,
      environment: null,
      offlineGraceMs: 0,
      autoAway: false,
      backoff: { minMs: 500, maxMs: 4_000 },
    });
    client.retainOnlineList();
    client.state.subscribe((state, previous) => {
      if (restarted && state.status === 'connected' && previous.status !== 'connected') reconnectedAt.push(Date.now());
    });
    clients.push(client);
  }
  // The first connections are admitted at that rate too.
  for (const client of clients) client.connect();
  await vi.waitUntil(() => clients.every((client) => client.state.getState().status === 'connected'), { timeout: 30_000, interval: 100 });

  await server.kill();
  await vi.waitUntil(() => clients.every((client) => client.state.getState().status !== 'connected'), { timeout: 5_000 });
  restarted = true;
  server = await createPresenceServer({ port, ...options });

  await vi.waitUntil(() => reconnectedAt.length === CLIENTS, { timeout: 40_000, interval: 100 });
  const times = [...reconnectedAt].sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1_000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  console.log(`restart: ${CLIENTS} clients back in ${((times.at(-1)! - times[0]!) / 1000).toFixed(1)} s; busiest 1 s window ${busiest}`);
  expect(busiest).toBeLessThanOrEqual(CLIENTS * 0.2);

  const expected = Array.from({ length: CLIENTS }, (_, i) => `u${i}`).sort();
  await vi.waitUntil(() => clients.every((client) => client.onlineUserIds().length === CLIENTS), { timeout: 10_000, interval: 100 });
  for (const client of clients) expect([...client.onlineUserIds()].sort()).toEqual(expected);
});
