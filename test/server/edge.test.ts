import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { afterEach, expect, test } from 'vitest';
import type { PresenceStore } from '../../src/server/index.ts';
import { createMemoryStore } from '../../src/server/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Sends raw bytes and resolves with whatever comes back before the server closes (or 2 s pass). */
function rawRequest(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(done, 2_000);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      // One whole answer is enough: the server may keep the connection alive.
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (head !== -1 && length !== undefined && text.length >= head + 4 + Number(length)) done();
    });
    socket.on('error', () => {});
    socket.on('close', done);
    socket.end(bytes);
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

async function healthy(port: number): Promise<boolean> {
  return statusOf(await rawRequest(port, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n')) === 200;
}

test('malformed request lines, URLs, headers and upgrades get a 4xx, and the server keeps answering', async () => {
  server = await startTestServer({ users: ['ada'] });
  const upgrade = (path: string) =>
    `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: presence.v1\r\n\r\n`;
  const cases = [
    'GET // HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /api/v1/users/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n',
    'GET /api/v1/avatars/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /%%% HTTP/1.1\r\nHost: x\r\n\r\n',
    'BREW /coffee HTCPCP/1.0\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
    'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
    upgrade('//'),
    upgrade('//['),
    upgrade('/%E0%A4%A'),
    upgrade('/ws/%E0%A4%A'),
    'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
  ];
  for (const request of cases) {
    const status = statusOf(await rawRequest(server.port, request));
    expect([request, status >= 400 && status < 500]).toEqual([request, true]);
    expect(await healthy(server.port)).toBe(true);
  }
});

test('an unexpected error in one request is a 500 for that request only', async () => {
  const store = createMemoryStore();
  const broken: PresenceStore = {
    ...store,
    getUser: (id) =>
      id === 'boom'
        ? (() => {
            throw new Error('disk on fire');
          })()
        : store.getUser(id),
  };
  const lines: string[] = [];
  server = await startTestServer({ users: ['ada'], store: broken, log: (line) => lines.push(line) });
  const token = server.mintTokens('ada').accessToken;
  const response = await fetch(`${server.httpUrl}/api/v1/users/boom`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({ error: { code: 'server-error', message: 'internal error' } });
  expect(lines.join('\n')).toContain('disk on fire');
  expect(lines.join('\n')).not.toContain(token);
  expect(await healthy(server.port)).toBe(true);
});

test('property: random request lines, paths, headers and upgrades never take the server process down', async () => {
  // The CLI in its own process, as deployed: an uncaught exception would end it, which an in-process
  // server could not show.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PRESENCE_ADMIN_KEY: 'edge-test-key' },
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /REST\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(line);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    });
    const method = fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'CONNECT', 'TRACE'), fc.string({ maxLength: 12 }));
    const tricky = fc.constantFrom(
      '//',
      '//[',
      '/%E0%A4%A',
      '/%',
      '//a/b',
      '/api/v1/%ZZ',
      '/api/v1/users/',
      '/api/v1/avatars/',
      '/ws',
      '/ws/',
      '*',
      'http://x/',
      '/api/v1/users.presence?from=',
    );
    const path = fc.oneof(
      fc.tuple(tricky, fc.string({ maxLength: 20 })).map(([head, tail]) => head + tail),
      fc.string({
        unit: fc.constantFrom('/', '%', '[', ']', '?', '#', '..', 'E0', 'A4', '\\', '@', ':', 'api', 'v1', 'ws', 'users', 'me', '\u00ff', '\u0000'),
        maxLength: 30,
      }),
      fc.string({ maxLength: 60 }),
      fc.webPath(),
    );
    const header = fc.tuple(
      fc.oneof(
        fc.constantFrom('Authorization', 'Content-Length', 'Content-Type', 'Origin', 'Transfer-Encoding', 'Sec-WebSocket-Protocol', 'Host'),
        fc.string({ maxLength: 20 }),
      ),
      fc.string({ maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(method, path, fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9', ''), fc.array(header, { maxLength: 4 }), fc.boolean()), {
          minLength: 1,
          maxLength: 8,
        }),
        async (batch) => {
          await Promise.all(
            batch.map(([verb, target, version, extra, upgrade]) => {
              const lines = [`${verb} ${target} ${version}`, 'Host: x', ...extra.map(([name, value]) => `${name}: ${value}`)];
              if (upgrade)
                lines.push(
                  'Upgrade: websocket',
                  'Connection: Upgrade',
                  'Sec-WebSocket-Version: 13',
                  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
                  'Sec-WebSocket-Protocol: presence.v1',
                );
              return rawRequest(port, Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
            }),
          );
          expect(exited).toBe(false);
          expect(await healthy(port)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  } finally {
    child.kill('SIGKILL');
  }
}, 60_000);
