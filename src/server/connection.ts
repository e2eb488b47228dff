import type { WebSocket } from 'ws';
import type { RoomAccess } from '../core/protocol/index.ts';
import type { HubLimits } from './hub-options.ts';
import type { OnlineWindow } from './online-list-fan-out.ts';
import type { RoomWindow } from './room-fan-out.ts';
import { TokenBucket } from './rate-limit.ts';

/** One socket as the hub knows it: who it is once authenticated, what it watches, its budgets. */
export interface Connection {
  /** Unique on this node; with the node's id, names the connection in the shared log. */
  id: string;
  ws: WebSocket;
  userId: string | null;
  sessionId: string | null;
  /** Users watched by name ({@link NO_USERS}, shared, until the first: most connections watch none). */
  users: Set<string>;
  online: boolean;
  /** Its windows on the online list by lane ('' for its own; see `OnlineListFanOut`), made at the first. */
  windows?: Map<string, OnlineWindow>;
  /** The counts it was last sent in an `online-count` frame, as JSON. */
  sentCounts?: string;
  alive: boolean;
  closing: boolean;
  frames: TokenBucket;
  /** Made at the first `set-presence` (full, as it would be by then): an idle connection holds none. */
  statusUpdates: TokenBucket | undefined;
  refusedInARow: number;
  /** Rooms entered, with the access the session grants there; made at the first (most connections enter none). */
  rooms?: Map<string, RoomAccess>;
  /** Per room, who is in it through this socket: '' for the socket itself, else each tab (lane) sharing it. */
  lanes?: Map<string, Set<string>>;
  /** Its windows on rooms' members by `room\nlane` (see `RoomFanOut`), made at the first. */
  roomWindows?: Map<string, RoomWindow>;
  /** Per large room, the count it was last sent. */
  roomCounts?: Map<string, number>;
  /** Room presence updates and broadcasts, made at the first. */
  roomUpdates?: TokenBucket;
  roomBroadcasts?: TokenBucket;
  authTimer: ReturnType<typeof setTimeout> | undefined;
  /** The remote address's key for per-address limits (IPv6: its /64). */
  address: string;
}

/** The empty set every connection starts with; `Audience.watch` gives a connection its own before adding. */
export const NO_USERS: ReadonlySet<string> = new Set();

/** 1011: the server failed handling this connection's input; only it is closed (docs/protocol.md). */
export const INTERNAL_ERROR = 1011;

/**
 * A connection not yet authenticated, with its frame and status budgets full.
 *
 * @example
 * ```ts
 * const connection = newConnection('7', ws, addressKey(request.socket.remoteAddress), limits, Date.now);
 * ```
 */
export function newConnection(id: string, ws: WebSocket, address: string, limits: Pick<HubLimits, 'framesPerSecond'>, now: () => number): Connection {
  return {
    id,
    ws,
    userId: null,
    sessionId: null,
    users: NO_USERS as Set<string>,
    online: false,
    alive: true,
    closing: false,
    frames: new TokenBucket(limits.framesPerSecond * 2, limits.framesPerSecond, now),
    statusUpdates: undefined,
    refusedInARow: 0,
    authTimer: undefined,
    address,
  };
}
