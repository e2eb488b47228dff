// The client and a large online list: it never shows anyone wrongly present or absent across the switch
// either way, holds only whom it watches while large, and a window shows the rows the server sends.
import { afterEach, expect, test } from 'vitest';
import { watchOnlineWindow, type OnlineWindow, type PresenceClient } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { waitForStore } from '../helpers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, username: `p${i}`, displayName: `Person ${i}` }));

/** Everyone the client shows as online is online at the server (given the client caught up: `settled`). */
function wronglyPresent(client: PresenceClient, srv: TestServer): string[] {
  const online = new Set(srv.hubOnline());
  return client.onlineUserIds().filter((id) => !online.has(id));
}

async function settled(client: PresenceClient): Promise<void> {
  // A status of our own, acknowledged: every frame the server sent before its ack has been applied.
  await client.setStatus({ statusMessage: `settled ${Math.random()}` });
}

test('the switch both ways never shows a member wrongly present or absent', async () => {
  const srv = (server = await startTestServer({ users: ['ada', ...people(10)], announceMax: 4, onlineTickMs: 10 }));
  for (const person of people(3)) srv.controls.connect(person.id);
  const ada = srv.clientFor('ada');
  ada.connect();
  ada.retainOnlineList();
  const releaseP09 = ada.retainUser('p09');
  await waitForStore(ada.store.state, () => ada.onlineUserIds().length === 4, 'the full list');
  expect([...ada.onlineUserIds()].sort()).toEqual(['ada', 'p00', 'p01', 'p02']);

  // Large: p03 and p09 come; the client forgets whom it does not watch, keeps p09 (retained by name).
  srv.controls.connect('p03');
  srv.controls.connect('p09');
  await waitForStore(ada.state, (state) => state.onlineLarge, 'large');
  await settled(ada);
  expect(wronglyPresent(ada, srv)).toEqual([]);
  expect([...ada.onlineUserIds()].sort()).toEqual(['ada', 'p09']);
  expect(ada.store.peek('p00')?.presence).toBeUndefined();
  // p00 leaves while large: nothing shows it either way; the counts follow.
  srv.controls.disconnect('p00');
  await waitForStore(ada.state, (state) => state.onlineCounts?.online === 5, 'counts');
  expect(wronglyPresent(ada, srv)).toEqual([]);

  // Back under (4 - 1 = 3 online: ada, p01, p09): the whole list again, exactly.
  srv.controls.disconnect('p02');
  srv.controls.disconnect('p03');
  await waitForStore(ada.state, (state) => !state.onlineLarge, 'small again');
  await waitForStore(ada.store.state, () => ada.onlineUserIds().length === 3, 'the list again');
  await settled(ada);
  expect([...ada.onlineUserIds()].sort()).toEqual(['ada', 'p01', 'p09']);
  expect(wronglyPresent(ada, srv)).toEqual([]);
  releaseP09();
});

test('a window shows its rows and counts, follows changes inside it, and forgets who leaves it while large', async () => {
  const srv = (server = await startTestServer({ users: ['ada', ...people(10)], announceMax: 3, onlineTickMs: 10 }));
  for (const person of people(8)) srv.controls.connect(person.id);
  const ada = srv.clientFor('ada');
  ada.connect();
  ada.retainOnlineList();
  await waitForStore(ada.state, (state) => state.onlineLarge && state.status === 'connected', 'large');
  const window: OnlineWindow = watchOnlineWindow(ada, { from: 1, count: 3 });
  const changes = () =>
    new Promise<void>((resolve) => {
      const stop = window.subscribe(() => {
        stop();
        resolve();
      });
    });
  await changes();
  expect(window.get()).toMatchObject({ status: 'ready', from: 1, ids: ['p00', 'p01', 'p02'], counts: { online: 9, away: 0, busy: 0 } });
  // Rows carry the view: the client knows them now (profile and presence).
  expect(ada.peekUser('p01')).toMatchObject({ displayName: 'Person 1', presence: { online: true } });

  // A change inside the window reaches the row's user at once.
  srv.controls.setPresence('p01', { statusMessage: 'in view' });
  await waitForStore(ada.store.userStore('p01'), (entry) => entry.presence?.statusMessage === 'in view', 'p01 in view');

  // p00 goes busy: out of the window (to the end of the list), p03 in; p00 is forgotten, not kept stale.
  const moved = changes();
  srv.controls.setPresence('p00', { status: 'busy' });
  await moved;
  expect(window.get().ids).toEqual(['p01', 'p02', 'p03']);
  expect(ada.store.peek('p00')?.presence).toBeUndefined();

  // Scrolled: the latest request wins; a search runs on the server.
  const searched = changes();
  window.set({ from: 0, count: 5 });
  window.set({ from: 0, count: 5, query: 'PERSON 0' });
  await searched;
  expect(window.get()).toMatchObject({ ids: ['p00'], counts: { online: 0, away: 0, busy: 1 } });
  window.close();
});

test('a client away while the list shrank learns it is small again when it comes back', async () => {
  const srv = (server = await startTestServer({ users: ['ada', ...people(10)], announceMax: 4, onlineTickMs: 10 }));
  for (const person of people(6)) srv.controls.connect(person.id);
  const ada = srv.clientFor('ada');
  const release = ada.connect();
  ada.retainOnlineList();
  await waitForStore(ada.state, (state) => state.onlineLarge && state.status === 'connected', 'large');
  release();
  await waitForStore(ada.state, (state) => state.status === 'idle', 'disconnected');
  for (const person of people(6).slice(2)) srv.controls.disconnect(person.id);
  ada.connect();
  await waitForStore(ada.state, (state) => !state.onlineLarge && state.status === 'connected', 'small again');
  await waitForStore(ada.store.state, () => ada.onlineUserIds().length === 3, 'the whole list');
  expect([...ada.onlineUserIds()].sort()).toEqual(['ada', 'p00', 'p01']);
  expect(ada.state.getState().onlineCounts).toEqual({ online: 3, away: 0, busy: 0 });
});
