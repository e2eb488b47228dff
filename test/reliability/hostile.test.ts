// Issue 5 scenarios 11-15 beyond what test/server/hostile.test.ts covers.
import { connect } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { CLOSE_CODES } from '../../src/core/protocol/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest } from '../helpers.ts';

let server: TestServer;
afterEach(async () => server?.close());

test('11. a 10 MB frame is closed with 1009 as soon as its header arrives; the server does not buffer it', async () => {
  server = await startTestServer({ users: ['ada', 'eve'] });
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  const before = process.memoryUsage();
  // A raw client: handshake, then one masked text frame that announces 10 MB, streamed in 64 KiB chunks.
  const socket = connect(server.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: presence.v1\r\n\r\n`,
  );
  const received: Buffer[] = [];
  socket.on('data', (chunk) => received.push(chunk));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => {
    const check = () => (Buffer.concat(received).includes('\r\n\r\n') ? resolve() : socket.once('data', check));
    check();
  });
  received.length = 0;
  const size = 10 * 1024 * 1024;
  const header = Buffer.alloc(14);
  header[0] = 0x81; // FIN + text
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(BigInt(size), 2);
  header.writeUInt32BE(0x01020304, 10);
  socket.write(header);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let open = true;
  socket.once('close', () => (open = false));
  while (open && sent < size) {
    if (!socket.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 1));
    sent += chunk.length;
  }
  await closed;
  // The close frame: opcode 8 with status 1009.
  const frames = Buffer.concat(received);
  expect(frames[0]).toBe(0x88);
  expect(frames.readUInt16BE(2)).toBe(CLOSE_CODES.tooLarge);
  const after = process.memoryUsage();
  expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(size / 2);
  ada.send({ type: 'ping', t: 11 });
  expect((await ada.next('pong')).t).toBe(11);
});

test('12. 10,000 malformed frames of every kind: typed errors, no crash, Object.prototype untouched, others served', async () => {
  server = await startTestServer({ users: ['ada', 'grace', 'eve'], limits: { framesPerSecond: 1e6, floodCloseAfter: 1e6 } });
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', users: ['grace'] });
  await ada.next('snapshot');
  const eve = await openRawSocket(server.wsUrl, server.mintTokens('eve').accessToken);
  const kinds: Array<(i: number) => string | Buffer> = [
    (i) => `{"type":"set-presence","patch":{"status":${i}}}`,
    () => '{"__proto__":{"admin":true},"type":"nope"}',
    () => '{"type":"set-presence","patch":{"custom":{"constructor":{"prototype":{"admin":true}}}}}',
    () => '{"type":"subscribe","users":"everyone"}',
    (i) => `{"type":"subscribe","users":[${'"x",'.repeat(i % 600)}7]}`,
    () => '[1,2,3]',
    () => 'true',
    (i) => `{"type":"ping","t":"${i}"}`,
    (i) => '{'.repeat(1 + (i % 50)),
    (i) => Buffer.from([i & 0xff, 0, 1, 2]),
  ];
  for (let i = 0; i < 10_000; i++) eve.send(kinds[i % kinds.length]!(i));
  eve.send({ type: 'ping', t: 12 });
  await eve.next('pong', (message) => message.t === 12);
  const errors = eve.received.filter((message) => message.type === 'error');
  expect(errors).toHaveLength(10_000);
  // Frames that are no message, or carry a prototype key, are `bad-message`; known messages with a
  // refused field are `invalid-input` (kinds 0, 3, 4 and 7).
  const expected = (i: number) => ([0, 3, 4, 7].includes(i % kinds.length) ? 'invalid-input' : 'bad-message');
  expect(errors.map((message) => message.type === 'error' && message.code)).toEqual(Array.from({ length: 10_000 }, (_, i) => expected(i)));
  expect(Object.prototype).not.toHaveProperty('admin');
  expect(({} as { admin?: boolean }).admin).toBeUndefined();
  server.controls.connect('grace');
  expect((await ada.next('presence', (message) => message.userId === 'grace')).presence?.online).toBe(true);
});

test('13. an auth frame without a token is refused with 4001, and so is one with an empty token', async () => {
  server = await startTestServer({ users: ['ada'] });
  for (const frame of [{ type: 'auth' }, { type: 'auth', token: '' }]) {
    const socket = await openRawSocket(server.wsUrl);
    socket.send(frame);
    expect((await socket.closed).code).toBe(CLOSE_CODES.unauthorized);
  }
});

test('15. with https required, plain http avatars are refused, as are javascript: and data:text/html', async () => {
  server = await startTestServer({ users: ['ada'], requireHttps: true, avatarHosts: ['example.com'] });
  const token = server.mintTokens('ada').accessToken;
  for (const url of ['http://example.com/a.png', 'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>']) {
    const answer = await rest(server.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token, json: { url } });
    expect(answer.body.error.code).toBe('invalid-input');
    const profile = await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token, json: { avatarUrl: url } });
    expect(profile.body.error.code).toBe('invalid-input');
  }
  expect((await rest(server.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token, json: { url: 'https://example.com/a.png' } })).status).toBe(200);
  expect(server.store.getUser('ada')?.avatarUrl).toBe('https://example.com/a.png');
});
