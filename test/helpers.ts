import { WebSocket } from 'ws';
import type { WebSocketLike } from '../src/core/connection.ts';
import type { StoreApi } from 'zustand/vanilla';
import { PROTOCOL_VERSION, type ServerMessage } from '../src/core/protocol/index.ts';
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
export interface RawSocket {
  ws: WebSocket;
  send(frame: unknown): void;
  /** The next frame of this type (frames of other types are kept for later calls). */
  next<K extends ServerMessage['type']>(
    type: K,
    where?: (message: Extract<ServerMessage, { type: K }>) => boolean,
  ): Promise<Extract<ServerMessage, { type: K }>>;
  received: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
}

export async function openRawSocket(wsUrl: string, token?: string, protocols: string[] = [PROTOCOL_VERSION]): Promise<RawSocket> {
  const ws = new WebSocket(wsUrl, protocols);
  const received: ServerMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    received.push(JSON.parse(String(data)) as ServerMessage);
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
