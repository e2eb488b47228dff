import { afterEach, expect, test } from 'vitest';
import { CLOSE_CODES } from '../../src/core/protocol/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket } from '../helpers.ts';

let server: TestServer;
afterEach(async () => server.close());

const byUser = (id: string) => (message: { userId: string }) => message.userId === id;

test('malformed frames get typed error frames; the connection and other clients keep working', async () => {
  server = await startTestServer({ users: ['ada', 'grace', 'eve'], limits: { framesPerSecond: 10_000, floodCloseAfter: 10_000 } });
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', users: ['grace'] });
  await ada.next('snapshot');
  const eve = await openRawSocket(server.wsUrl, server.mintTokens('eve').accessToken);

  // Not a message at all → bad-message; a known message with a refused field → invalid-input
  // (docs/protocol.md); a prototype key anywhere → bad-message (docs/reliability.md).
  const hostile: Array<[string | Buffer, 'bad-message' | 'invalid-input']> = [
    ['{"type":', 'bad-message'],
    ['null', 'bad-message'],
    ['[]', 'bad-message'],
    ['"auth"', 'bad-message'],
    [JSON.stringify({ type: 'launch-missiles' }), 'bad-message'],
    [JSON.stringify({ rid: 1 }), 'bad-message'],
    [JSON.stringify({ type: 'set-presence', patch: { status: 'emperor' } }), 'invalid-input'],
    [JSON.stringify({ type: 'set-presence', patch: { custom: { blob: 'x'.repeat(5000) } } }), 'invalid-input'],
    [JSON.stringify({ type: 'set-presence', patch: { statusMessage: 'x'.repeat(20_000) } }), 'invalid-input'],
    [JSON.stringify({ type: 'subscribe', users: [42] }), 'invalid-input'],
    [JSON.stringify({ type: 'subscribe', users: ['../../etc/passwd'] }), 'invalid-input'],
    ['{"type":"set-presence","patch":{"custom":{"__proto__":{"polluted":true}}}}', 'bad-message'],
    ['{"type":"set-presence","patch":{"custom":{"constructor":{"prototype":{"polluted":true}}}}}', 'bad-message'],
    ['{"__proto__":{"polluted":true},"type":"ping"}', 'bad-message'],
    ['{"type":"ping","t":1,"x":{"__pro\\u0074o__":1}}', 'bad-message'],
    [Buffer.from([0xde, 0xad, 0xbe, 0xef]), 'bad-message'],
  ];
  for (let round = 0; round < 100; round++) for (const [frame] of hostile) eve.send(frame);
  eve.send({ type: 'ping', t: 99 });
  await eve.next('pong', (message) => message.t === 99);
  const errors = eve.received.filter((message) => message.type === 'error');
  expect(errors).toHaveLength(100 * hostile.length);
  expect(errors.slice(0, hostile.length).map((error) => error.type === 'error' && error.code)).toEqual(hostile.map(([, code]) => code));
  expect(eve.received.filter((message) => message.type === 'pong')).toHaveLength(0);
  expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');

  // Everyone else is unaffected: grace's change still reaches ada.
  server.controls.connect('grace');
  expect((await ada.next('presence', byUser('grace'))).presence?.online).toBe(true);
  expect(server.controls.presenceOf('eve').status).toBe('online');
});

test('invalid UTF-8 is closed with 1007, an oversized frame with 1009, without harm to others', async () => {
  server = await startTestServer({ users: ['ada', 'eve'] });
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  const eve = await openRawSocket(server.wsUrl, server.mintTokens('eve').accessToken);
  // A text frame whose bytes are not UTF-8 (ws sends a Buffer as text with binary: false).
  eve.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  expect((await eve.closed).code).toBe(CLOSE_CODES.invalidPayload);

  const big = await openRawSocket(server.wsUrl, server.mintTokens('eve').accessToken);
  big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(10 * 1024 * 1024) }));
  expect((await big.closed).code).toBe(CLOSE_CODES.tooLarge);

  ada.send({ type: 'ping', t: 1 });
  expect((await ada.next('pong')).t).toBe(1);
});

test('a flood of status updates is rate limited with the documented code, then cut with 4008', async () => {
  server = await startTestServer({ users: ['ada', 'eve'], limits: { statusUpdatesPerSecond: 5, floodCloseAfter: 100 } });
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', users: ['eve'] });
  await ada.next('snapshot');
  const eve = await openRawSocket(server.wsUrl, server.mintTokens('eve').accessToken);
  await ada.next('presence', byUser('eve'));
  for (let i = 0; i < 1000; i++) eve.send({ type: 'set-presence', rid: i, patch: { statusMessage: `update ${i}` } });
  const closed = await eve.closed;
  expect(closed.code).toBe(CLOSE_CODES.rateLimited);
  const refused = eve.received.filter((message) => message.type === 'error');
  expect(refused[0]).toMatchObject({ code: 'rate-limited', retryAfterMs: expect.any(Number) });
  const accepted = eve.received.filter((message) => message.type === 'ack');
  expect(accepted.length).toBeGreaterThanOrEqual(10);
  expect(accepted.length).toBeLessThan(20);
  // Ada got each accepted update and then eve's disconnect; her own connection is fine.
  ada.send({ type: 'ping', t: 2 });
  await ada.next('pong');
  const seen = ada.received.filter((message) => message.type === 'presence' && message.userId === 'eve');
  expect(seen.at(-1)).toMatchObject({ presence: { online: false } });
});

test('subscriptions per connection are capped with limit-exceeded', async () => {
  server = await startTestServer({ users: ['ada'], limits: { subscriptionsPerConnection: 3 } });
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', rid: 1, users: ['a', 'b', 'c', 'd'] });
  expect(await ada.next('error')).toMatchObject({ rid: 1, code: 'limit-exceeded' });
});

test('a client that stops reading is cut off once its send buffer passes the limit; others are unaffected', async () => {
  server = await startTestServer({
    users: ['ada', 'slow', 'chatty'],
    limits: { maxBufferedBytes: 64 * 1024, statusUpdatesPerSecond: 1e6, framesPerSecond: 1e6 },
  });
  server.controls.connect('chatty');
  const slow = await openRawSocket(server.wsUrl, server.mintTokens('slow').accessToken);
  slow.send({ type: 'subscribe', users: ['chatty'] });
  await slow.next('snapshot');
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', users: ['chatty'] });
  await ada.next('snapshot');
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const big = 'y'.repeat(270);
  // Loopback kernel buffers absorb megabytes before the server's own queue grows. A change per turn of
  // the event loop: changes within one turn reach a watcher as one frame.
  for (let i = 0; i < 40_000 && server.controls.connectionCount('slow') > 0; i++) {
    server.controls.setPresence('chatty', { statusMessage: `${big} ${i}` });
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(server.controls.connectionCount('slow')).toBe(0);
  ada.send({ type: 'ping', t: 3 });
  await ada.next('pong');
  expect(ada.received.filter((message) => message.type === 'presence').length).toBeGreaterThan(100);
});
