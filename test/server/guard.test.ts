// Every handler of client input is guarded: a throw injected on each path (a frame, an upgrade, a
// request, a log entry applied) costs that connection or that request, and nothing else.
import { afterEach, expect, test, vi } from 'vitest';
import { ClientFrames } from '../../src/server/client-frames.ts';
import { PresenceHub } from '../../src/server/hub.ts';
import { SharedState } from '../../src/server/shared-state.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest } from '../helpers.ts';

let server: TestServer;
const log: string[] = [];
afterEach(async () => {
  log.length = 0;
  await server.close();
});

// Private methods are on the prototype at run time: the injection reaches the real call sites.
const method = (of: { prototype: object }, name: string) =>
  vi.spyOn(of.prototype as never, name as never) as unknown as { mockImplementationOnce(fn: () => never): void };
const boom = (): never => {
  throw new Error('injected failure');
};

test('a throw while handling a frame closes that connection with 1011; others go on, the log names no token', async () => {
  server = await startTestServer({ users: ['ada', 'grace'], log: (line) => log.push(line) });
  const token = server.mintTokens('ada').accessToken;
  const ada = await openRawSocket(server.wsUrl, token);
  const grace = await openRawSocket(server.wsUrl, server.mintTokens('grace').accessToken);
  method(ClientFrames, 'handle').mockImplementationOnce(boom);
  ada.send({ type: 'ping', t: 1 });
  expect((await ada.closed).code).toBe(1011);
  grace.send({ type: 'ping', t: 2 });
  expect((await grace.next('pong')).t).toBe(2);
  expect(log.some((line) => line.includes('internal error handling a frame') && line.includes('injected failure'))).toBe(true);
  expect(log.join('\n')).not.toContain(token);
  // The same user connects again and is served.
  const again = await openRawSocket(server.wsUrl, token);
  again.send({ type: 'ping', t: 3 });
  expect((await again.next('pong')).t).toBe(3);
});

test('a throw while accepting an upgrade closes that socket with 1011; the next upgrade is served', async () => {
  server = await startTestServer({ users: ['ada'], log: (line) => log.push(line) });
  method(PresenceHub, 'accept').mockImplementationOnce(boom);
  const first = await openRawSocket(server.wsUrl);
  expect((await first.closed).code).toBe(1011);
  expect(log.some((line) => line.includes('internal error accepting a socket'))).toBe(true);
  const second = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  second.send({ type: 'ping', t: 1 });
  expect((await second.next('pong')).t).toBe(1);
});

test('a throw while applying a log entry skips that entry; later entries apply and the node serves', async () => {
  server = await startTestServer({ users: ['ada', 'grace'], log: (line) => log.push(line) });
  server.controls.connect('ada');
  const grace = await openRawSocket(server.wsUrl, server.mintTokens('grace').accessToken);
  grace.send({ type: 'subscribe', rid: 1, users: ['ada'] });
  await grace.next('snapshot');
  method(SharedState, 'applyEntry').mockImplementationOnce(boom);
  server.controls.setPresence('ada', { status: 'busy' });
  expect(log.some((line) => line.includes('internal error applying log entry') && line.includes('set-presence'))).toBe(true);
  server.controls.setPresence('ada', { status: 'away' });
  expect((await grace.next('presence', (message) => message.userId === 'ada')).presence?.status).toBe('away');
});

test('a throw in a REST handler answers that request 500 with no internals; the next request is served', async () => {
  server = await startTestServer({ users: ['ada'], log: (line) => log.push(line) });
  const token = server.mintTokens('ada').accessToken;
  vi.spyOn(PresenceHub.prototype, 'viewOf').mockImplementationOnce(boom);
  const failed = await rest(server.httpUrl, '/api/v1/me', { token });
  expect(failed.status).toBe(500);
  expect(failed.body).toEqual({ error: { code: 'server-error', message: 'internal error' } });
  expect(log.some((line) => line.includes('internal error on GET /api/v1/me'))).toBe(true);
  expect(log.join('\n')).not.toContain(token);
  expect((await rest(server.httpUrl, '/api/v1/me', { token })).status).toBe(200);
});
