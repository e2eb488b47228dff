// Limits keyed to who the caller is: failed authentications per address (IPv6 per /64), status changes
// per user over all their connections.
import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../src/core/protocol/index.ts';
import { addressKey } from '../../src/server/address-key.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket } from '../helpers.ts';

let server: TestServer;
afterEach(async () => {
  await server?.close();
  server = undefined as never;
});

test('addresses are keyed as an attacker cannot multiply them: IPv6 by /64, mapped IPv4 as IPv4', () => {
  expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
  expect(addressKey('::1')).toBe('0:0:0:0::/64');
  expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  expect(addressKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
  expect(addressKey('10.0.0.7')).toBe('10.0.0.7');
  expect(addressKey(undefined)).toBe('unknown');
});

/** Opens a socket from `from` and sends `frame` first; resolves with the close code, or 'refused 503'. */
function attempt(url: string, from: string, frame: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [PROTOCOL_VERSION], { localAddress: from });
    ws.on('error', () => {});
    ws.once('unexpected-response', (_request, response) => {
      resolve(`refused ${response.statusCode}`);
      ws.terminate();
    });
    ws.once('open', () => ws.send(frame));
    ws.once('close', (code) => resolve(String(code)));
  });
}

test('failed authentications are charged to the address: past its budget its handshakes get 503, other addresses are served', async () => {
  let clock = Date.now();
  server = await startTestServer({ users: ['ada'], now: () => clock, limits: { failedAuthsPerSecond: 1 } });
  const answers: string[] = [];
  for (let i = 0; i < 12; i++) answers.push(await attempt(server.wsUrl, '127.0.0.2', i % 2 ? '{"type":"auth","token":"forged"}' : '{"type":"ping"}'));
  // A burst of ten, then refused before any socket exists.
  expect(answers.slice(0, 10).every((answer) => answer === String(CLOSE_CODES.unauthorized) || answer === String(CLOSE_CODES.badMessage))).toBe(true);
  expect(answers.slice(10)).toEqual(['refused 503', 'refused 503']);
  // Another address is untouched, and so is an honest client.
  expect(await attempt(server.wsUrl, '127.0.0.3', '{"type":"auth","token":"forged"}')).toBe(String(CLOSE_CODES.unauthorized));
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'ping', t: 1 });
  expect((await ada.next('pong')).t).toBe(1);
  // The budget refills with time.
  clock += 2_000;
  expect(await attempt(server.wsUrl, '127.0.0.2', '{"type":"auth","token":"forged"}')).toBe(String(CLOSE_CODES.unauthorized));
});

test('an expired token is not a failed authentication: a crowd behind one address refreshing at once is not shut out', async () => {
  let clock = Date.now();
  server = await startTestServer({ users: ['ada'], now: () => clock, limits: { failedAuthsPerSecond: 1 }, accessTokenTtlMs: 1_000 });
  const tokens = Array.from({ length: 15 }, () => server.mintTokens('ada').accessToken);
  clock += 5_000;
  for (const token of tokens) expect(await attempt(server.wsUrl, '127.0.0.4', JSON.stringify({ type: 'auth', token }))).toBe(String(CLOSE_CODES.tokenExpired));
  expect(await attempt(server.wsUrl, '127.0.0.4', '{"type":"auth","token":"forged"}')).toBe(String(CLOSE_CODES.unauthorized));
});

test('status changes are limited per user over all their connections, not per connection', async () => {
  // The clock stands still: no budget refills while the frames are handled.
  const clock = Date.now();
  server = await startTestServer({ users: ['ada', 'grace'], now: () => clock, limits: { statusUpdatesPerSecond: 5, floodCloseAfter: 1_000 } });
  const token = server.mintTokens('ada').accessToken;
  const sockets = await Promise.all(Array.from({ length: 10 }, () => openRawSocket(server.wsUrl, token)));
  let rid = 0;
  for (let round = 0; round < 3; round++) {
    for (const socket of sockets) socket.send({ type: 'set-presence', rid: ++rid, patch: { statusMessage: `m${rid}` } });
  }
  // Frames are answered in order: after the pong, every answer of that socket has arrived.
  for (const socket of sockets) socket.send({ type: 'ping', t: 7 });
  await Promise.all(sockets.map((socket) => socket.next('pong')));
  const answers = sockets.flatMap((socket) =>
    socket.received.flatMap((message) => (message.type === 'ack' ? ['ack'] : message.type === 'error' ? [message.code] : [])),
  );
  const acked = answers.filter((answer) => answer === 'ack').length;
  // Ten connections at five a second (burst ten) each would take all 30; per user, the burst of ten holds.
  expect(acked).toBe(10);
  expect(answers.filter((answer) => answer === 'rate-limited').length).toBe(20);
  // Another user's budget is their own.
  const grace = await openRawSocket(server.wsUrl, server.mintTokens('grace').accessToken);
  grace.send({ type: 'set-presence', rid: 1, patch: { status: 'busy' } });
  await grace.next('ack');
});
