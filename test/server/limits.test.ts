import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../src/core/protocol/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { makePng, openRawSocket, rest, waitForStore } from '../helpers.ts';

let server: TestServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

/** A TCP connection that sends `head` and then holds (a slow or hostile client); resolves once connected. */
function hold(port: number, head = '', localAddress = '127.0.0.1'): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    sockets.push(socket);
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => {
      if (head) socket.write(head);
      resolve({ socket, received: () => text, closed });
    });
  });
}

/** Resolves when `socket` has received a whole HTTP answer head, or closes. */
function answerOf(connection: Awaited<ReturnType<typeof hold>>): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      if (connection.received().includes('\r\n\r\n')) resolve(connection.received());
    };
    connection.socket.on('data', check);
    void connection.closed.then(() => resolve(connection.received()));
    check();
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

function upgradeFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, PROTOCOL_VERSION, { localAddress });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe('connection caps', () => {
  test('a user may hold connectionsPerUser sockets; one more is closed with 4029, others are unaffected', async () => {
    server = await startTestServer({ users: ['ada', 'grace'], limits: { connectionsPerUser: 3 } });
    const ada = server.mintTokens('ada').accessToken;
    for (let i = 0; i < 3; i++) await openRawSocket(server.wsUrl, ada);
    const extra = await openRawSocket(server.wsUrl);
    extra.send({ type: 'auth', token: ada });
    expect((await extra.closed).code).toBe(CLOSE_CODES.tooManyConnections);
    expect(server.controls.connectionCount('ada')).toBe(3);
    await openRawSocket(server.wsUrl, server.mintTokens('grace').accessToken);
    expect(server.controls.connectionCount('grace')).toBe(1);
  });

  test("open TCP connections are capped per address (the kernel's, not a header's) and in total", async () => {
    server = await startTestServer({ maxConnectionsPerIp: 5, maxConnections: 8 });
    const held = await Promise.all(Array.from({ length: 5 }, () => hold(server!.port)));
    const sixth = await hold(server.port, '', '127.0.0.1');
    await sixth.closed;
    expect(sixth.received()).toBe('');
    // Another address still gets in, up to the total.
    const other = await Promise.all(Array.from({ length: 3 }, () => hold(server!.port, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n', '127.0.0.2')));
    expect(statusOf(await answerOf(other[0]!))).toBe(200);
    const overTotal = await hold(server.port, '', '127.0.0.3');
    await overTotal.closed;
    held[0]!.socket.destroy();
    await held[0]!.closed;
  });

  test('slow headers and idle connections are closed within seconds', async () => {
    server = await startTestServer({ headersTimeoutMs: 300, keepAliveTimeoutMs: 300 });
    const slow = await hold(server.port, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n');
    const idle = await hold(server.port);
    await Promise.all([slow.closed, idle.closed]);
    // A slow-header client gets 408 (or nothing) and never a 200.
    expect(statusOf(slow.received())).not.toBe(200);
  });
});

describe('rate limits keyed by the verified caller', () => {
  test('rotating invented credentials does not buy fresh budgets: they all count against the address', async () => {
    server = await startTestServer({ users: ['ada'], requestsPerSecond: 10 });
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => rest(server!.httpUrl, '/api/v1/me', { token: `invented-${i}-${Math.random()}` }).then((r) => r.status)),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(80);
  });

  test('each verified user and the admin key have their own budget, of the configured size', async () => {
    server = await startTestServer({ users: ['ada', 'grace'], requestsPerSecond: 5 });
    const burst = async (token: string) =>
      (await Promise.all(Array.from({ length: 15 }, () => rest(server!.httpUrl, '/api/v1/me', { token }).then((r) => r.status)))).filter((s) => s !== 429)
        .length;
    // requestsPerSecond is honoured: bursts of twice the rate pass, no more.
    expect(await burst(server.mintTokens('ada').accessToken)).toBe(10);
    // A second session of the same user shares the user's budget.
    expect(await burst(server.mintTokens('ada').accessToken)).toBe(0);
    expect(await burst(server.mintTokens('grace').accessToken)).toBe(10);
    expect(await burst(server.adminKey)).toBe(10);
    const limited = await rest(server.httpUrl, '/api/v1/me', { token: server.mintTokens('ada').accessToken });
    expect(limited.body.error).toMatchObject({ code: 'rate-limited', retryAfterMs: expect.any(Number) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test("WebSocket handshakes are admitted per address, so one client cannot use up everybody's admission", async () => {
    server = await startTestServer({ limits: { handshakesPerSecond: 4 } });
    const fromOne = await Promise.all(Array.from({ length: 10 }, () => upgradeFrom(server!.wsUrl, '127.0.0.1')));
    expect(fromOne.filter((status) => status === 101)).toHaveLength(4);
    expect(fromOne.filter((status) => status === 503)).toHaveLength(6);
    const fromAnother = await Promise.all(Array.from({ length: 4 }, () => upgradeFrom(server!.wsUrl, '127.0.0.2')));
    expect(fromAnother).toEqual([101, 101, 101, 101]);
  });
});

describe('request bodies', () => {
  test('a route refuses a caller it does not admit before reading a byte of the body', async () => {
    server = await startTestServer({ users: ['ada'] });
    const token = server.mintTokens('ada').accessToken;
    // Headers promise 60 KiB that never come: the answer must not wait for them.
    const held = await hold(
      server.port,
      `POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 61440\r\n\r\n`,
    );
    const answer = await answerOf(held);
    expect(statusOf(answer)).toBe(403);
    const anonymous = await hold(server.port, 'PATCH /api/v1/me HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 61440\r\n\r\n');
    expect(statusOf(await answerOf(anonymous))).toBe(401);
    const tooBig = await hold(server.port, 'POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 65536\r\n\r\n');
    expect(statusOf(await answerOf(tooBig))).toBe(413);
  });

  test('bytes of bodies in flight are capped per caller and in total; held bodies cannot grow memory', async () => {
    server = await startTestServer({
      users: ['ada'],
      bodyBytesInFlightPerCaller: 4 * 1024 * 1024,
      bodyBytesInFlight: 6 * 1024 * 1024,
      maxConnectionsPerIp: 10_000,
    });
    const token = server.mintTokens('ada').accessToken;
    // 200 uploads of 1 MiB on one token, each sending its headers and then holding the body.
    const head = `PUT /api/v1/me/avatar HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: image/png\r\nContent-Length: ${1024 * 1024}\r\n\r\n`;
    const uploads = await Promise.all(Array.from({ length: 200 }, () => hold(server!.port, head)));
    const refused = await Promise.all(uploads.slice(4).map(answerOf));
    expect(refused.map(statusOf)).toEqual(Array.from({ length: 196 }, () => 429));
    expect(server.stats().bodyBytesInFlight).toBe(4 * 1024 * 1024);
    // Anonymous refresh bodies from another address: the total cap (6 MiB) holds too.
    const refreshHead = 'POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8000\r\n\r\n';
    const refreshes = await Promise.all(Array.from({ length: 300 }, () => hold(server!.port, refreshHead, '127.0.0.2')));
    expect(server.stats().bodyBytesInFlight).toBeLessThanOrEqual(6 * 1024 * 1024);
    const statuses = (await Promise.all(refreshes.slice(200).map(answerOf))).map(statusOf);
    expect(new Set(statuses)).toEqual(new Set([429]));
    // Once the held requests go away, their reservations are returned.
    for (const held of [...uploads, ...refreshes]) held.socket.destroy();
    await Promise.all([...uploads, ...refreshes].map((held) => held.closed));
    await waitUntil(() => server!.stats().bodyBytesInFlight === 0);
  });
});

describe('snapshots, guests and the change log', () => {
  test('full snapshots are budgeted per user; a client told to wait retries and still gets the online list', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `u${i}`);
    server = await startTestServer({ users: ['ada', ...users], limits: { snapshotUsersPerSecond: 20 } });
    for (const id of users) server.controls.connect(id);
    const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
    ada.send({ type: 'subscribe', rid: 1, online: true });
    expect((await ada.next('snapshot')).users).toHaveLength(31); // everyone, ada included
    ada.send({ type: 'catch-up', rid: 2 });
    expect(await ada.next('error')).toMatchObject({ rid: 2, code: 'rate-limited', retryAfterMs: expect.any(Number) });
    // The budget is the user's, not the connection's.
    const second = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
    second.send({ type: 'subscribe', rid: 3, online: true });
    expect(await second.next('error')).toMatchObject({ rid: 3, code: 'rate-limited' });
    // The kit's client waits as told and asks again.
    const client = server.clientFor('ada');
    client.connect();
    client.retainOnlineList();
    await waitForStore(client.state, () => client.onlineUserIds().length === 31, 'the online list after a retry');
  });

  test('a catch-up is charged the log entries it reads: an old cursor over many changes of one user is not one row', async () => {
    const clock = Date.now();
    const srv = (server = await startTestServer({
      users: ['ada', 'grace'],
      now: () => clock,
      limits: { snapshotUsersPerSecond: 100, statusUpdatesPerSecond: 1e6 },
    }));
    srv.controls.connect('grace');
    const ada = await openRawSocket(srv.wsUrl, srv.mintTokens('ada').accessToken);
    ada.send({ type: 'subscribe', rid: 1, users: ['grace'] });
    const { seq } = await ada.next('snapshot');
    for (let i = 0; i < 2_000; i++) srv.controls.setPresence('grace', { statusMessage: `m${i}` });
    // One user listed, 2,000 entries read: 201 rows, over the budget of 100 (allowed once, into debt).
    ada.send({ type: 'catch-up', rid: 2, from: seq });
    expect((await ada.next('snapshot', (message) => message.rid === 2)).users.map((user) => user.id)).toEqual(['grace']);
    ada.send({ type: 'catch-up', rid: 3, from: seq });
    expect(await ada.next('error')).toMatchObject({ rid: 3, code: 'rate-limited', retryAfterMs: expect.any(Number) });
  });

  test('a snapshot is charged by its bytes too: users with large profiles cost what they weigh, on the socket and REST', async () => {
    const clock = Date.now();
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const srv = (server = await startTestServer({ users: ['ada'], now: () => clock, limits: { snapshotUsersPerSecond: 100 } }));
    // 20 users of about 7 KB each: 20 rows, but some 140 KB, which is 280 rows of 512 bytes.
    for (const id of users) srv.controls.createUser({ id, username: id, displayName: id, metadata: { notes: 'n'.repeat(7_000) } });
    for (const id of users) srv.controls.connect(id);
    const ada = await openRawSocket(srv.wsUrl, srv.mintTokens('ada').accessToken);
    ada.send({ type: 'subscribe', rid: 1, online: true });
    expect((await ada.next('snapshot')).users).toHaveLength(21);
    // By rows alone 79 of 100 would be left for this one; by bytes the budget is in debt for seconds.
    ada.send({ type: 'catch-up', rid: 2 });
    const refused = await ada.next('error');
    expect(refused).toMatchObject({ rid: 2, code: 'rate-limited' });
    expect(refused.retryAfterMs).toBeGreaterThan(1_500);
    const viaRest = await rest(srv.httpUrl, '/api/v1/users.presence', { token: srv.mintTokens('ada').accessToken });
    expect(viaRest.status).toBe(429);

    // REST answers are charged the same way.
    const { accessToken } = srv.mintTokens('u0');
    const first = await rest(srv.httpUrl, '/api/v1/users.presence', { token: accessToken });
    expect(first.status).toBe(200);
    expect(first.body.users).toHaveLength(21);
    expect((await rest(srv.httpUrl, '/api/v1/users.presence', { token: accessToken })).status).toBe(429);
  });

  test('snapshots are budgeted for the node as a whole: many accounts each within their own budget cannot take it', async () => {
    const clock = Date.now();
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const srv = (server = await startTestServer({
      users: ['ada', ...users],
      now: () => clock,
      limits: { snapshotUsersPerSecond: 1_000, snapshotUsersPerSecondTotal: 100 },
    }));
    for (const id of users) srv.controls.connect(id);
    const answers: string[] = [];
    for (const id of users.slice(0, 8)) {
      const socket = await openRawSocket(srv.wsUrl, srv.mintTokens(id).accessToken);
      socket.send({ type: 'subscribe', rid: 1, online: true });
      socket.send({ type: 'ping', t: 1 });
      await socket.next('pong');
      const answer = socket.received.find((message) => message.type === 'snapshot' || message.type === 'error');
      answers.push(answer?.type === 'error' ? answer.code : (answer?.type ?? 'none'));
    }
    // 20 rows each: five use up the node's 100, the sixth is refused, whatever each user has left.
    expect(answers.filter((answer) => answer === 'snapshot').length).toBe(5);
    expect(answers.slice(5)).toEqual(['rate-limited', 'rate-limited', 'rate-limited']);
  });

  test('guests: creation is limited per address, idle guests expire with their pictures and sessions', async () => {
    let now = Date.now();
    server = await startTestServer({ guests: true, guestSessionsPerMinute: 2, guestIdleTtlMs: 60_000, now: () => now });
    const create = () => rest(server!.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: { displayName: 'Visitor' } });
    const first = await create();
    const second = await create();
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await create();
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('rate-limited');

    const PNG = makePng();
    const guest = first.body;
    const put = await rest(server.httpUrl, '/api/v1/me/avatar', {
      method: 'PUT',
      token: guest.tokens.accessToken,
      body: PNG,
      headers: { 'content-type': 'image/png' },
    });
    // Anonymous visitors get no picture storage.
    expect(put.status).toBe(403);
    // The second guest is connected: a live guest does not expire while idle.
    const live = await openRawSocket(server.wsUrl, second.body.tokens.accessToken);
    now += 61_000;
    expect(server.controls.expireGuests()).toEqual([guest.user.id]);
    expect(server.store.getUser(guest.user.id)).toBeUndefined();
    expect((await rest(server.httpUrl, '/api/v1/me', { token: guest.tokens.accessToken })).body.error.code).toBe('revoked');
    live.send({ type: 'ping', t: 1 });
    await live.next('pong');
    expect(server.store.getUser(second.body.user.id)).toBeDefined();
  });

  test('guests: a namespace of their own, no storage, no metadata of others, a cap in all and a maximum age', async () => {
    let now = Date.now();
    const srv = (server = await startTestServer({
      users: ['ada'],
      guests: true,
      guestSessionsPerMinute: 100,
      maxGuests: 3,
      guestMaxAgeMs: 3_600_000,
      now: () => now,
    }));
    const admin = { authorization: `Bearer ${srv.adminKey}` };
    await rest(srv.httpUrl, '/api/v1/users/ada', { method: 'PATCH', headers: admin, json: { metadata: { salary: 1 } } });
    const guests = await Promise.all([0, 1, 2].map(() => rest(srv.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: {} })));
    expect(guests.map((guest) => guest.status)).toEqual([200, 200, 200]);
    const fourth = await rest(srv.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: {} });
    expect(fourth.status).toBe(503);
    const token = guests[0]!.body.tokens.accessToken as string;
    // Handles like "support" stay the operator's; a guest may rename within its own namespace.
    const squat = await rest(srv.httpUrl, '/api/v1/me', { method: 'PATCH', token, json: { username: 'support' } });
    expect(squat.status).toBe(403);
    expect((await rest(srv.httpUrl, '/api/v1/me', { method: 'PATCH', token, json: { username: 'guest-visitor' } })).status).toBe(200);
    // Others' application data is not a guest's to read, over REST or the socket; their own is.
    expect((await rest(srv.httpUrl, '/api/v1/users/ada', { token })).body.metadata).toEqual({});
    expect((await rest(srv.httpUrl, '/api/v1/users?search=ada', { token })).body.users[0].metadata).toEqual({});
    const socket = await openRawSocket(srv.wsUrl, token);
    socket.send({ type: 'catch-up', rid: 1, users: ['ada'] });
    expect((await socket.next('snapshot')).users[0]!.metadata).toEqual({});
    const ada = srv.mintTokens('ada').accessToken;
    expect((await rest(srv.httpUrl, '/api/v1/me', { token: ada })).body.metadata).toEqual({ salary: 1 });
    // Connected or not, a guest past its maximum age goes.
    now += 3_600_001;
    expect(srv.controls.expireGuests().sort()).toEqual(guests.map((guest) => guest.body.user.id as string).sort());
    expect((await socket.closed).code).toBe(4003);
    // The count follows puts (a rename too) and deletions: room for guests again.
    expect(srv.store.guestCount?.()).toBe(0);
    expect((await rest(srv.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: {} })).status).toBe(200);
    expect(srv.store.guestCount?.()).toBe(1);
  });

  test('uploaded pictures are capped in all: past the total an upload is refused with 507 and nothing stored is lost', async () => {
    const srv = (server = await startTestServer({ users: ['ada', 'grace'], maxAvatarBytesTotal: makePng().byteLength + 10 }));
    const PNG = makePng();
    const upload = (id: string) =>
      rest(srv.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token: srv.mintTokens(id).accessToken, body: PNG, headers: { 'content-type': 'image/png' } });
    expect((await upload('ada')).status).toBe(200);
    // Replacing one's own picture counts what it replaces.
    expect((await upload('ada')).status).toBe(200);
    const refused = await upload('grace');
    expect(refused.status).toBe(507);
    expect(refused.body.error.code).toBe('limit-exceeded');
    expect(srv.store.getAvatar('ada')).toMatchObject({ version: 2, byteLength: PNG.byteLength });
    expect(srv.store.getAvatar('grace')).toBeUndefined();
    expect(Buffer.from(await (await fetch(`${srv.httpUrl}/api/v1/avatars/ada`)).arrayBuffer())).toEqual(Buffer.from(PNG));
  });

  test('the change log is bounded by count (older cursors get a full answer); a no-op set-presence writes nothing', async () => {
    server = await startTestServer({ users: ['ada', 'grace'], catchUpMaxChanges: 5 });
    server.controls.connect('grace');
    const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
    ada.send({ type: 'subscribe', rid: 1, users: ['grace'] });
    const first = await ada.next('snapshot');
    for (let i = 0; i < 3; i++) server.controls.setPresence('grace', { statusMessage: `m${i}` });
    ada.send({ type: 'catch-up', rid: 2, from: first.seq });
    expect((await ada.next('snapshot')).full).toBe(false);
    for (let i = 3; i < 10; i++) server.controls.setPresence('grace', { statusMessage: `m${i}` });
    expect(server.stats().changeLogSize).toBe(5);
    ada.send({ type: 'catch-up', rid: 3, from: first.seq });
    expect((await ada.next('snapshot')).full).toBe(true);

    const grace = await openRawSocket(server.wsUrl, server.mintTokens('grace').accessToken);
    const seq = (
      await (async () => {
        grace.send({ type: 'set-presence', rid: 1, patch: { status: 'busy', statusMessage: 'same' } });
        await grace.next('ack');
        return ada.next('presence', (message) => message.presence?.status === 'busy');
      })()
    ).seq;
    grace.send({ type: 'set-presence', rid: 2, patch: { status: 'busy', statusMessage: 'same' } });
    await grace.next('ack');
    ada.send({ type: 'catch-up', rid: 4, from: seq });
    const after = await ada.next('snapshot');
    expect(after.seq).toBe(seq);
    expect(after.users).toEqual([]);
  });
});

async function waitUntil(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!predicate()) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(predicate()).toBe(true);
}

test('a guest never sees anyone else’s metadata in live frames either: coming online, a profile edit', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace'], guests: true }));
  const admin = { authorization: `Bearer ${srv.adminKey}` };
  await rest(srv.httpUrl, '/api/v1/users/ada', { method: 'PATCH', headers: admin, json: { metadata: { salary: 1 } } });
  const created = await rest(srv.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: {} });
  // A signed-in watcher first, so a frame shared with everyone would be built for them.
  const grace = await openRawSocket(srv.wsUrl, srv.mintTokens('grace').accessToken);
  const guest = await openRawSocket(srv.wsUrl, created.body.tokens.accessToken as string);
  for (const socket of [grace, guest]) {
    socket.send({ type: 'subscribe', rid: 1, online: true });
    await socket.next('snapshot');
  }
  const ada = await openRawSocket(srv.wsUrl, srv.mintTokens('ada').accessToken);
  const cameOnline = (socket: typeof grace) => socket.next('presence', (message) => message.userId === 'ada' && message.user !== undefined);
  expect((await cameOnline(grace)).user?.metadata).toEqual({ salary: 1 });
  expect((await cameOnline(guest)).user?.metadata).toEqual({});
  await rest(srv.httpUrl, '/api/v1/me', { method: 'PATCH', token: srv.mintTokens('ada').accessToken, json: { displayName: 'Ada L.' } });
  const edited = (socket: typeof grace) => socket.next('user', (message) => message.user.id === 'ada');
  expect((await edited(grace)).user.metadata).toEqual({ salary: 1 });
  expect((await edited(guest)).user.metadata).toEqual({});
  ada.ws.close();
});
