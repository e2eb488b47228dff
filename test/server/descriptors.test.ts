import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { expect, test } from 'vitest';
import { connectionCaps, openFileLimit } from '../../src/server/descriptor-limit.ts';
import { holdSockets, httpAsk } from './fuzz-process.ts';

test('the connection caps follow the open-file limit, and a quarter of them is the most one address holds', () => {
  const limits =
    'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
  expect(openFileLimit(limits)).toBe(1024);
  expect(openFileLimit('Max open files unlimited unlimited files')).toBe(Number.POSITIVE_INFINITY);
  expect(openFileLimit('nothing here')).toBeUndefined();
  expect(connectionCaps(1024)).toEqual({ maxConnections: 896, maxConnectionsPerIp: 224, low: true });
  expect(connectionCaps(1_048_576)).toEqual({ maxConnections: 20_000, maxConnectionsPerIp: 1_000, low: false });
  expect(connectionCaps(undefined)).toEqual({ maxConnections: 20_000, maxConnectionsPerIp: 1_000, low: false });
  expect(connectionCaps(100).maxConnections).toBe(16);
});

test('under ulimit -n 1024 the server warns, and two addresses holding 550 idle sockets each do not stop service', async () => {
  const child = spawn('bash', ['-c', `ulimit -n 1024 && exec "${process.execPath}" --import tsx src/server/cli.ts --port 0`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PRESENCE_ADMIN_KEY: 'descriptor-test-key' },
  });
  const log: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => log.push(line));
  const sockets: Socket[] = [];
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /REST\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${log.join('\n')}`)));
    });
    expect(log.join('\n')).toContain('only 1024 open files allowed');
    const port = Number(new URL(url).port);
    for (const from of ['127.0.0.2', '127.0.0.3']) {
      await holdSockets(port, from, 550, sockets);
    }
    const honest = await httpAsk(port, { method: 'GET', path: '/api/v1/health', from: '127.0.0.4' });
    expect(honest.status).toBe(200);
  } finally {
    for (const socket of sockets) socket.destroy();
    child.kill('SIGKILL');
  }
}, 30_000);
