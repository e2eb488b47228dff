import { afterEach, expect, test, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import type { PresenceClient, StatusUpdate } from '../../src/core/index.ts';
import type { WebSocketLike } from '../../src/core/connection.ts';
import type { ServerMessage } from '../../src/core/protocol/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { waitForStatus, waitForStore, waitForUser } from '../helpers.ts';

let server: TestServer;
afterEach(async () => server.close());

/** A `ws` WebSocket that records every frame the client receives, to see what catch-up sent. */
function recordingWebSocket(frames: ServerMessage[]): WebSocketLike {
  return class extends NodeWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data)) as ServerMessage));
    }
  } as unknown as WebSocketLike;
}

const immediate = { backoff: { random: () => 0 } };

async function connected(client: PresenceClient): Promise<PresenceClient> {
  client.connect();
  await waitForStatus(client, 'connected');
  return client;
}

test('a reconnect loses no status update: the observer catches up with a delta, the sender re-sends what was unacknowledged', async () => {
  server = await startTestServer({ users: ['ada', 'grace', 'linus'] });
  const frames: ServerMessage[] = [];
  const ada = await connected(server.clientFor('ada', { ...immediate, WebSocket: recordingWebSocket(frames) }));
  const grace = await connected(server.clientFor('grace', immediate));
  const updates: StatusUpdate[] = [];
  (await ada.getUser('grace')).onStatusUpdate((update) => updates.push(update));
  await grace.setStatus({ status: 'away' });
  await waitForUser(ada, 'grace', (entry) => entry.presence?.status === 'away');

  // Ada's network drops: no close frame. While she is away, grace changes twice.
  server.controls.dropConnections('ada');
  await waitForStore(ada.state, (state) => state.status !== 'connected');
  frames.length = 0;
  server.controls.setPresence('grace', { status: 'busy', statusMessage: 'Deep work' });
  await waitForStatus(ada, 'connected');
  await waitForUser(ada, 'grace', (entry) => entry.presence?.status === 'busy');
  const catchUp = frames.find((frame) => frame.type === 'snapshot');
  expect(catchUp).toMatchObject({ full: false });
  // Only what changed: grace, and ada's own reconnect; linus, unchanged, is not sent again.
  expect(catchUp?.type === 'snapshot' && catchUp.users.map((user) => user.id).sort()).toEqual(['ada', 'grace']);
  expect(updates.map((update) => [update.status, update.statusMessage])).toEqual([
    ['away', null],
    ['busy', 'Deep work'],
  ]);

  // Grace's own connection drops, and she sets a status before it is back: it arrives after the reconnect.
  server.controls.dropConnections('grace');
  await waitForStore(grace.state, (state) => state.status !== 'connected');
  const sent = grace.setStatus({ status: 'online', statusMessage: 'Back' });
  await sent;
  await waitForUser(ada, 'grace', (entry) => entry.presence?.statusMessage === 'Back');
  expect(server.controls.presenceOf('grace')).toMatchObject({ status: 'online', statusMessage: 'Back' });
});

test('one user with two connections stays online until both close, and goes offline once', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  const ada = await connected(server.clientFor('ada'));
  const handle = await ada.getUser('grace');
  const events: string[] = [];
  handle.onConnectionEvent((user) => events.push(user.presence?.online ? 'online' : 'offline'));
  const phone = await connected(server.clientFor('grace'));
  const laptop = await connected(server.clientFor('grace'));
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
  phone.disconnect();
  await vi.waitUntil(() => server.controls.connectionCount('grace') === 1);
  await laptop.setStatus({ statusMessage: 'still here' });
  await waitForUser(ada, 'grace', (entry) => entry.presence?.statusMessage === 'still here');
  expect(ada.peekUser('grace')?.presence?.online).toBe(true);
  laptop.disconnect();
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === false);
  expect(events).toEqual(['online', 'offline']);
});

test('after an outage longer than the catch-up window: a full snapshot, leavers go offline, newcomers appear', async () => {
  let now = Date.now();
  server = await startTestServer({ users: ['ada', 'grace', 'linus'], catchUpWindowMs: 60_000, now: () => now });
  server.controls.connect('grace');
  server.controls.connect('linus');
  const frames: ServerMessage[] = [];
  const ada = server.clientFor('ada', { WebSocket: recordingWebSocket(frames) });
  const release = ada.retainOnlineList();
  await connected(ada);
  await waitForStore(ada.state, () => ada.onlineUserIds().length === 3, 'three online');

  // Ada goes invisible: the server's online list will not name her, yet she must not mark herself offline.
  await ada.setStatus({ status: 'invisible' });
  ada.disconnect();
  server.controls.disconnect('grace');
  server.controls.createUser({ id: 'newcomer', username: 'newcomer' });
  server.controls.connect('newcomer');
  now += 61_000;
  frames.length = 0;
  await connected(ada);
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === false);
  await waitForUser(ada, 'newcomer', (entry) => entry.presence?.online === true);
  expect(frames.find((frame) => frame.type === 'snapshot')).toMatchObject({ full: true });
  expect([...ada.onlineUserIds()].sort()).toEqual(['ada', 'linus', 'newcomer']);
  expect(ada.peekUser('ada')?.presence).toMatchObject({ online: true, status: 'invisible' });
  release();
});

test('subscriptions are reference-counted: the last release unsubscribes, and they are re-sent after a reconnect', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  const frames: ServerMessage[] = [];
  const ada = await connected(server.clientFor('ada', { ...immediate, WebSocket: recordingWebSocket(frames) }));
  const first = ada.retainUser('grace');
  const second = ada.retainUser('grace');
  await ada.setStatus({ status: 'online' });
  server.controls.connect('grace');
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
  first();
  server.controls.setPresence('grace', { status: 'away' });
  await waitForUser(ada, 'grace', (entry) => entry.presence?.status === 'away');

  server.controls.dropConnections('ada');
  await waitForStore(ada.state, (state) => state.status !== 'connected');
  await waitForStatus(ada, 'connected');
  server.controls.setPresence('grace', { status: 'busy' });
  await waitForUser(ada, 'grace', (entry) => entry.presence?.status === 'busy');

  second();
  await ada.setStatus({ status: 'online' });
  server.controls.setPresence('grace', { status: 'online' });
  await ada.setStatus({ status: 'away' });
  expect(ada.peekUser('grace')?.presence?.status).toBe('busy');
});

test('offline grace: a brief reconnect of someone else never shows them offline; a real leave does, once the grace is over', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  const ada = await connected(server.clientFor('ada', { offlineGraceMs: 300 }));
  const events: string[] = [];
  (await ada.getUser('grace')).onConnectionEvent((user) => events.push(user.presence?.online ? 'online' : 'offline'));
  server.controls.connect('grace');
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
  const seen: boolean[] = [];
  ada.store.userStore('grace').subscribe((entry) => seen.push(entry.presence?.online === true));

  // A page reload: gone and back within the grace period.
  server.controls.disconnect('grace');
  server.controls.connect('grace');
  await ada.setStatus({ statusMessage: 'barrier' });
  expect(seen).not.toContain(false);

  server.controls.disconnect('grace');
  const leftAt = Date.now();
  await waitForUser(ada, 'grace', (entry) => entry.presence?.online === false);
  expect(Date.now() - leftAt).toBeGreaterThanOrEqual(250);
  expect(events).toEqual(['online', 'offline']);
});

test('changes made while offline are sent as one patch that means what they meant one by one', async () => {
  server = await startTestServer({ users: ['ada'] });
  const ada = await connected(server.clientFor('ada', immediate));
  server.controls.dropConnections('ada');
  await waitForStore(ada.state, (state) => state.status !== 'connected');
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
  // A message that clears in an hour, then a new one with no expiry: the second keeps.
  const first = ada.setStatus({ statusMessage: 'Lunch', statusEmoji: '🍔', statusExpiresAt: inAnHour });
  const second = ada.setStatus({ statusMessage: 'Writing', statusEmoji: '✍️' });
  const third = ada.setStatus({ status: 'busy' });
  await Promise.all([first, second, third]);
  expect(server.controls.presenceOf('ada')).toMatchObject({ status: 'busy', statusMessage: 'Writing', statusEmoji: '✍️', statusExpiresAt: null });
});
