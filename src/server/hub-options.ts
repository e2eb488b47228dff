import type { PresenceLog } from './presence-log.ts';
import type { SessionManager } from './sessions.ts';
import type { PresenceStore } from './store.ts';

/**
 * Limits and timings of the WebSocket side; every one is a server option (see docs/protocol.md).
 *
 * @example
 * ```ts
 * await createPresenceServer({ limits: { statusUpdatesPerSecond: 2, connectionsPerUser: 5 } });
 * ```
 */
export interface HubLimits {
  /** Frames of any kind per second per connection (burst: twice as many). */
  framesPerSecond: number;
  /**
   * `set-presence` frames per second per connection, and per user over all their connections on a node
   * (burst: twice as many): twenty tabs change a status no faster than one.
   */
  statusUpdatesPerSecond: number;
  /**
   * Failed authentications (no or an unknown token, a first frame that is not `auth`, an oversized auth
   * frame, no auth in time) per second per address (IPv6: per /64), burst ten times that; past it the
   * address's handshakes are refused with 503 until it refills. Expired tokens are not counted.
   */
  failedAuthsPerSecond: number;
  /** Refused frames in a row before the connection is closed with 4008. */
  floodCloseAfter: number;
  /** Users one connection may subscribe to. */
  subscriptionsPerConnection: number;
  /** Bytes queued for one connection before it counts as a slow consumer and is cut off (4009). */
  maxBufferedBytes: number;
  /** Time to send `auth` after connecting. */
  authTimeoutMs: number;
  /** The server pings every interval; a connection silent for two intervals is dropped. */
  heartbeatMs: number;
  /**
   * WebSocket handshakes accepted per second from one address; more are refused with HTTP 503 and
   * retried by the clients' jittered backoff, so a restart is not a stampede and one client cannot use
   * up everybody's admission.
   */
  handshakesPerSecond: number;
  /** Live WebSocket connections of one user; one more is closed with 4029. */
  connectionsPerUser: number;
  /**
   * Users listed in snapshots and catch-ups per second, per user (all their connections together; burst
   * the same). One snapshot larger than that is allowed when the budget is untouched; more are refused
   * with `rate-limited` and `retryAfterMs`, which the client waits out and retries.
   */
  snapshotUsersPerSecond: number;
  /**
   * The same budget for everyone together on a node (default ten users' worth): many accounts asking at
   * their own rate cannot take the node. A catch-up is charged the users it lists plus a tenth of the log
   * entries it reads, so an old cursor that makes the server read 100,000 entries costs what it causes.
   */
  snapshotUsersPerSecondTotal: number;
  /** Rooms one connection may be in at once; one more `room-enter` is refused with `limit-exceeded`. */
  roomsPerConnection: number;
  /** Serialized bytes of one connection's room presence (at most 16 KiB). */
  roomPresenceBytes: number;
  /** Serialized bytes of one room broadcast event (at most 16 KiB). */
  roomEventBytes: number;
  /** Room presence updates per second per connection (burst twice that); the client throttles to 10 by default. */
  roomUpdatesPerSecond: number;
  /** Room broadcasts per second per connection (burst twice that). */
  roomBroadcastsPerSecond: number;
}

/**
 * What a `PresenceHub` is built from.
 *
 * @example
 * ```ts
 * const hub = new PresenceHub({ store, sessions, limits, catchUpWindowMs: 600_000, catchUpMaxChanges: 100_000, now: Date.now, log: console.log });
 * ```
 */
export interface HubOptions {
  store: PresenceStore;
  sessions: SessionManager;
  limits: HubLimits;
  catchUpWindowMs: number;
  /** Changes kept for catch-up at most; older cursors get a full answer. */
  catchUpMaxChanges: number;
  now: () => number;
  log: (line: string) => void;
  /** Where shared changes are ordered (default: this process alone). */
  presenceLog?: PresenceLog;
  /** True when `presenceLog` is shared by several nodes and numbers the changes. */
  sharedLog?: boolean;
  /** This node's name in the log (default: random). */
  node?: string;
  /** How long a room member whose last connection left is still shown (default 5,000 ms). */
  roomLeaveGraceMs?: number;
  /** Room changes are gathered for this long and sent as one frame per room and watcher (default 50 ms). */
  roomTickMs?: number;
  /**
   * Above this many people online, online-list watchers get counts (at most once a second) and the changes
   * of the users they watch by name or in a window, not every change (default 100; docs/protocol.md).
   */
  announceMax?: number;
  /** Windows on the online list whose rows changed are re-sent at most this often (default 100 ms). */
  onlineTickMs?: number;
  /**
   * Above this many members a room is large: its watchers get its count (at most once a second), their own
   * member's changes and those of the members in their windows, not every change (default 100). A number
   * for every room, or a function of the room's id (docs/protocol.md, "Large audiences").
   */
  roomAnnounceMax?: number | ((room: string) => number);
}
