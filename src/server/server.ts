import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  LIMITS,
  PresencePatchSchema,
  ROOM_DEFAULTS,
  parseWith,
  type CreateUserInput,
  type JsonValue,
  type Presence,
  type PresencePatch,
  type SessionTokens,
  type User,
} from '../core/protocol/index.ts';
import { HttpError } from './http-error.ts';
import { createHttpApp, type EdgeLimits } from './http-app.ts';
import { exportStore, importStore, type StoreSnapshot } from './cluster-snapshot.ts';
import { PresenceHub, type HubLimits, type SharedPresenceState } from './hub.ts';
import { registerRestRoutes } from './rest.ts';
import type { RoomPermissions } from './room-access.ts';
import { setAudienceRule, type AudienceRule } from './visibility.ts';
import { createSessionManager } from './sessions.ts';
import { createMemoryStore, type PresenceStore } from './store.ts';
import type { RedisLog } from './redis-log.ts';
import { registerWebSocketRoute } from './websocket-route.ts';
import { explainMissingPeer, REDIS_PEER } from './missing-peer.ts';
import { connectionCaps, openFileLimit } from './descriptor-limit.ts';
import { createMemoryPictureStore, createRedisPictureStore } from './picture-store.ts';

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
  /**
   * Rooms a guest session may enter, as patterns (`{ 'lobby': 'read', 'demo:*': 'write' }`). Default: none,
   * since anyone can get a guest session; a room open to guests is opened here.
   */
  guestRooms?: RoomPermissions;
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
  /** Changes kept for catch-up at most (default 100,000); a cursor older than what is kept gets a full answer. */
  catchUpMaxChanges?: number;
  /** REST requests per second per caller: the verified user, the admin key, or else the address (default 50, bursts of 100). */
  requestsPerSecond?: number;
  /**
   * Open TCP connections, everyone together: default 20,000, or fewer when the process may open fewer
   * files (`ulimit -n`, less 128 kept back; a warning is logged under 4,096).
   */
  maxConnections?: number;
  /**
   * Open TCP connections from one address: default 1,000, at most a quarter of `maxConnections`. Behind a
   * proxy every client shares its address: raise it there.
   */
  maxConnectionsPerIp?: number;
  /** Time to send request headers (default 10 s) and a whole request (default 30 s); idle keep-alive closes after 5 s. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Request-body bytes received at once per caller (default 2 MiB) and in total (default 64 MiB). */
  bodyBytesInFlightPerCaller?: number;
  bodyBytesInFlight?: number;
  /** Guest sessions one address may create per minute (default 10). */
  guestSessionsPerMinute?: number;
  /** A guest with no connection for this long is deleted with their picture and sessions (default 24 h). */
  guestIdleTtlMs?: number;
  /** A guest older than this is deleted even while connected (default 7 days): anonymous accounts do not live for ever. */
  guestMaxAgeMs?: number;
  /** Guests that may exist at once (default 10,000); past it `POST /guest-sessions` answers 503. */
  maxGuests?: number;
  /** Bytes of uploaded pictures stored at once, everyone together (default 512 MiB); past it uploads answer 507. */
  maxAvatarBytesTotal?: number;
  /**
   * Hosts users may point their own avatar URL at (default none: they upload a picture, which this server
   * serves); `'*'` allows any host, which lets any user make every viewer's browser call a host of their
   * choosing. URLs an admin sets are not limited.
   */
  avatarHosts?: readonly string[] | '*';
  /** Largest WebSocket frame in bytes (default 64 KiB); larger ones close the connection with 1009. */
  maxFrameBytes?: number;
  limits?: Partial<HubLimits>;
  /**
   * How long a room member whose last connection left is still shown (default 5,000 ms): a reload or a
   * network blip within it shows no leave and no enter.
   */
  roomLeaveGraceMs?: number;
  /** Room changes are gathered for this long and sent as one frame per room and watcher (default 50 ms). */
  roomTickMs?: number;
  /**
   * Above this many people online, the online list is "large": its watchers get exact counts (at most once
   * a second) and the changes of the users they watch by name or in a window (the rows they show), not
   * every change of everyone (default 100; back under nine tenths of it, every change again).
   */
  announceMax?: number;
  /** Windows on the online list whose rows changed are re-sent at most this often (default 100 ms). */
  onlineTickMs?: number;
  /**
   * Above this many members a room is "large": its watchers get its exact count (at most once a second),
   * their own member's changes and those of the members in their window (`room-window`: the rows they
   * show), not every change (default 100; back under nine tenths of it, every change again). A number for
   * every room, or a function of the room's id, e.g. `(room) => (room.startsWith('town-hall:') ? 50 : 200)`.
   */
  roomAnnounceMax?: number | ((room: string) => number);
  /**
   * Whose global presence a user sees: `'everyone'` (the default; blocks aside) or `'shared-rooms'`: only
   * users sharing at least one persistent room membership with them (`PUT /api/v1/rooms/{id}/members/{userId}`),
   * on every path (live events, snapshots, deltas, REST). See docs/rooms.md.
   */
  audience?: AudienceRule;
  /** Where the server logs. Tokens are never logged. Defaults to silence. */
  log?: (line: string) => void;
  /** The clock; tests may pass a fake one. */
  now?: () => number;
  /**
   * `redis://host:port`: run as one of N nodes sharing presence, profiles, blocks and sessions through
   * this Redis (Debian's redis-server 7.0 works; install `@redis/client`). Without it, the server keeps
   * everything in this process.
   */
  redis?: string;
  /**
   * N nodes: a node silent for `leaseMs` (default 5 s) is declared down; leases renew every `renewMs`
   * (1 s); every `snapshotEvery` log entries (10,000) a snapshot lets the log be trimmed of entries older
   * than it and than `retainMs` (the catch-up window); `prefix` names the Redis keys (`pk`).
   */
  cluster?: { leaseMs?: number; renewMs?: number; prefix?: string; snapshotEvery?: number; retainMs?: number };
}

/** What tests and demos drive directly, without a socket. */
export interface PresenceServerControls {
  createUser(input: CreateUserInput): User;
  /** Changes a user's presence as if they had sent `set-presence`. */
  setPresence(userId: string, patch: PresencePatch): void;
  /** A connection with no socket (simulated users): the user is online while any is open. */
  connect(userId: string): void;
  disconnect(userId: string): void;
  /** Enters a room through the user's newest simulated connection (see `connect`); it leaves with that connection. */
  enterRoom(userId: string, roomId: string, presence?: JsonValue): void;
  /** Changes the room presence of that connection. */
  setRoomPresence(userId: string, roomId: string, presence: JsonValue): void;
  /**
   * Destroys the user's sockets with no close frame, as a network failure would; or, given a close code,
   * closes them with it (4002: as if their tokens had expired, which sends every one to refresh at once).
   */
  dropConnections(userId: string, closeCode?: number): void;
  /** Revokes every session of the user and closes their sockets with 4003. */
  revokeSessions(userId: string): void;
  /** Live connections (real and simulated) of the user. */
  connectionCount(userId: string): number;
  /** The presence everyone else sees. */
  presenceOf(userId: string): Presence;
  block(blockerId: string, blockedId: string): void;
  /** Deletes guests idle past `guestIdleTtlMs` now, rather than at the next periodic sweep. Returns their ids. */
  expireGuests(): string[];
  /**
   * On N nodes: stores a snapshot of the shared state now (as happens every `snapshotEvery` entries) and
   * resolves with its size and time; null on one node, or when another node is storing one.
   */
  snapshotNow(): Promise<{ bytes: number; ms: number } | null>;
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
  /** Figures for tests and monitoring. */
  stats(): { bodyBytesInFlight: number; changeLogSize: number };
  /**
   * Mints a session for an existing user (what your backend does after its own login); `rooms` limits the
   * rooms it may enter (patterns such as `{ 'doc:*': 'write', lobby: 'read' }`; default: every room, `write`).
   */
  mintTokens(userId: string, rooms?: RoomPermissions): SessionTokens;
  /** Stops accepting, closes every socket with 1001, and resolves when the port is free. */
  close(): Promise<void>;
  /** Stops at once, with no close frames (as a crash would), and resolves when the port is free. */
  kill(): Promise<void>;
}

const DEFAULT_LIMITS: HubLimits = {
  framesPerSecond: 50,
  statusUpdatesPerSecond: 5,
  failedAuthsPerSecond: 5,
  floodCloseAfter: 100,
  subscriptionsPerConnection: 2_000,
  maxBufferedBytes: 1024 * 1024,
  authTimeoutMs: 5_000,
  heartbeatMs: 15_000,
  handshakesPerSecond: 200,
  connectionsPerUser: 20,
  snapshotUsersPerSecond: 10_000,
  snapshotUsersPerSecondTotal: 100_000,
  roomsPerConnection: 50,
  roomPresenceBytes: ROOM_DEFAULTS.presenceBytes,
  roomEventBytes: ROOM_DEFAULTS.eventBytes,
  roomUpdatesPerSecond: 20,
  roomBroadcastsPerSecond: 20,
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
  setAudienceRule(store, options.audience ?? 'everyone');
  const limits: HubLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const node = randomBytes(6).toString('base64url');
  // Declared before it exists: the Redis log's fencing callback and the sessions' writer reach it later.
  // eslint-disable-next-line prefer-const
  let hub: PresenceHub;
  let redisLog: RedisLog | undefined;
  if (options.redis !== undefined) {
    const { createRedisLog } = await import('./redis-log.ts').catch(explainMissingPeer(REDIS_PEER));
    const { snapshotEvery, retainMs, ...timings } = options.cluster ?? {};
    redisLog = await createRedisLog({
      url: options.redis,
      node,
      ...timings,
      log,
      snapshot: {
        take: () => ({ store: exportStore(store), presence: hub.exportShared() }),
        restore: async (state) => {
          const snapshot = state as { store: StoreSnapshot; presence: SharedPresenceState };
          await importStore(store, snapshot.store);
          await hub.restoreShared(snapshot.presence);
        },
        ...(snapshotEvery === undefined ? {} : { every: snapshotEvery }),
        retainMs: retainMs ?? options.catchUpWindowMs ?? 10 * 60_000,
      },
      onFenced: () => {
        log('this node was declared down while alive: its clients reconnect under a new name');
        redisLog!.rename(hub.fence());
      },
    });
  }
  const sessions = createSessionManager({
    store,
    accessTokenTtlMs: options.accessTokenTtlMs ?? 15 * 60_000,
    refreshTokenTtlMs: options.refreshTokenTtlMs ?? 30 * 24 * 60 * 60_000,
    now,
    // Through the log, so a session minted on one node works on every node.
    save: (session) => hub.fire({ type: 'session-put', session }),
  });
  hub = new PresenceHub({
    store,
    sessions,
    limits,
    catchUpWindowMs: options.catchUpWindowMs ?? 10 * 60_000,
    catchUpMaxChanges: options.catchUpMaxChanges ?? 100_000,
    now,
    log,
    node,
    ...(options.roomLeaveGraceMs === undefined ? {} : { roomLeaveGraceMs: options.roomLeaveGraceMs }),
    ...(options.roomTickMs === undefined ? {} : { roomTickMs: options.roomTickMs }),
    ...(options.announceMax === undefined ? {} : { announceMax: options.announceMax }),
    ...(options.onlineTickMs === undefined ? {} : { onlineTickMs: options.onlineTickMs }),
    ...(options.roomAnnounceMax === undefined ? {} : { roomAnnounceMax: options.roomAnnounceMax }),
    ...(redisLog ? { presenceLog: redisLog, sharedLog: true } : {}),
  });
  // A node serves only once it holds everything the others know.
  await redisLog?.caughtUp;
  const descriptors = openFileLimit();
  const caps = connectionCaps(descriptors);
  if (caps.low && options.maxConnections === undefined) {
    log(
      `only ${descriptors} open files allowed (ulimit -n): at most ${caps.maxConnections} connections, ${caps.maxConnectionsPerIp} per address; raise the limit for more`,
    );
  }
  const edge: EdgeLimits = {
    maxConnections: options.maxConnections ?? caps.maxConnections,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? Math.min(caps.maxConnectionsPerIp, options.maxConnections ?? Infinity),
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5_000,
    requestsPerSecond: options.requestsPerSecond ?? 50,
    rateLimitKeys: 10_000,
    bodyBytesInFlight: { perCaller: options.bodyBytesInFlightPerCaller ?? 2 * 1024 * 1024, total: options.bodyBytesInFlight ?? 64 * 1024 * 1024 },
  };
  const app = await createHttpApp({
    limits: edge,
    sessions,
    adminKey,
    allowedOrigins: options.allowedOrigins ?? null,
    log,
    ...(redisLog ? { sync: () => redisLog.sync(), rateLimitStore: redisLog.rateLimitStore } : {}),
  });
  let httpUrl = '';
  const rest = registerRestRoutes(app, {
    store,
    hub,
    sessions,
    guests: options.guests ?? false,
    guestRooms: options.guestRooms ?? {},
    guestSessionsPerMinute: options.guestSessionsPerMinute ?? 10,
    maxGuests: options.maxGuests ?? 10_000,
    maxAvatarBytesTotal: options.maxAvatarBytesTotal ?? 512 * 1024 * 1024,
    pictures: redisLog ? createRedisPictureStore(redisLog.send, options.cluster?.prefix ?? 'pk') : createMemoryPictureStore(),
    avatarHosts: options.avatarHosts ?? [],
    requireHttps: options.requireHttps ?? false,
    publicUrl: () => options.publicUrl ?? httpUrl,
    now,
    ...(redisLog ? { health: () => ({ redis: redisLog.healthy() ? ('up' as const) : ('down' as const) }) } : {}),
  });
  await registerWebSocketRoute(app, { hub, log, maxFrameBytes: options.maxFrameBytes ?? LIMITS.frameBytes, handshakesPerSecond: limits.handshakesPerSecond });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  httpUrl = `http://${host}:${address.port}`;

  const guestIdleTtlMs = options.guestIdleTtlMs ?? 24 * 60 * 60_000;
  const guestMaxAgeMs = options.guestMaxAgeMs ?? 7 * 24 * 60 * 60_000;
  function expireGuests(): string[] {
    const expired: string[] = [];
    const cutoff = now() - guestIdleTtlMs;
    for (const user of [...store.usersAfter(null)]) {
      if (!user.isGuest) continue;
      if (Date.parse(user.createdAt) < now() - guestMaxAgeMs) {
        // Too old, connected or not: its sockets learn it is revoked, then it goes like any expired guest.
        rest.deleteUser(user.id).catch((error: Error) => log(`guest expiry: ${error.message}`));
        expired.push(user.id);
        continue;
      }
      if (hub.connectionCount(user.id) > 0) continue;
      const lastSeen = Date.parse(hub.record(user.id).published.lastOnline ?? user.createdAt);
      if (lastSeen > cutoff) continue;
      rest.deleteUser(user.id).catch((error: Error) => log(`guest expiry: ${error.message}`));
      expired.push(user.id);
    }
    return expired;
  }
  const guestSweep = setInterval(expireGuests, Math.min(60_000, guestIdleTtlMs));
  guestSweep.unref();

  const controls: PresenceServerControls = {
    createUser: (input) => rest.createUser({ ...input, id: input.id ?? input.username }),
    setPresence(userId, patch) {
      const parsed = parseWith(PresencePatchSchema, patch);
      if (!parsed.ok) throw new HttpError('invalid-input', parsed.reason);
      hub.setPresence(userId, parsed.value);
    },
    connect: (userId) => hub.connectVirtual(userId),
    disconnect: (userId) => hub.disconnectVirtual(userId),
    enterRoom: (userId, roomId, presence = {}) => hub.roomVirtual('room-enter', userId, roomId, presence),
    setRoomPresence: (userId, roomId, presence) => hub.roomVirtual('room-presence', userId, roomId, presence),
    dropConnections: (userId, closeCode) =>
      closeCode === undefined ? hub.dropConnections(userId) : hub.closeUser(userId, closeCode, 'closed by the server controls'),
    revokeSessions(userId) {
      sessions.revokeAllOf(userId);
      hub.closeUser(userId, 4003, 'revoked');
    },
    connectionCount: (userId) => hub.connectionCount(userId),
    presenceOf: (userId) => hub.record(userId).published,
    block: (blockerId, blockedId) => void hub.commit({ type: 'relation', blockerId, blockedId, blocked: true }),
    expireGuests,
    snapshotNow: async () => (redisLog ? redisLog.snapshotNow() : null),
  };

  const stop = async (graceful: boolean) => {
    clearInterval(guestSweep);
    if (graceful) {
      hub.close();
      // Give clients a moment to see the 1001 close frame, then cut whoever is left.
      const clients = [...app.websocketServer.clients];
      await Promise.race([
        Promise.all(clients.map((client) => new Promise((done) => client.once('close', done)))),
        new Promise((done) => setTimeout(done, 500).unref()),
      ]);
    } else {
      hub.kill();
    }
    for (const client of app.websocketServer.clients) client.terminate();
    app.server.closeAllConnections();
    await app.close();
    hub.shutdown();
  };

  return {
    httpUrl,
    wsUrl: `ws://${host}:${address.port}/ws`,
    port: address.port,
    adminKey,
    store,
    controls,
    stats: () => ({ bodyBytesInFlight: app.bodiesInFlight(), changeLogSize: hub.changes.size }),
    mintTokens: (userId, rooms) => {
      if (!store.getUser(userId)) throw new HttpError('not-found', `no user "${userId}"`);
      return sessions.mint(userId, rooms);
    },
    close: () => stop(true),
    kill: () => stop(false),
  };
}
