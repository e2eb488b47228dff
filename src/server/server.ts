import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import {
  LIMITS,
  PROTOCOL_VERSION,
  PresencePatchSchema,
  parseWith,
  type CreateUserInput,
  type Presence,
  type PresencePatch,
  type SessionTokens,
  type User,
} from '../core/protocol/index.ts';
import { PresenceHub, type HubLimits } from './hub.ts';
import { TokenBucket } from './rate-limit.ts';
import { createRestHandler, HttpError } from './rest.ts';
import { createSessionManager } from './sessions.ts';
import { createMemoryStore, type PresenceStore } from './store.ts';

/** Options of {@link createPresenceServer}; every one has a default. */
export interface PresenceServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1: the dev server is not exposed to the network unless asked. */
  host?: string;
  store?: PresenceStore;
  /** The secret for admin routes (`Authorization: Bearer <adminKey>`). Random when omitted. */
  adminKey?: string;
  /** Allow `POST /api/v1/guest-sessions`. Off by default. */
  guests?: boolean;
  /** Refuse plain-http avatar and profile URLs. */
  requireHttps?: boolean;
  /** Browser Origins allowed for REST and WebSocket; null (default) allows any. */
  allowedOrigins?: readonly string[] | null;
  /** Base of URLs the server hands out (uploaded avatars). Defaults to its own http URL. */
  publicUrl?: string;
  /** Deltas older than this get a full answer (Rocket.Chat: 10 minutes). */
  catchUpWindowMs?: number;
  accessTokenTtlMs?: number;
  refreshTokenTtlMs?: number;
  /** REST requests per second per credential or address. */
  requestsPerSecond?: number;
  /** Largest WebSocket frame in bytes (default 64 KiB); larger ones close the connection with 1009. */
  maxFrameBytes?: number;
  limits?: Partial<HubLimits>;
  /** Where the server logs. Tokens are never logged. Defaults to silence. */
  log?: (line: string) => void;
  /** The clock; tests may pass a fake one. */
  now?: () => number;
}

/** What tests and demos drive directly, without a socket. */
export interface PresenceServerControls {
  createUser(input: CreateUserInput): User;
  /** Changes a user's presence as if they had sent `set-presence`. */
  setPresence(userId: string, patch: PresencePatch): void;
  /** A connection with no socket (simulated users): the user is online while any is open. */
  connect(userId: string): void;
  disconnect(userId: string): void;
  /** Destroys the user's sockets with no close frame, as a network failure would. */
  dropConnections(userId: string): void;
  /** Revokes every session of the user and closes their sockets with 4003. */
  revokeSessions(userId: string): void;
  /** Live connections (real and simulated) of the user. */
  connectionCount(userId: string): number;
  /** The presence everyone else sees. */
  presenceOf(userId: string): Presence;
  block(blockerId: string, blockedId: string): void;
}

/** A running presence server. */
export interface PresenceServer {
  /** e.g. http://127.0.0.1:53211 */
  readonly httpUrl: string;
  /** e.g. ws://127.0.0.1:53211/ws */
  readonly wsUrl: string;
  readonly port: number;
  readonly adminKey: string;
  readonly store: PresenceStore;
  readonly controls: PresenceServerControls;
  /** Mints a session for an existing user (what your backend does after its own login). */
  mintTokens(userId: string): SessionTokens;
  /** Stops accepting, closes every socket with 1001, and resolves when the port is free. */
  close(): Promise<void>;
  /** Stops at once, with no close frames (as a crash would), and resolves when the port is free. */
  kill(): Promise<void>;
}

const DEFAULT_LIMITS: HubLimits = {
  framesPerSecond: 50,
  statusUpdatesPerSecond: 5,
  floodCloseAfter: 100,
  subscriptionsPerConnection: 2_000,
  maxBufferedBytes: 1024 * 1024,
  authTimeoutMs: 5_000,
  heartbeatMs: 15_000,
  handshakesPerSecond: 200,
};

/**
 * Starts the presence server: REST under `/api/v1` and the WebSocket at `/ws`, on one port.
 *
 * @example
 * ```ts
 * const server = await createPresenceServer({ port: 0 });
 * const ada = server.controls.createUser({ id: 'ada', username: 'ada' });
 * const tokens = server.mintTokens(ada.id);
 * // ... createPresenceClient({ url: server.httpUrl, token: tokens.accessToken })
 * await server.close();
 * ```
 */
export async function createPresenceServer(options: PresenceServerOptions = {}): Promise<PresenceServer> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const store = options.store ?? createMemoryStore();
  const adminKey = options.adminKey ?? randomBytes(24).toString('base64url');
  const limits: HubLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const sessions = createSessionManager({
    store,
    accessTokenTtlMs: options.accessTokenTtlMs ?? 15 * 60_000,
    refreshTokenTtlMs: options.refreshTokenTtlMs ?? 30 * 24 * 60 * 60_000,
    now,
  });
  const hub = new PresenceHub({ store, sessions, limits, catchUpWindowMs: options.catchUpWindowMs ?? 10 * 60_000, now, log });
  let httpUrl = '';
  const allowedOrigins = options.allowedOrigins ?? null;
  const rest = createRestHandler({
    store,
    hub,
    sessions,
    adminKey,
    guests: options.guests ?? false,
    requireHttps: options.requireHttps ?? false,
    allowedOrigins,
    requestsPerSecond: 50,
    publicUrl: () => options.publicUrl ?? httpUrl,
    now,
    log,
  });

  const http: Server = createServer((request, response) => void rest.handle(request, response));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes ?? LIMITS.frameBytes,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL_VERSION) ? PROTOCOL_VERSION : false),
  });
  wss.on('connection', (ws, request) => hub.accept(ws, request));

  const handshakes = new TokenBucket(limits.handshakesPerSecond, limits.handshakesPerSecond, now);
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const origin = request.headers.origin;
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== '/ws') return refuse('404 Not Found');
    if (allowedOrigins !== null && origin !== undefined && !allowedOrigins.includes(origin)) return refuse('403 Forbidden');
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((item) => item.trim());
    if (!offered.includes(PROTOCOL_VERSION)) return refuse('426 Upgrade Required');
    if (!handshakes.take()) return refuse('503 Service Unavailable');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  http.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  httpUrl = `http://${host}:${address.port}`;

  const controls: PresenceServerControls = {
    createUser: (input) => rest.createUser({ ...input, id: input.id ?? input.username }),
    setPresence(userId, patch) {
      const parsed = parseWith(PresencePatchSchema, patch);
      if (!parsed.ok) throw new HttpError('invalid-input', parsed.reason);
      hub.setPresence(userId, parsed.value);
    },
    connect: (userId) => hub.connectVirtual(userId),
    disconnect: (userId) => hub.disconnectVirtual(userId),
    dropConnections: (userId) => hub.dropConnections(userId),
    revokeSessions(userId) {
      sessions.revokeAllOf(userId);
      hub.closeUser(userId, 4003, 'revoked');
    },
    connectionCount: (userId) => hub.connectionCount(userId),
    presenceOf: (userId) => hub.record(userId).published,
    block(blockerId, blockedId) {
      store.setBlocked(blockerId, blockedId, true);
      hub.relationChanged(blockerId, blockedId);
    },
  };

  return {
    httpUrl,
    wsUrl: `ws://${host}:${address.port}/ws`,
    port: address.port,
    adminKey,
    store,
    controls,
    mintTokens: (userId) => {
      if (!store.getUser(userId)) throw new HttpError('not-found', `no user "${userId}"`);
      return sessions.mint(userId);
    },
    async close() {
      hub.close();
      // Give clients a moment to see the 1001 close frame, then cut whoever is left.
      await Promise.race([
        Promise.all([...wss.clients].map((client) => new Promise((done) => client.once('close', done)))),
        new Promise((done) => setTimeout(done, 500).unref()),
      ]);
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
    async kill() {
      hub.kill();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
