import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../src/core/protocol/index.ts';

/** The CLI in a process of its own, so a crash is an exit the test sees rather than the test runner's. */
export interface CliProcess {
  url: string;
  wsUrl: string;
  port: number;
  adminKey: string;
  child: ChildProcess;
  /** What the server wrote to stderr (its log). */
  log: string[];
  exited: () => boolean;
  stop: () => void;
}

export async function startCli(args: string[] = []): Promise<CliProcess> {
  const adminKey = randomBytes(18).toString('base64url');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PRESENCE_ADMIN_KEY: adminKey },
  });
  const log: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => log.push(line));
  let exitCode: number | null | undefined;
  child.once('exit', (code, signal) => (exitCode = code ?? (signal ? -1 : null)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /REST\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the CLI exited with ${code}: ${log.join('\n')}`)));
  });
  const port = Number(new URL(url).port);
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    adminKey,
    child,
    log,
    exited: () => exitCode !== undefined,
    stop: () => child.kill('SIGKILL'),
  };
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTP request from a chosen loopback address; never rejects (a reset is status 0). */
export function httpAsk(
  port: number,
  options: { method: string; path: string; headers?: Record<string, string | string[]>; body?: string | Buffer; from?: string },
): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        localAddress: options.from,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', () => resolve({ status: response.statusCode ?? 0, body: '' }));
      },
    );
    request.on('error', () => resolve({ status: 0, body: '' }));
    request.setTimeout(10_000, () => request.destroy());
    request.end(options.body);
  });
}

/** Raw bytes on a fresh TCP connection; resolves with the status line's code (0 when the peer closed first). */
export function rawHttp(port: number, bytes: Buffer, from?: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', ...(from ? { localAddress: from } : {}) });
    let text = '';
    const done = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        done();
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', done);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.once('connect', () => socket.end(bytes));
  });
}

/** A client frame as RFC 6455 puts it on the wire (masked), with the bits a library would never set wrong. */
export function wireFrame(payload: Buffer, options: { opcode: number; fin?: boolean; rsv1?: boolean }): Buffer {
  const length = payload.length;
  const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.alloc(head + 4 + length);
  frame[0] = (options.fin === false ? 0 : 0x80) | (options.rsv1 ? 0x40 : 0) | options.opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, head);
  for (let i = 0; i < length; i++) frame[head + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** Opens the upgrade by hand and writes `frames` after it; resolves when the server closes the socket or answers. */
export function rawWebSocket(port: number, frames: Buffer[], from?: string): Promise<'closed' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', ...(from ? { localAddress: from } : {}) });
    let upgraded = false;
    let head = '';
    socket.on('data', (chunk) => {
      if (upgraded) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      if (!head.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        return resolve('refused');
      }
      upgraded = true;
      for (const frame of frames) socket.write(frame);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(upgraded ? 'closed' : 'refused'));
    socket.setTimeout(10_000, () => socket.destroy());
    socket.once('connect', () =>
      socket.write(
        'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Protocol: ${PROTOCOL_VERSION}\r\n\r\n`,
      ),
    );
  });
}

export type Delivery = 'text' | 'binary' | 'fragmented' | 'bytes';

/**
 * Opens a socket (authenticated first when `token` is given), delivers `payload`, then asks for a pong.
 * Resolves with how the server answered: the close code, or 'pong' when it is still serving the socket.
 */
export async function deliver(wsUrl: string, payload: string | Buffer, how: Delivery, token: string | undefined, from?: string): Promise<string> {
  const ws = new WebSocket(wsUrl, [PROTOCOL_VERSION], { localAddress: from, maxPayload: 4 * 1024 * 1024 });
  ws.on('error', () => {});
  const closed = new Promise<string>((resolve) => ws.once('close', (code) => resolve(`close ${code}`)));
  const opened = await Promise.race([new Promise<boolean>((resolve) => ws.once('open', () => resolve(true))), closed.then(() => false)]);
  if (!opened) return 'refused';
  const pong = new Promise<string>((resolve) =>
    ws.on('message', (data) => {
      const text = String(data);
      if (text.includes('"pong"') && text.includes('424242')) resolve('pong');
    }),
  );
  if (token !== undefined) {
    const welcomed = new Promise<boolean>((resolve) => ws.on('message', (data) => String(data).includes('"welcome"') && resolve(true)));
    ws.send(JSON.stringify({ type: 'auth', token }));
    if (!(await Promise.race([welcomed, closed.then(() => false)]))) return `auth failed: ${await closed}`;
  }
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (how === 'binary') ws.send(bytes, { binary: true });
  else if (how === 'fragmented') {
    const cut = Math.floor(bytes.length / 2);
    ws.send(bytes.subarray(0, cut), { binary: false, fin: false });
    ws.send(bytes.subarray(cut), { binary: false, fin: true });
  } else ws.send(bytes, { binary: false });
  ws.send(JSON.stringify({ type: 'ping', t: 424242 }));
  const answer = await Promise.race([pong, closed, new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), 10_000).unref())]);
  ws.terminate();
  return answer;
}

/** Opens `count` idle TCP connections from `from`, 20 at a time, into `sockets` (refused ones close at once). */
export async function holdSockets(port: number, from: string, count: number, sockets: Socket[]): Promise<void> {
  const open = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress: from });
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.once('connect', () => resolve());
      sockets.push(socket);
    });
  for (let i = 0; i < count; i += 20) await Promise.all(Array.from({ length: Math.min(20, count - i) }, open));
}
