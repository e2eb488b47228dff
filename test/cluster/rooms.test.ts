// Rooms on N nodes: they ride on the shared log, so a room is the same on every node.
import { afterEach, expect, test } from 'vitest';
import { createPresenceServer, type PresenceServer } from '../../src/server/index.ts';
import { openRawSocket, rest, type RawSocket } from '../helpers.ts';
import { startNodeProcess, type NodeProcess } from './process-node.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

const ADMIN = 'cluster-rooms-admin-key';
const LEASE_MS = 1_000;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function redisServer(): Promise<TestRedis> {
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  return redis;
}

async function inProcess(redis: TestRedis, roomLeaveGraceMs = 5_000): Promise<PresenceServer> {
  const server = await createPresenceServer({
    redis: redis.url,
    adminKey: ADMIN,
    roomLeaveGraceMs,
    roomTickMs: 20,
    cluster: { leaseMs: LEASE_MS, renewMs: 200 },
  });
  cleanup.push(() => server.close());
  return server;
}

async function user(httpUrl: string, id: string): Promise<string> {
  await rest(httpUrl, '/api/v1/users', { method: 'POST', token: ADMIN, json: { id, username: id } });
  return (await rest(httpUrl, '/api/v1/sessions', { method: 'POST', token: ADMIN, json: { userId: id } })).body.accessToken;
}

async function socket(wsUrl: string, token: string): Promise<RawSocket> {
  const opened = await openRawSocket(wsUrl, token);
  cleanup.push(async () => void opened.ws.terminate());
  return opened;
}

let rid = 0;
async function enter(on: RawSocket, room: string, presence?: unknown) {
  const asked = ++rid;
  on.send({ type: 'room-enter', rid: asked, room, ...(presence === undefined ? {} : { presence }) });
  return on.next('room', (message) => message.rid === asked);
}

const leftFrames = (on: RawSocket, userId: string) => on.received.filter((m) => m.type === 'room-update' && m.left.includes(userId));

test('enter on A is seen on B, with presence updates and broadcasts; moving to another node within the grace shows no leave', async () => {
  const redis = await redisServer();
  const a = await inProcess(redis);
  const b = await inProcess(redis);
  const [ada, grace] = [await user(a.httpUrl, 'ada'), await user(a.httpUrl, 'grace')];
  const graceOnB = await socket(b.wsUrl, grace);
  await enter(graceOnB, 'doc:1');
  const adaOnA = await socket(a.wsUrl, ada);
  const answer = await enter(adaOnA, 'doc:1', { cursor: null });
  expect(answer.members.map((m) => m.userId).sort()).toEqual(['ada', 'grace']);
  await graceOnB.next('room-update', (m) => m.members.some((member) => member.userId === 'ada'));

  adaOnA.send({ type: 'room-presence', room: 'doc:1', presence: { cursor: { x: 3, y: 4 } } });
  const moved = await graceOnB.next('room-update', (m) => m.members.some((member) => member.userId === 'ada'));
  expect(moved.members[0]!.presence).toEqual({ cursor: { x: 3, y: 4 } });
  adaOnA.send({ type: 'room-broadcast', room: 'doc:1', event: { emoji: '👋' } });
  expect((await graceOnB.next('room-event')).event).toEqual({ emoji: '👋' });

  // Ada's client loses node A and reconnects to B, entering again with the same presence.
  adaOnA.ws.terminate();
  const adaOnB = await socket(b.wsUrl, ada);
  await enter(adaOnB, 'doc:1', { cursor: { x: 3, y: 4 } });
  const back = await graceOnB.next('room-update', (m) => m.members.some((member) => member.userId === 'ada' && member.connections.length === 1));
  expect(back.members[0]!.presence).toEqual({ cursor: { x: 3, y: 4 } });
  // Well past A's disconnect and the tick: still no leave.
  const seen = await enter(graceOnB, 'doc:1');
  expect(seen.members.map((m) => m.userId).sort()).toEqual(['ada', 'grace']);
  expect(leftFrames(graceOnB, 'ada')).toEqual([]);
});

test('kill -9 of a member’s node: they leave the room on every node once, after the lease and the grace', async () => {
  const redis = await redisServer();
  const a = await inProcess(redis, 500);
  const doomed: NodeProcess = await startNodeProcess(redis.url, { adminKey: ADMIN, leaseMs: LEASE_MS });
  cleanup.push(() => doomed.kill());
  const b = await inProcess(redis, 500);
  const [ada, grace, linus] = [await user(a.httpUrl, 'ada'), await user(a.httpUrl, 'grace'), await user(a.httpUrl, 'linus')];
  const graceOnA = await socket(a.wsUrl, grace);
  const linusOnB = await socket(b.wsUrl, linus);
  await enter(graceOnA, 'doc:2');
  await enter(linusOnB, 'doc:2');
  const adaOnDoomed = await socket(doomed.wsUrl, ada);
  await enter(adaOnDoomed, 'doc:2', { here: true });
  for (const watcher of [graceOnA, linusOnB]) await watcher.next('room-update', (m) => m.members.some((member) => member.userId === 'ada'));

  await doomed.kill();
  for (const watcher of [graceOnA, linusOnB]) await watcher.next('room-update', (m) => m.left.includes('ada'));
  // Every node sends the expiry; only the first applies: one leave each, and the room agrees everywhere.
  for (const watcher of [graceOnA, linusOnB]) {
    const again = await enter(watcher, 'doc:2');
    expect(again.members.map((m) => m.userId).sort()).toEqual(['grace', 'linus']);
    expect(leftFrames(watcher, 'ada')).toEqual([]);
  }
});
