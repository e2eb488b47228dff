import { afterEach, describe, expect, test, vi } from 'vitest';
import { CLOSE_CODES } from '../../src/core/protocol/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest } from '../helpers.ts';

let server: TestServer | undefined;
const byUser = (id: string) => (message: { userId: string }) => message.userId === id;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

async function start(options: Parameters<typeof startTestServer>[0] = {}) {
  server = await startTestServer({ users: ['ada', 'grace', 'linus'], ...options });
  return server;
}

describe('authentication', () => {
  test('the token travels in the first frame; the welcome carries the current user', async () => {
    const s = await start();
    const socket = await openRawSocket(s.wsUrl);
    socket.send({ type: 'auth', token: s.mintTokens('ada').accessToken });
    const welcome = await socket.next('welcome');
    expect(welcome).toMatchObject({ protocol: 'presence.v1', me: { id: 'ada', presence: { online: true, status: 'online' } } });
    expect(socket.ws.url).not.toContain('token');
  });

  test('no token, an unknown token, a revoked one, or another first frame: closed with the documented code', async () => {
    const s = await start();
    const unknown = await openRawSocket(s.wsUrl);
    unknown.send({ type: 'auth', token: 'forged' });
    expect((await unknown.closed).code).toBe(CLOSE_CODES.unauthorized);

    const wrongFirst = await openRawSocket(s.wsUrl);
    wrongFirst.send({ type: 'subscribe', online: true });
    expect((await wrongFirst.closed).code).toBe(CLOSE_CODES.badMessage);

    const tokens = s.mintTokens('ada');
    s.controls.revokeSessions('ada');
    const revoked = await openRawSocket(s.wsUrl);
    revoked.send({ type: 'auth', token: tokens.accessToken });
    expect((await revoked.closed).code).toBe(CLOSE_CODES.revoked);

    await expect(openRawSocket(s.wsUrl, undefined, [])).rejects.toThrow('426');
    expect(s.controls.connectionCount('ada')).toBe(0);
  });

  test('an expired token is closed with 4002 (refresh and reconnect)', async () => {
    let now = Date.now();
    const s = await start({ accessTokenTtlMs: 1000, now: () => now });
    const { accessToken } = s.mintTokens('ada');
    now += 5000;
    const socket = await openRawSocket(s.wsUrl);
    socket.send({ type: 'auth', token: accessToken });
    expect((await socket.closed).code).toBe(CLOSE_CODES.tokenExpired);
  });

  test('no auth within the deadline: closed with 4001', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const s = await start({ limits: { authTimeoutMs: 2000 } });
    const socket = await openRawSocket(s.wsUrl);
    await vi.advanceTimersByTimeAsync(2001);
    expect((await socket.closed).code).toBe(CLOSE_CODES.unauthorized);
  });

  test('a logout closes that session’s sockets with 4003', async () => {
    const s = await start();
    const tokens = s.mintTokens('ada');
    const socket = await openRawSocket(s.wsUrl, tokens.accessToken);
    await rest(s.httpUrl, '/api/v1/auth/logout', { method: 'POST', token: tokens.accessToken });
    expect((await socket.closed).code).toBe(CLOSE_CODES.revoked);
  });

  test('a disallowed Origin cannot open a socket', async () => {
    const s = await start({ allowedOrigins: ['https://app.example'] });
    const { WebSocket } = await import('ws');
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(s.wsUrl, 'presence.v1', { origin: 'https://evil.example' });
      ws.on('unexpected-response', (_req, response) => resolve(response.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(refused).toBe(403);
  });
});

describe('presence', () => {
  test('one user with two connections stays online until both close; lastOnline is stamped then', async () => {
    const s = await start();
    const watcher = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
    watcher.send({ type: 'subscribe', users: ['grace'] });
    expect((await watcher.next('snapshot')).users[0]?.presence?.online).toBe(false);

    const first = await openRawSocket(s.wsUrl, s.mintTokens('grace').accessToken);
    const online = await watcher.next('presence', byUser('grace'));
    expect(online.presence).toMatchObject({ online: true, status: 'online' });
    // Coming online brings the profile along, for watchers who did not know the user yet.
    expect(online.user).toMatchObject({ id: 'grace', username: 'grace' });
    const second = await openRawSocket(s.wsUrl, s.mintTokens('grace').accessToken);
    first.ws.close();
    await first.closed;
    expect(s.controls.connectionCount('grace')).toBe(1);
    expect(s.controls.presenceOf('grace').online).toBe(true);

    const before = Date.now();
    second.ws.close();
    const offline = await watcher.next('presence', byUser('grace'));
    expect(offline.presence).toMatchObject({ online: false, status: 'offline' });
    expect(Date.parse(offline.presence!.lastOnline!)).toBeGreaterThanOrEqual(before - 5);
    // Exactly one online and one offline event: the second connection caused none.
    expect(watcher.received.filter((m) => m.type === 'presence' && m.userId === 'grace')).toEqual([]);
  });

  test('a connection that stops answering pings is dropped within two heartbeat intervals', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const s = await start({ limits: { heartbeatMs: 15_000 } });
    const watcher = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
    watcher.send({ type: 'subscribe', users: ['grace'] });
    await watcher.next('snapshot');
    const silent = await openRawSocket(s.wsUrl, s.mintTokens('grace').accessToken);
    await watcher.next('presence', byUser('grace'));
    // Stop reading: no pongs go back, as with a frozen tab or a dead network.
    (silent.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    // The watcher keeps answering pings itself, so only the silent one is dropped.
    await vi.advanceTimersByTimeAsync(15_000);
    expect(s.controls.presenceOf('grace').online).toBe(true);
    await vi.advanceTimersByTimeAsync(15_000);
    const offline = await watcher.next('presence', byUser('grace'));
    expect(offline).toMatchObject({ userId: 'grace', presence: { online: false } });
    expect(s.controls.connectionCount('ada')).toBe(1);
  });

  test("'invisible' looks offline to everyone else, and its owner sees 'invisible'", async () => {
    const s = await start();
    const grace = await openRawSocket(s.wsUrl, s.mintTokens('grace').accessToken);
    const ada = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
    ada.send({ type: 'subscribe', users: ['grace'] });
    expect((await ada.next('snapshot')).users[0]?.presence?.online).toBe(true);
    grace.send({ type: 'set-presence', rid: 1, patch: { status: 'invisible', statusMessage: 'secret' } });
    await grace.next('ack');
    expect((await grace.next('presence', (m) => m.presence?.status === 'invisible')).presence).toMatchObject({ online: true, statusMessage: 'secret' });
    const seen = await ada.next('presence', byUser('grace'));
    expect(seen.presence).toMatchObject({ online: false, status: 'offline', statusMessage: null });
    // Further edits while invisible leak nothing to others.
    grace.send({ type: 'set-presence', rid: 2, patch: { statusMessage: 'still here' } });
    await grace.next('ack');
    ada.send({ type: 'ping', t: 1 });
    await ada.next('pong');
    expect(ada.received.filter((m) => m.type === 'presence' && m.userId === 'grace')).toEqual([]);
    expect((await rest(s.httpUrl, '/api/v1/users/grace', { token: s.mintTokens('linus').accessToken })).body.presence.status).toBe('offline');
  });

  test('status text is cleaned (bidi overrides, control characters) and cut to the limit', async () => {
    const s = await start();
    const grace = await openRawSocket(s.wsUrl, s.mintTokens('grace').accessToken);
    grace.send({ type: 'set-presence', rid: 1, patch: { statusMessage: `  <b>hi</b>\u202egnp.exe\u0007 ${'x'.repeat(9000)}` } });
    await grace.next('ack');
    const message = s.controls.presenceOf('grace').statusMessage!;
    expect(message.startsWith('<b>hi</b>gnp.exe x')).toBe(true);
    expect(message).toHaveLength(280);
  });

  test('blocked pairs receive no presence or profile events of each other, live or in snapshots', async () => {
    const s = await start();
    s.controls.block('ada', 'grace');
    const ada = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
    ada.send({ type: 'subscribe', users: ['grace', 'linus'], online: true });
    const grace = await openRawSocket(s.wsUrl, s.mintTokens('grace').accessToken);
    grace.send({ type: 'subscribe', users: ['ada'], online: true });
    const snapshot = await grace.next('snapshot');
    expect(snapshot.users.find((u) => u.id === 'ada')).toMatchObject({ hasBlockedMe: true, presence: null });
    grace.send({ type: 'set-presence', rid: 1, patch: { status: 'busy' } });
    await grace.next('ack');
    s.controls.connect('linus');
    const linusOnline = await ada.next('presence', byUser('linus'));
    expect(linusOnline.userId).toBe('linus');
    expect(ada.received.filter((m) => 'userId' in m && m.userId === 'grace')).toEqual([]);
    expect(ada.received.filter((m) => m.type === 'user' && m.user.id === 'grace')).toEqual([]);
    expect(grace.received.filter((m) => (m.type === 'presence' && m.userId === 'ada') || (m.type === 'user' && m.user.id === 'ada'))).toEqual([]);
  });

  test('a user can only change their own presence: set-presence has no target field', async () => {
    const s = await start();
    const ada = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
    ada.send({ type: 'set-presence', rid: 7, userId: 'grace', patch: { status: 'busy' } });
    await ada.next('ack');
    expect(s.controls.presenceOf('grace').status).toBe('offline');
    expect(s.controls.presenceOf('ada').status).toBe('busy');
  });
});

describe('catch-up', () => {
  test('subscribe with a cursor gets only changes since (full: false); a cursor out of the window gets everything', async () => {
    let now = Date.now();
    const s = await start({ catchUpWindowMs: 60_000, now: () => now });
    for (let i = 0; i < 20; i++) s.controls.createUser({ id: `u${i}`, username: `u${i}` });
    for (let i = 0; i < 10; i++) s.controls.connect(`u${i}`);
    const first = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
    first.send({ type: 'subscribe', online: true });
    const full = await first.next('snapshot');
    expect(full.full).toBe(true);
    expect(full.users.map((u) => u.id).sort()).toEqual(['ada', 'u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9']);
    first.ws.terminate();

    s.controls.setPresence('u3', { status: 'away' });
    s.controls.disconnect('u4');
    const second = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
    second.send({ type: 'subscribe', online: true, from: full.seq });
    const delta = await second.next('snapshot');
    expect(delta.full).toBe(false);
    const ids = delta.users.map((u) => u.id);
    expect(ids).toEqual(expect.arrayContaining(['u3', 'u4']));
    expect(ids).not.toContain('u5');
    expect(delta.users.find((u) => u.id === 'u4')?.presence?.online).toBe(false);

    now += 61_000;
    s.controls.connect('u15');
    const third = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
    third.send({ type: 'subscribe', online: true, from: delta.seq });
    expect((await third.next('snapshot')).full).toBe(true);
  });

  test('GET users.presence?from= follows Rocket.Chat: partial when recent, full when missing or too old', async () => {
    let now = Date.now();
    const s = await start({ now: () => now });
    s.controls.connect('grace');
    s.controls.connect('linus');
    const token = s.mintTokens('ada').accessToken;
    const all = await rest(s.httpUrl, '/api/v1/users.presence', { token });
    expect(all.body).toMatchObject({ full: true, success: true });
    expect(all.body.users.map((u: { id: string }) => u.id).sort()).toEqual(['grace', 'linus']);

    now += 1000;
    const since = new Date(now).toISOString();
    now += 1000;
    s.controls.setPresence('grace', { status: 'busy' });
    const partial = await rest(s.httpUrl, `/api/v1/users.presence?from=${since}`, { token });
    expect(partial.body.full).toBe(false);
    expect(partial.body.users.map((u: { id: string; presence: { status: string } }) => [u.id, u.presence.status])).toEqual([['grace', 'busy']]);

    const old = new Date(now - 11 * 60_000).toISOString();
    expect((await rest(s.httpUrl, `/api/v1/users.presence?from=${old}`, { token })).body.full).toBe(true);
    expect((await rest(s.httpUrl, '/api/v1/users.presence?from=yesterday', { token })).body.error.code).toBe('invalid-input');
  });
});
