// The online list's and a large room's counts on N nodes: built from the shared log, the same on every node, and following a
// node's kill -9 (its people leave once, after the lease).
import { afterEach, expect, test } from 'vitest';
import { createPresenceServer, type PresenceServer } from '../../src/server/index.ts';
import { openRawSocket, rest, type RawSocket } from '../helpers.ts';
import { startNodeProcess, type NodeProcess } from './process-node.ts';
import { startRedis } from './redis-server.ts';

const ADMIN = 'cluster-counts-admin-key';
const LEASE_MS = 1_000;
const ANNOUNCE_MAX = 3;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function inProcess(redisUrl: string): Promise<PresenceServer> {
  const server = await createPresenceServer({
    redis: redisUrl,
    adminKey: ADMIN,
    announceMax: ANNOUNCE_MAX,
    onlineTickMs: 20,
    roomAnnounceMax: ANNOUNCE_MAX,
    roomTickMs: 20,
    roomLeaveGraceMs: 200,
    cluster: { leaseMs: LEASE_MS, renewMs: 200 },
  });
  cleanup.push(() => server.close());
  return server;
}

async function signedIn(httpUrl: string, wsUrl: string, id: string): Promise<RawSocket> {
  await rest(httpUrl, '/api/v1/users', { method: 'POST', token: ADMIN, json: { id, username: id, displayName: id } });
  const token = (await rest(httpUrl, '/api/v1/sessions', { method: 'POST', token: ADMIN, json: { userId: id } })).body.accessToken;
  const socket = await openRawSocket(wsUrl, token);
  cleanup.push(async () => void socket.ws.terminate());
  return socket;
}

/** The counts a watcher's window shows once they reach `online` people in all. */
async function countsReach(watcher: RawSocket, online: number) {
  for (;;) {
    const rows = await watcher.next('online-rows');
    if (rows.counts.online + rows.counts.away + rows.counts.busy === online) return rows;
  }
}

test('every node counts the same people, and a killed node’s people leave every count once', async () => {
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  const a = await inProcess(redis.url);
  const b = await inProcess(redis.url);
  const doomed: NodeProcess = await startNodeProcess(redis.url, { adminKey: ADMIN, leaseMs: LEASE_MS, announceMax: ANNOUNCE_MAX });
  cleanup.push(() => doomed.kill());

  const onA = await signedIn(a.httpUrl, a.wsUrl, 'ada');
  const onB = await signedIn(b.httpUrl, b.wsUrl, 'grace');
  for (const id of ['k1', 'k2', 'k3']) await signedIn(a.httpUrl, doomed.wsUrl, id);
  const linus = await signedIn(a.httpUrl, b.wsUrl, 'linus');
  linus.send({ type: 'set-presence', rid: 1, patch: { status: 'busy' } });
  await linus.next('ack');

  const watchers = [onA, onB];
  for (const watcher of watchers) watcher.send({ type: 'online-window', rid: 1, from: 0, count: 10 });
  const [rowsA, rowsB] = await Promise.all(watchers.map((watcher) => countsReach(watcher, 6)));
  expect(rowsA!.counts).toEqual({ online: 5, away: 0, busy: 1 });
  expect(rowsB!.counts).toEqual(rowsA!.counts);
  expect(rowsB!.ids).toEqual(rowsA!.ids);
  expect(rowsA!.ids).toEqual(['ada', 'grace', 'k1', 'k2', 'k3', 'linus']);

  // The large mode holds on every node: an online-list watcher there is told.
  onB.send({ type: 'subscribe', rid: 2, online: true });
  expect(await onB.next('online-count')).toMatchObject({ large: true, counts: { online: 5, away: 0, busy: 1 } });

  await doomed.kill();
  const [afterA, afterB] = await Promise.all(watchers.map((watcher) => countsReach(watcher, 3)));
  expect(afterA!.counts).toEqual({ online: 2, away: 0, busy: 1 });
  expect(afterB!.counts).toEqual(afterA!.counts);
  expect(afterA!.ids).toEqual(['ada', 'grace', 'linus']);
  // Once: no watcher saw the counts go below what is left.
  for (const watcher of watchers) {
    expect(
      watcher.received.filter((message) => message.type === 'online-rows' && message.counts.online + message.counts.away + message.counts.busy < 3),
    ).toEqual([]);
  }
});

let rid = 100;
async function enterRoom(socket: RawSocket, room: string) {
  const asked = ++rid;
  socket.send({ type: 'room-enter', rid: asked, room });
  return socket.next('room', (message) => message.rid === asked);
}

/** The rows of a watcher's room window once the room counts `count` members. */
async function roomReaches(watcher: RawSocket, count: number) {
  for (;;) {
    const rows = await watcher.next('room-rows');
    if (rows.count === count) return rows;
  }
}

test('a large room counts the same members on every node, and a killed node’s members leave it once', async () => {
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  const a = await inProcess(redis.url);
  const b = await inProcess(redis.url);
  const doomed: NodeProcess = await startNodeProcess(redis.url, { adminKey: ADMIN, leaseMs: LEASE_MS });
  cleanup.push(() => doomed.kill());
  const room = 'hall:cluster';

  const onA = await signedIn(a.httpUrl, a.wsUrl, 'ada');
  const onB = await signedIn(b.httpUrl, b.wsUrl, 'grace');
  for (const id of ['k1', 'k2', 'k3']) await enterRoom(await signedIn(a.httpUrl, doomed.wsUrl, id), room);
  await enterRoom(onA, room);
  await enterRoom(onB, room);

  const watchers = [onA, onB];
  for (const watcher of watchers) watcher.send({ type: 'room-window', rid: ++rid, room, from: 0, count: 10 });
  const [rowsA, rowsB] = await Promise.all(watchers.map((watcher) => roomReaches(watcher, 5)));
  expect(rowsA!.ids).toEqual(['ada', 'grace', 'k1', 'k2', 'k3']);
  expect(rowsB!.ids).toEqual(rowsA!.ids);
  expect(rowsB!.total).toBe(5);

  await doomed.kill();
  const [afterA, afterB] = await Promise.all(watchers.map((watcher) => roomReaches(watcher, 2)));
  expect(afterA!.ids).toEqual(['ada', 'grace']);
  expect(afterB!.ids).toEqual(afterA!.ids);
  // Back under the threshold: the whole room, the same on both nodes.
  const [fullA, fullB] = await Promise.all(watchers.map((watcher) => watcher.next('room-update', (message) => message.full === true)));
  expect(fullA!.members.map((m) => m.userId).sort()).toEqual(['ada', 'grace']);
  expect(fullB!.members.map((m) => m.userId).sort()).toEqual(['ada', 'grace']);
  // Once: no watcher saw the count go below what is left.
  for (const watcher of watchers) {
    const counts = watcher.received.filter((message) => message.type === 'room-rows' || message.type === 'room-count').map((message) => message.count);
    expect(counts.filter((count) => count < 2)).toEqual([]);
  }
});
