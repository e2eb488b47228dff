import { crc32, deflateSync } from 'node:zlib';
import { WebSocket } from 'ws';
import type { WebSocketLike } from '../src/core/connection.ts';
import type { StoreApi } from 'zustand/vanilla';
import { PROTOCOL_VERSION, type RoomServerMessage, type ServerMessage } from '../src/core/protocol/index.ts';
import type { PresenceClient, UserEntry } from '../src/core/index.ts';

/** Resolves once `predicate` holds for the store's state, checked on every change (no polling). */
export function waitForStore<T>(store: StoreApi<T>, predicate: (state: T) => boolean, label = 'condition'): Promise<T> {
  return new Promise((resolve, reject) => {
    if (predicate(store.getState())) return resolve(store.getState());
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${label}; last state: ${JSON.stringify(store.getState())}`));
    }, 5_000);
    const unsubscribe = store.subscribe((state) => {
      if (!predicate(state)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(state);
    });
  });
}

export const waitForStatus = (client: PresenceClient, status: string) => waitForStore(client.state, (state) => state.status === status, `status ${status}`);

export const waitForUser = (client: PresenceClient, id: string, predicate: (entry: UserEntry) => boolean, label = id) =>
  waitForStore(client.store.userStore(id), predicate, label);

/** A bare protocol client, for what the kit's client would never send. */
/** Any frame the server sends, rooms' included. */
export type AnyServerMessage = ServerMessage | RoomServerMessage;

export interface RawSocket {
  ws: WebSocket;
  send(frame: unknown): void;
  /** The next frame of this type (frames of other types are kept for later calls). */
  next<K extends AnyServerMessage['type']>(
    type: K,
    where?: (message: Extract<AnyServerMessage, { type: K }>) => boolean,
  ): Promise<Extract<AnyServerMessage, { type: K }>>;
  received: AnyServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
}

export async function openRawSocket(wsUrl: string, token?: string, protocols: string[] = [PROTOCOL_VERSION]): Promise<RawSocket> {
  const ws = new WebSocket(wsUrl, protocols);
  const received: AnyServerMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    received.push(JSON.parse(String(data)) as AnyServerMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const wake of waiters.splice(0)) wake();
    }),
  );
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
  const socket: RawSocket = {
    ws,
    received,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame)),
    async next(type, where = () => true) {
      for (;;) {
        const index = received.findIndex((message) => message.type === type && where(message as never));
        if (index !== -1) return received.splice(index, 1)[0] as never;
        if (ws.readyState === ws.CLOSED) throw new Error(`socket closed while waiting for ${type}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
  if (token !== undefined) {
    socket.send({ type: 'auth', token });
    await socket.next('welcome');
  }
  return socket;
}

export async function rest(
  baseUrl: string,
  path: string,
  init: { method?: string; token?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(path, baseUrl), {
    method: init.method ?? 'GET',
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await response.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of many shapes, read loosely by tests
  return { status: response.status, body: text ? (JSON.parse(text) as any) : null, headers: response.headers };
}

/** A `ws` WebSocket class that counts the sockets opened with it. */
export function countingWebSocket(counter: { opened: number }): WebSocketLike {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      counter.opened++;
    }
  } as unknown as WebSocketLike;
}

/** A PNG chunk with its CRC. */
function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A real PNG of one transparent pixel row per line, `width` × `height` as its header says (a header may
 * claim more than the pixel data holds, as a hostile upload would), with extra chunks before the data.
 */
export function makePng(options: { width?: number; height?: number; chunks?: Array<[string, string]> } = {}): Uint8Array<ArrayBuffer> {
  const { width = 1, height = 1, chunks = [] } = options;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = Math.min(height, 4);
  const pixels = deflateSync(Buffer.alloc(rows * (1 + Math.min(width, 4) * 4)));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', header),
      ...chunks.map(([type, text]) => pngChunk(type, Buffer.from(text, 'latin1'))),
      pngChunk('IDAT', pixels),
      pngChunk('IEND', new Uint8Array(0)),
    ]),
  );
}

/** A minimal baseline JPEG's segments (not decodable pixels): SOI, an EXIF APP1 holding `exif`, a frame header, a scan, EOI. */
export function makeJpeg(options: { width?: number; height?: number; exif?: string } = {}): Uint8Array<ArrayBuffer> {
  const { width = 1, height = 1, exif = 'Exif\0\0GPS 51.5N 0.1W' } = options;
  const segment = (marker: number, data: Buffer) => {
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(data.length + 2, 2);
    return Buffer.concat([head, data]);
  };
  const frame = Buffer.from([8, 0, 0, 0, 0, 1, 1, 0x11, 0]);
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
      segment(0xe1, Buffer.from(exif, 'latin1')),
      segment(0xfe, Buffer.from('a comment', 'latin1')),
      segment(0xc0, frame),
      segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
      Buffer.from([0x12, 0x34, 0xff, 0xd9]),
    ]),
  );
}
