// A connection that never opens says why, naming the URL: nothing there, not a presence server, or a
// presence server whose WebSocket does not get through.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { createPresenceClient, type PresenceClient, type PresenceClientOptions } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';

let client: PresenceClient | undefined;
let plain: Server | undefined;
let presence: TestServer | undefined;
afterEach(async () => {
  client?.disconnect();
  await new Promise((resolve) => (plain ? plain.close(resolve) : resolve(undefined)));
  await presence?.close();
  client = plain = presence = undefined;
});

/** An ordinary web server: 404 for every request, upgrades included. */
async function startPlainServer(): Promise<string> {
  plain = createServer((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
  plain.on('upgrade', (_request, socket) => {
    // The client may reset its end first (it retries every few ms): an unheard reset is an uncaught error.
    socket.on('error', () => {});
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
  });
  await new Promise<void>((resolve) => plain!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
}

function connect(options: Partial<PresenceClientOptions> & { url: string }): PresenceClient {
  client = createPresenceClient({
    token: 't',
    WebSocket: WebSocket,
    environment: null,
    backoff: { minMs: 5, maxMs: 20 },
    ...options,
  });
  client.connect();
  return client;
}

const message = () => client?.state.getState().error?.message ?? '';

test('a URL that is not a presence server: the error says so and names it', async () => {
  const url = await startPlainServer();
  connect({ url });
  await expect
    .poll(message, { timeout: 5000 })
    .toBe(`${url}/ does not look like a presence server (GET /api/v1/health answered 404, not JSON): pass the presence server's base URL as url`);
  expect(client!.state.getState().status).toBe('reconnecting');
});

test('nothing listening: the error says the server cannot be reached', async () => {
  const url = await startPlainServer();
  await new Promise((resolve) => plain!.close(resolve));
  plain = undefined;
  connect({ url });
  await expect.poll(message, { timeout: 5000 }).toBe(`could not reach ${url}: is the presence server running there?`);
});

test('a presence server whose WebSocket does not get through: the error points at the proxy', async () => {
  presence = await startTestServer({ users: ['ada'] });
  const blocked = await startPlainServer();
  connect({ url: presence.httpUrl, wsUrl: `${blocked.replace('http', 'ws')}/ws` });
  await expect
    .poll(message, { timeout: 5000 })
    .toMatch(/is a presence server, but the WebSocket to ws:\/\/127\.0\.0\.1:\d+\/ws does not open: does a proxy in between pass WebSocket upgrades\?$/);
});
