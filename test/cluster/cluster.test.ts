import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { createPresenceServer, type PresenceServer } from '../../src/server/index.ts';
import { makePng, openRawSocket, rest } from '../helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

const ADMIN = 'cluster-test-admin-key';
const FAST = { leaseMs: 1_000, renewMs: 200 };
let redis: TestRedis;
const nodes: PresenceServer[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => redis.stop());
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.close()));
});

async function node(prefix: string): Promise<PresenceServer> {
  const server = await createPresenceServer({ redis: redis.url, adminKey: ADMIN, cluster: { ...FAST, prefix } });
  nodes.push(server);
  return server;
}

async function user(server: PresenceServer, id: string): Promise<string> {
  expect((await rest(server.httpUrl, '/api/v1/users', { method: 'POST', token: ADMIN, json: { id, username: id } })).status).toBe(201);
  return (await rest(server.httpUrl, '/api/v1/sessions', { method: 'POST', token: ADMIN, json: { userId: id } })).body.accessToken;
}

test('two nodes share users, sessions and presence, in one order', async () => {
  const [a, b] = [await node('t1'), await node('t1')];
  const ada = await user(a, 'ada');
  const grace = await user(b, 'grace');
  // A session minted on node a works on node b, and the other way round.
  const graceOnB = await openRawSocket(b.wsUrl, grace);
  graceOnB.send({ type: 'subscribe', rid: 1, online: true, users: ['ada'] });
  await graceOnB.next('snapshot');
  const adaOnA = await openRawSocket(a.wsUrl, ada);
  expect((await graceOnB.next('presence', (m) => m.userId === 'ada')).presence?.online).toBe(true);
  adaOnA.send({ type: 'set-presence', rid: 2, patch: { status: 'busy', statusMessage: 'on node a' } });
  await adaOnA.next('ack');
  const seen = await graceOnB.next('presence', (m) => m.userId === 'ada' && m.presence?.status === 'busy');
  const own = await adaOnA.next('presence', (m) => m.userId === 'ada' && m.presence?.status === 'busy');
  // One global order: the same change has the same number on both nodes.
  expect(seen.seq).toBe(own.seq);
  expect((await rest(b.httpUrl, '/api/v1/users/ada', { token: ADMIN })).body.presence).toMatchObject({ status: 'busy', statusMessage: 'on node a' });
});

test('a client that moves to another node catches up by delta from its cursor', async () => {
  const [a, b] = [await node('t2'), await node('t2')];
  const ada = await user(a, 'ada');
  const grace = await user(a, 'grace');
  const onA = await openRawSocket(a.wsUrl, grace);
  onA.send({ type: 'subscribe', rid: 1, online: true, users: ['ada'] });
  const first = await onA.next('snapshot');
  onA.ws.close();
  await onA.closed;
  const adaSocket = await openRawSocket(b.wsUrl, ada);
  adaSocket.send({ type: 'set-presence', rid: 2, patch: { statusMessage: 'while grace moved' } });
  await adaSocket.next('ack');
  const onB = await openRawSocket(b.wsUrl, grace);
  onB.send({ type: 'subscribe', rid: 3, online: true, users: ['ada'], from: first.seq });
  const delta = await onB.next('snapshot');
  expect(delta.full).toBe(false);
  expect(delta.users.map((view) => view.id).sort()).toEqual(['ada', 'grace']);
  expect(delta.users.find((view) => view.id === 'ada')?.presence).toMatchObject({ online: true, statusMessage: 'while grace moved' });
});

test('blocks and invisibility hold across nodes', async () => {
  const [a, b] = [await node('t3'), await node('t3')];
  const ada = await user(a, 'ada');
  const eve = await user(b, 'eve');
  const adaSocket = await openRawSocket(a.wsUrl, ada);
  const eveSocket = await openRawSocket(b.wsUrl, eve);
  eveSocket.send({ type: 'subscribe', rid: 1, online: true });
  await eveSocket.next('snapshot');
  expect((await rest(a.httpUrl, '/api/v1/me/blocks/eve', { method: 'PUT', token: ada })).status).toBe(200);
  expect(await eveSocket.next('user', (m) => m.user.id === 'ada')).toMatchObject({ user: { presence: null, hasBlockedMe: true } });
  eveSocket.received.length = 0;
  adaSocket.send({ type: 'set-presence', rid: 2, patch: { status: 'busy' } });
  await adaSocket.next('ack');
  adaSocket.send({ type: 'set-presence', rid: 3, patch: { status: 'invisible' } });
  await adaSocket.next('ack');
  const t = 7;
  eveSocket.send({ type: 'ping', t });
  await eveSocket.next('pong', (m) => m.t === t);
  expect(eveSocket.received.filter((m) => JSON.stringify(m).includes('"ada"'))).toEqual([]);
  expect((await rest(b.httpUrl, '/api/v1/users/ada', { token: eve })).body.presence).toBeNull();
  expect((await rest(b.httpUrl, '/api/v1/users/ada', { token: ADMIN })).body.presence).toMatchObject({ online: false, status: 'offline' });
});

test('Redis unreachable at start is a clear error', async () => {
  await expect(createPresenceServer({ redis: 'redis://127.0.0.1:1', adminKey: ADMIN })).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
});

test('snapshots let the log be trimmed; a node that starts later restores the newest and reads on from it', async () => {
  const options = { redis: redis.url, adminKey: ADMIN, cluster: { ...FAST, prefix: 't4', snapshotEvery: 5, retainMs: 0 } };
  const a = await createPresenceServer(options);
  nodes.push(a);
  const ada = await user(a, 'ada');
  await user(a, 'eve');
  await rest(a.httpUrl, '/api/v1/me/blocks/eve', { method: 'PUT', token: ada });
  const socket = await openRawSocket(a.wsUrl, ada);
  // Eight changes: within one connection's burst of status updates.
  for (let i = 0; i < 8; i++) {
    socket.send({ type: 'set-presence', rid: i, patch: { statusMessage: `m${i}` } });
    await socket.next('ack');
  }
  const { createClient } = await import('@redis/client');
  const probe = createClient({ url: redis.url });
  await probe.connect();
  // Let the snapshot land (written right after its entry is applied).
  for (let i = 0; i < 50 && Number(await probe.sendCommand(['EXISTS', 't4:snapshot'])) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const length = Number(await probe.sendCommand(['XLEN', 't4:log']));
  await probe.destroy();
  // 14 entries were appended (2 users, 2 sessions, a block, a connection, 8 changes); fewer are left.
  expect(length).toBeLessThan(14);

  const b = await createPresenceServer(options);
  nodes.push(b);
  expect((await rest(b.httpUrl, '/api/v1/users/ada', { token: ADMIN })).body.presence).toMatchObject({ online: true, statusMessage: 'm7' });
  expect((await rest(b.httpUrl, '/api/v1/me/blocks', { token: ada })).body.users.map((view: { id: string }) => view.id)).toEqual(['eve']);
  // The state carries on from there: a change made through the new node shows on the old one.
  const again = await openRawSocket(b.wsUrl, ada);
  again.send({ type: 'set-presence', rid: 99, patch: { statusMessage: 'from b' } });
  await again.next('ack');
  await socket.next('presence', (m) => m.userId === 'ada' && m.presence?.statusMessage === 'from b');
});

test('pictures live out of the shared state: any node serves them, snapshots stay small, the total is one for all nodes', async () => {
  const options = {
    redis: redis.url,
    adminKey: ADMIN,
    maxAvatarBytesTotal: 250_000,
    cluster: { ...FAST, prefix: 'tpic', snapshotEvery: 5, retainMs: 0 },
  };
  const a = await createPresenceServer(options);
  const b = await createPresenceServer(options);
  nodes.push(a, b);
  const tokens = [await user(a, 'ada'), await user(a, 'grace'), await user(b, 'linus')];
  // 100 KB each (a colour profile is kept; metadata is not).
  const picture = makePng({ chunks: [['iCCP', 'p'.repeat(100_000)]] });
  const upload = (server: PresenceServer, token: string) =>
    rest(server.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token, body: picture, headers: { 'content-type': 'image/png' } });
  expect((await upload(a, tokens[0]!)).status).toBe(200);
  expect((await upload(b, tokens[1]!)).status).toBe(200);
  // The third would pass the total, whichever node it reaches.
  const third = await upload(a, tokens[2]!);
  expect(third.status).toBe(507);
  for (const server of [a, b]) {
    const served = await fetch(`${server.httpUrl}/api/v1/avatars/ada?v=1`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(picture))).toBe(true);
  }

  const { createClient } = await import('@redis/client');
  const probe = createClient({ url: redis.url });
  await probe.connect();
  try {
    for (let i = 0; i < 50 && Number(await probe.sendCommand(['EXISTS', 'tpic:snapshot'])) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const snapshot = ((await probe.sendCommand(['LRANGE', 'tpic:snapshot', '0', '-1'])) as string[]).join('');
    // Three users and two pictures of 100 KB: the snapshot holds the users, not the pictures.
    expect(snapshot.length).toBeGreaterThan(0);
    expect(snapshot.length).toBeLessThan(20_000);
    expect(Number(await probe.sendCommand(['GET', 'tpic:pictures:bytes']))).toBe(2 * picture.byteLength);
  } finally {
    await probe.destroy();
  }

  // A node started from the snapshot serves the pictures too; deleting a user frees their bytes for everyone.
  const c = await createPresenceServer(options);
  nodes.push(c);
  expect((await fetch(`${c.httpUrl}/api/v1/avatars/grace?v=1`)).status).toBe(200);
  expect((await rest(c.httpUrl, '/api/v1/users/ada', { method: 'DELETE', token: ADMIN })).status).toBeLessThan(300);
  expect((await fetch(`${b.httpUrl}/api/v1/avatars/ada`)).status).toBe(404);
  expect((await upload(b, tokens[2]!)).status).toBe(200);
});

test('request budgets and handshake admission are one for all nodes, not one per node', async () => {
  const options = { redis: redis.url, adminKey: ADMIN, requestsPerSecond: 5, limits: { handshakesPerSecond: 3 }, cluster: { ...FAST, prefix: 't5' } };
  const [a, b] = [await createPresenceServer(options), await createPresenceServer(options)];
  nodes.push(a, b);
  await rest(a.httpUrl, '/api/v1/users', { method: 'POST', token: ADMIN, json: { id: 'ada', username: 'ada' } });
  const ada = (await rest(a.httpUrl, '/api/v1/sessions', { method: 'POST', token: ADMIN, json: { userId: 'ada' } })).body.accessToken;
  const statuses = await Promise.all(
    Array.from({ length: 30 }, (_, i) => rest((i % 2 ? a : b).httpUrl, '/api/v1/me', { token: ada }).then((response) => response.status)),
  );
  // Bursts of twice the rate, over both nodes together.
  expect(statuses.filter((status) => status === 200)).toHaveLength(10);
  const { WebSocket } = await import('ws');
  const upgrade = (url: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(url, 'presence.v1');
      ws.on('open', () => (ws.terminate(), resolve(101)));
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.on('error', () => resolve(0));
    });
  const handshakes = await Promise.all(Array.from({ length: 8 }, (_, i) => upgrade((i % 2 ? a : b).wsUrl)));
  expect(handshakes.filter((status) => status === 101)).toHaveLength(3);
});

test('a node refuses to start on shared state written by another snapshot format, with a clear error', async () => {
  const { createClient } = await import('@redis/client');
  const probe = createClient({ url: redis.url });
  await probe.connect();
  await probe.sendCommand(['SET', 't6:snapshot', JSON.stringify({ id: '1-0', state: { legacy: true } })]);
  await probe.destroy();
  await expect(createPresenceServer({ redis: redis.url, adminKey: ADMIN, cluster: { ...FAST, prefix: 't6' } })).rejects.toThrow(
    /snapshot format 0, this node reads 3/,
  );
});

test('a status set to clear itself clears on every node, even when the node it was set on died first', async () => {
  const [a, b, c] = [await node('t8'), await node('t8'), await node('t8')];
  const ada = await user(a, 'ada');
  const grace = await user(b, 'grace');
  const graceOnB = await openRawSocket(b.wsUrl, grace);
  graceOnB.send({ type: 'subscribe', rid: 1, users: ['ada'] });
  await graceOnB.next('snapshot');
  const adaOnA = await openRawSocket(a.wsUrl, ada);
  // Real time here (the nodes talk through a real Redis): the expiry is a second and a half away.
  const expiresAt = new Date(Date.now() + 1_500).toISOString();
  adaOnA.send({ type: 'set-presence', rid: 2, patch: { statusMessage: 'brb', statusEmoji: '☕', statusExpiresAt: expiresAt } });
  await adaOnA.next('ack');
  const set = await graceOnB.next('presence', (m) => m.userId === 'ada' && m.presence?.statusMessage === 'brb');
  expect(set.presence?.statusExpiresAt).toBe(expiresAt);
  await a.kill();
  nodes.splice(nodes.indexOf(a), 1);
  const cleared = await graceOnB.next('presence', (m) => m.userId === 'ada' && m.seq > set.seq && m.presence?.statusMessage === null);
  expect(cleared.presence).toMatchObject({ statusEmoji: null, statusExpiresAt: null });
  for (const survivor of [b, c]) {
    expect((await rest(survivor.httpUrl, '/api/v1/users/ada', { token: ADMIN })).body.presence).toMatchObject({ statusMessage: null, statusEmoji: null });
  }
});
