// Global caps are not levers: callers that each stay within their own cap cannot fill a shared capacity.
import type { Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { BodyBudget } from '../../src/server/body-budget.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { holdSockets, httpAsk } from './fuzz-process.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('request-body bytes: many callers each within their own cap leave room for a newcomer', () => {
  const budget = new BodyBudget({ perCaller: 50, total: 100 });
  const attackers = ['ip:a', 'ip:b', 'ip:c', 'ip:d'];
  let taken = 0;
  for (let round = 0; round < 5; round++) {
    for (const key of attackers) {
      try {
        budget.reserve(key, 10);
        taken += 10;
      } catch {
        // Refused: past three quarters, beyond a fair share.
      }
    }
  }
  expect(taken).toBeLessThan(100);
  expect(() => budget.reserve('ip:honest', 10)).not.toThrow();
});

test('TCP connections: four addresses holding all they may leave the server open to a fifth', async () => {
  server = await startTestServer({ maxConnections: 100, maxConnectionsPerIp: 100 });
  const port = Number(new URL(server.httpUrl).port);
  const sockets: Socket[] = [];
  try {
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) {
      await holdSockets(port, from, 100, sockets);
    }
    const honest = await httpAsk(port, { method: 'GET', path: '/api/v1/health', from: '127.0.0.6' });
    expect(honest.status).toBe(200);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
});
