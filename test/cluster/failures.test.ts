import { afterEach, expect, test } from 'vitest';
import { createPresenceServer, type PresenceServer } from '../../src/server/index.ts';
import { startFaultProxy } from '../../src/testing/index.ts';
import { openRawSocket, rest, type AnyServerMessage } from '../helpers.ts';
import { startNodeProcess, type NodeProcess } from './process-node.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

const ADMIN = 'cluster-failure-admin-key';
const LEASE_MS = 1_000;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function redisServer(options: { aof?: boolean } = {}): Promise<TestRedis> {
  const redis = await startRedis(options);
  cleanup.push(() => redis.stop());
  return redis;
}

async function inProcess(redis: TestRedis): Promise<PresenceServer> {
  const server = await createPresenceServer({ redis: redis.url, adminKey: ADMIN, cluster: { leaseMs: LEASE_MS, renewMs: 200 } });
  cleanup.push(() => server.close());
  return server;
}

async function inChild(redis: TestRedis): Promise<NodeProcess> {
  const node = await startNodeProcess(redis.url, { adminKey: ADMIN, leaseMs: LEASE_MS });
  cleanup.push(() => node.kill());
  return node;
}

async function user(httpUrl: string, id: string): Promise<string> {
  await rest(httpUrl, '/api/v1/users', { method: 'POST', token: ADMIN, json: { id, username: id } });
  return (await rest(httpUrl, '/api/v1/sessions', { method: 'POST', token: ADMIN, json: { userId: id } })).body.accessToken;
}

/** A client on `wsUrl` watching everyone's presence, past its first snapshot. */
async function watchOnline(wsUrl: string, token: string) {
  const observer = await openRawSocket(wsUrl, token);
  observer.send({ type: 'subscribe', rid: 1, online: true });
  await observer.next('snapshot');
  return observer;
}

const presenceOf = (messages: AnyServerMessage[], userId: string) =>
  messages.flatMap((message) => (message.type === 'presence' && message.userId === userId ? [message.presence?.online] : []));

test('kill -9 of a node: its users go offline everywhere within the lease bound, once; a user who moved first never flickers', async () => {
  const redis = await redisServer();
  const a = await inProcess(redis);
  const doomed = await inChild(redis);
  const [ada, linus, grace] = [await user(a.httpUrl, 'ada'), await user(a.httpUrl, 'linus'), await user(a.httpUrl, 'grace')];
  const observer = await watchOnline(a.wsUrl, grace);
  await openRawSocket(doomed.wsUrl, ada);
  await openRawSocket(doomed.wsUrl, linus);
  await observer.next('presence', (m) => m.userId === 'ada' && m.presence?.online === true);
  await observer.next('presence', (m) => m.userId === 'linus' && m.presence?.online === true);
  // linus's client reconnects to node a before the dead node's lease runs out.
  const linusMoved = await openRawSocket(a.wsUrl, linus);

  await doomed.kill();
  const killedAt = Date.now();
  await observer.next('presence', (m) => m.userId === 'ada' && m.presence?.online === false);
  const elapsed = Date.now() - killedAt;
  // Lease (1 s) + a renewal period (200 ms) + slack for a loaded 2-core machine.
  expect(elapsed).toBeLessThan(LEASE_MS + 200 + 1_500);
  const t = 1;
  observer.send({ type: 'ping', t });
  await observer.next('pong', (m) => m.t === t);
  expect(presenceOf(observer.received, 'ada')).toEqual([]);
  expect(presenceOf(observer.received, 'linus')).toEqual([]);
  expect((await rest(a.httpUrl, '/api/v1/users.presence', { token: ADMIN })).body.users.map((view: { id: string }) => view.id).sort()).toEqual([
    'grace',
    'linus',
  ]);
  linusMoved.send({ type: 'ping', t: 2 });
  await linusMoved.next('pong');
});

test('restart of every node (Redis with AOF): users, sessions, blocks and statuses acknowledged before are all there', async () => {
  const redis = await redisServer({ aof: true });
  const first = await inProcess(redis);
  const ada = await user(first.httpUrl, 'ada');
  await user(first.httpUrl, 'eve');
  await rest(first.httpUrl, '/api/v1/me/blocks/eve', { method: 'PUT', token: ada });
  const socket = await openRawSocket(first.wsUrl, ada);
  socket.send({ type: 'set-presence', rid: 1, patch: { status: 'busy', statusMessage: 'before the restart' } });
  await socket.next('ack');
  await first.kill();
  // Redis itself crashes and comes back from its append-only file.
  await redis.kill();
  await redis.restart();

  const second = await inProcess(redis);
  expect((await rest(second.httpUrl, '/api/v1/me', { token: ada })).body).toMatchObject({ id: 'ada' });
  expect((await rest(second.httpUrl, '/api/v1/me/blocks', { token: ada })).body.users.map((view: { id: string }) => view.id)).toEqual(['eve']);
  await openRawSocket(second.wsUrl, ada);
  expect((await rest(second.httpUrl, '/api/v1/me', { token: ada })).body.presence).toMatchObject({
    online: true,
    status: 'busy',
    statusMessage: 'before the restart',
  });
});

test('Redis killed and restarted under live nodes: sockets stay up, health says degraded, a disconnect made meanwhile lands (no ghost)', async () => {
  const redis = await redisServer({ aof: true });
  const [a, b] = [await inProcess(redis), await inProcess(redis)];
  const [ada, grace] = [await user(a.httpUrl, 'ada'), await user(a.httpUrl, 'grace')];
  const observer = await watchOnline(b.wsUrl, grace);
  const adaSocket = await openRawSocket(a.wsUrl, ada);
  await observer.next('presence', (m) => m.userId === 'ada' && m.presence?.online === true);

  await redis.kill();
  // The lease loop notices within a renewal period or two.
  for (let i = 0; i < 50 && !(await rest(a.httpUrl, '/api/v1/health')).body.degraded; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect((await rest(a.httpUrl, '/api/v1/health')).body).toMatchObject({ ok: true, degraded: true, redis: 'down' });
  // Ada leaves during the outage; the observer's socket on the other node stays up.
  adaSocket.ws.close();
  await adaSocket.closed;
  observer.send({ type: 'ping', t: 5 });
  await observer.next('pong', (m) => m.t === 5);

  await redis.restart();
  await observer.next('presence', (m) => m.userId === 'ada' && m.presence?.online === false);
  expect((await rest(b.httpUrl, '/api/v1/users.presence', { token: ADMIN })).body.users.map((view: { id: string }) => view.id)).toEqual(['grace']);
  for (let i = 0; i < 50 && (await rest(a.httpUrl, '/api/v1/health')).body.degraded; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect((await rest(a.httpUrl, '/api/v1/health')).body).toMatchObject({ degraded: false, redis: 'up' });
});

test('a node cut from Redis is declared down; when it comes back it is fenced and cannot resurrect its old connections', async () => {
  const redis = await redisServer();
  const proxy = await startFaultProxy({ host: '127.0.0.1', port: redis.port });
  cleanup.push(() => proxy.close());
  const a = await inProcess(redis);
  const cutOff = await createPresenceServer({ redis: `redis://127.0.0.1:${proxy.port}`, adminKey: ADMIN, cluster: { leaseMs: LEASE_MS, renewMs: 200 } });
  cleanup.push(() => cutOff.close());
  const [ada, grace] = [await user(a.httpUrl, 'ada'), await user(a.httpUrl, 'grace')];
  const observer = await watchOnline(a.wsUrl, grace);
  const adaSocket = await openRawSocket(cutOff.wsUrl, ada);
  await observer.next('presence', (m) => m.userId === 'ada' && m.presence?.online === true);

  // The partition: the node's Redis traffic vanishes silently. The others declare it down.
  proxy.drop();
  await observer.next('presence', (m) => m.userId === 'ada' && m.presence?.online === false);
  // The partition heals: the node learns it was declared down, takes a new name and closes its sockets
  // (1012) so their clients register again; nothing from its old name counts any more.
  proxy.cut();
  proxy.pass();
  expect((await adaSocket.closed).code).toBe(1012);
  const t = 3;
  observer.send({ type: 'ping', t });
  await observer.next('pong', (m) => m.t === t);
  expect(presenceOf(observer.received, 'ada')).toEqual([]);
  // The client comes back (to the same node, under its new name): online again, once.
  await openRawSocket(cutOff.wsUrl, ada);
  await observer.next('presence', (m) => m.userId === 'ada' && m.presence?.online === true);
  observer.send({ type: 'ping', t: 4 });
  await observer.next('pong', (m) => m.t === 4);
  expect(presenceOf(observer.received, 'ada')).toEqual([]);
});

test('three node processes: everyone sees the same changes in the same order, whichever node they are on', async () => {
  const redis = await redisServer();
  const [n1, n2, n3] = await Promise.all([inChild(redis), inChild(redis), inChild(redis)]);
  const [ada, grace, linus] = [await user(n1.httpUrl, 'ada'), await user(n2.httpUrl, 'grace'), await user(n3.httpUrl, 'linus')];
  const observers = [await openRawSocket(n2.wsUrl, grace), await openRawSocket(n3.wsUrl, linus)];
  for (const observer of observers) {
    observer.send({ type: 'subscribe', rid: 1, online: true });
    await observer.next('snapshot');
  }
  const adaSocket = await openRawSocket(n1.wsUrl, ada);
  // Ten: the burst one connection may send (5 a second, burst 10).
  for (let i = 0; i < 10; i++) adaSocket.send({ type: 'set-presence', rid: 10 + i, patch: { statusMessage: `change ${i}` } });
  for (let i = 0; i < 10; i++) await adaSocket.next('ack');
  const orders = await Promise.all(
    observers.map(async (observer) => {
      await observer.next('presence', (m) => m.userId === 'ada' && m.presence?.statusMessage === 'change 9');
      return observer.received
        .filter((m) => m.type === 'presence' && m.userId === 'ada')
        .map((m) => (m.type === 'presence' ? `${m.seq}:${m.presence?.statusMessage}` : ''));
    }),
  );
  // Ada coming online (no message yet), then her changes, in the order she made them. A node sends a
  // watcher only the latest of what it reads from the log together, so each observer sees them in that
  // order, some perhaps left out (the last was taken off `received` by next()); a change both see has the
  // same number on both.
  const made = ['null', ...Array.from({ length: 10 }, (_, i) => `change ${i}`)];
  const numbered = new Map<string, string>();
  for (const order of orders) {
    const pairs = order.map((item) => item.split(':') as [string, string]);
    const positions = pairs.map(([, message]) => made.indexOf(message));
    expect(positions.every((position, i) => position >= 0 && (i === 0 || position > positions[i - 1]!))).toBe(true);
    for (const [seq, message] of pairs) {
      expect(numbered.get(seq) ?? message).toBe(message);
      numbered.set(seq, message);
    }
  }
});

test('Redis restarted without its data: a node re-seeds it from its copy, nodes are fenced, clients register again, no ghosts', async () => {
  const redis = await redisServer();
  const [a, b] = [await inProcess(redis), await inProcess(redis)];
  const [ada, grace] = [await user(a.httpUrl, 'ada'), await user(a.httpUrl, 'grace')];
  const adaSocket = await openRawSocket(a.wsUrl, ada);
  const observer = await watchOnline(b.wsUrl, grace);

  await redis.kill();
  await redis.restart();
  // Every node learns it lost its lease: sockets close (1012) and their clients come back.
  expect((await adaSocket.closed).code).toBe(1012);
  expect((await observer.closed).code).toBe(1012);
  const back = await openRawSocket(a.wsUrl, ada);
  const watcher = await openRawSocket(b.wsUrl, grace);
  watcher.send({ type: 'subscribe', rid: 2, online: true });
  const snapshot = await watcher.next('snapshot');
  expect(snapshot.users.map((view) => view.id).sort()).toEqual(['ada', 'grace']);
  // A node that starts now finds users and sessions (the re-seeded snapshot) and only live connections.
  const c = await inProcess(redis);
  expect((await rest(c.httpUrl, '/api/v1/me', { token: ada })).body.id).toBe('ada');
  const online = (await rest(c.httpUrl, '/api/v1/users.presence', { token: ADMIN })).body.users.map((view: { id: string }) => view.id).sort();
  expect(online).toEqual(['ada', 'grace']);
  back.ws.close();
  await back.closed;
  await watcher.next('presence', (m) => m.userId === 'ada' && m.presence?.online === false);
});
