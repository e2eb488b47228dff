import { afterEach, expect, test, vi } from 'vitest';
import { SIMULATED_ROOMS, simulateUsers } from '../../src/server/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest } from '../helpers.ts';

let server: TestServer;
afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

test('simulated users come online, change status and drop off, so a demo is alive', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  server = await startTestServer();
  let seed = 42;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const stop = simulateUsers(server, { count: 12, meanIntervalMs: 1000, random });
  expect(server.store.userCount()).toBe(12);
  const watcher = await openRawSocket(server.wsUrl, server.mintTokens('sim-1').accessToken);
  watcher.send({ type: 'subscribe', online: true });
  const before = await watcher.next('snapshot');
  expect(before.users.length).toBeGreaterThan(2);
  await vi.advanceTimersByTimeAsync(60_000);
  watcher.send({ type: 'ping', t: 1 });
  await watcher.next('pong');
  const events = watcher.received.filter((message) => message.type === 'presence');
  expect(events.length).toBeGreaterThan(20);
  const kinds = new Set(events.map((event) => (event.type === 'presence' ? `${event.presence?.online}:${event.presence?.status}` : '')));
  expect(kinds).toContain('false:offline');
  expect([...kinds].some((kind) => kind === 'true:away' || kind === 'true:busy')).toBe(true);
  stop();
  const token = server.mintTokens('sim-2').accessToken;
  const online = await rest(server.httpUrl, '/api/v1/users?online=true&limit=100', { token });
  // sim-1 holds a real connection; every simulated one was closed by stop().
  expect(online.body.users.map((user: { id: string }) => user.id)).toEqual(['sim-1']);
});

test('the server never writes a token to its log', async () => {
  const lines: string[] = [];
  server = await startTestServer({ users: ['ada'], log: (line) => lines.push(line) });
  const { accessToken, refreshToken } = server.mintTokens('ada');
  const socket = await openRawSocket(server.wsUrl, accessToken);
  socket.send('not json');
  socket.ws.send(Buffer.from([0xff, 0xfe]), { binary: false });
  await socket.closed;
  await rest(server.httpUrl, `/api/v1/me?token=${accessToken}`, { token: `${accessToken}x` });
  await rest(server.httpUrl, '/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: `${refreshToken}!` } });
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).not.toContain(accessToken);
    expect(line).not.toContain(refreshToken);
  }
});

test('simulated users enter the demo rooms and move in them; one who drops off leaves after the grace', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  server = await startTestServer({ roomLeaveGraceMs: 1_000, roomTickMs: 10 });
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const stop = simulateUsers(server, { count: 30, meanIntervalMs: 500, random });
  const admin = { authorization: `Bearer ${server.adminKey}` };
  const occupants = async () => {
    let total = 0;
    for (const room of SIMULATED_ROOMS)
      total += (await rest(server.httpUrl, `/api/v1/rooms/${encodeURIComponent(room)}`, { headers: admin })).body.occupants.length;
    return total;
  };
  expect(await occupants()).toBeGreaterThan(3);
  const watcher = await openRawSocket(server.wsUrl, server.mintTokens('sim-2').accessToken);
  for (const [i, room] of SIMULATED_ROOMS.entries()) watcher.send({ type: 'room-enter', rid: i + 1, room });
  for (let i = 0; i < SIMULATED_ROOMS.length; i++) await watcher.next('room');
  await vi.advanceTimersByTimeAsync(30_000);
  watcher.send({ type: 'ping', t: 1 });
  await watcher.next('pong');
  const updates = watcher.received.filter((message) => message.type === 'room-update');
  expect(updates.some((update) => update.type === 'room-update' && update.members.some((m) => (m.presence as { cursor?: unknown })?.cursor))).toBe(true);
  expect(updates.some((update) => update.type === 'room-update' && update.left.length > 0)).toBe(true);
  stop();
});
