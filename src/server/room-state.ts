import type { JsonValue, RoomMemberWire } from '../core/protocol/index.ts';
import type { LogCommand } from './presence-log.ts';

/** The log's commands about rooms. */
export type RoomCommand = Extract<LogCommand, { type: `room-${string}` }>;

/** One connection's place in a room. */
interface RoomConnection {
  presence: JsonValue | null;
  enteredAt: number;
  /** The order of its last update among all the room's connections: the newest gives the member's presence. */
  updated: number;
}

/** A user in a room: one member however many tabs and devices they entered from. */
export interface Occupant {
  /** By connection key (`node/connection`). */
  connections: Map<string, RoomConnection>;
  /** The room presence of the connection updated last (kept while the leave is held back). */
  presence: JsonValue | null;
  /** The log time at which the member's last connection left: the leave is final a grace later. Null while in. */
  leavingSince: number | null;
}

/** Rooms as a snapshot holds them (see {@link RoomState.export}). */
export type SharedRoomState = Array<
  [string, Array<[string, { presence: JsonValue | null; leavingSince: number | null; connections: Array<[string, RoomConnection]> }]>]
>;

/** What the room state tells the node. */
export interface RoomStateHooks {
  /** The member `userId` of `room` entered, changed or left: watchers hear of it at the next tick. */
  changed(room: string, userId: string): void;
  /** A broadcast from the connection `fromKey`, in the room: for the room's watchers, never stored. */
  event(room: string, fromKey: string, userId: string, event: JsonValue): void;
  /** Sends a command through the log (a leave whose grace ran out). */
  fire(command: LogCommand): void;
  /** The node's clock, for the grace timers (the state itself is stamped with the log's clock). */
  now(): number;
}

const keyOf = (node: string, connection: string) => `${node}/${connection}`;
/** Where a lane's key (`node/connection#lane`) names its lane, or -1 for a socket's own key. */
const laneMark = (key: string) => key.indexOf('#', key.indexOf('/') + 1);
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Who is in which room, on every node alike: it changes only by log entries (enter, presence, leave, a
 * connection or node gone, a grace run out), stamped with the log's clock. A member whose last connection
 * leaves stays for `graceMs`, so a reload or a network blip never shows a leave and an enter; every node
 * then sends the final `room-expire`, and whichever the log orders first applies.
 *
 * @example
 * ```ts
 * const rooms = new RoomState(5_000, { changed: (room, user) => fanOut.touch(room, user), fire, now: Date.now });
 * rooms.enter(at, 'n1', '7', 'ada', 'doc:42', { cursor: null });
 * ```
 */
export class RoomState {
  private readonly rooms = new Map<string, Map<string, Occupant>>();
  /** Per connection key, the rooms it is in and as whom. */
  private readonly byConnection = new Map<string, Map<string, string>>();
  /** Per socket's key, the keys of its lanes in rooms (`node/connection#lane`: tabs sharing the socket). */
  private readonly lanes = new Map<string, Set<string>>();
  /** Per user, the rooms they occupy (to mark them when the user's visibility flips). */
  private readonly byUser = new Map<string, Set<string>>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private updates = 0;

  constructor(
    private readonly graceMs: number,
    private readonly hooks: RoomStateHooks,
  ) {}

  /** The occupant `userId` of `room`, if any (leaving ones included). */
  occupant(room: string, userId: string): Occupant | undefined {
    return this.rooms.get(room)?.get(userId);
  }

  /** Every occupant of `room`. */
  occupants(room: string): ReadonlyMap<string, Occupant> {
    return this.rooms.get(room) ?? NONE;
  }

  /** The rooms `userId` occupies. */
  roomsOf(userId: string): ReadonlySet<string> {
    return this.byUser.get(userId) ?? NO_ROOMS;
  }

  /** Applies a room command of the log, stamped `at` by the log's clock. */
  apply(command: RoomCommand, at: number): void {
    switch (command.type) {
      case 'room-enter':
        return this.enter(at, command.node, command.connection, command.userId, command.room, command.presence);
      case 'room-presence':
        return this.update(command.node, command.connection, command.userId, command.room, command.presence);
      case 'room-leave':
        return this.leave(at, command.node, command.connection, command.room);
      case 'room-expire':
        return this.expire(command.room, command.userId, command.since);
      case 'room-broadcast': {
        const key = keyOf(command.node, command.connection);
        // Only from a connection in the room (it may have left while the event was on its way).
        if (this.byConnection.get(key)?.get(command.room) === command.userId) this.hooks.event(command.room, key, command.userId, command.event);
        return;
      }
    }
  }

  /** The user's visibility flipped: every room they occupy tells its watchers. */
  touchUser(userId: string): void {
    for (const room of this.roomsOf(userId)) this.hooks.changed(room, userId);
  }

  /** A connection enters (or, in again, replaces its presence). */
  enter(at: number, node: string, connection: string, userId: string, room: string, presence: JsonValue | null): void {
    const key = keyOf(node, connection);
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Map()));
    let occupant = members.get(userId);
    if (!occupant) {
      members.set(userId, (occupant = { connections: new Map(), presence, leavingSince: null }));
      let mine = this.byUser.get(userId);
      if (!mine) this.byUser.set(userId, (mine = new Set()));
      mine.add(room);
    }
    const existing = occupant.connections.get(key);
    occupant.connections.set(key, { presence, enteredAt: existing?.enteredAt ?? at, updated: ++this.updates });
    occupant.presence = presence;
    if (occupant.leavingSince !== null) this.stay(room, userId, occupant);
    this.index(key, room, userId);
    this.hooks.changed(room, userId);
  }

  /** A connection's new room presence; ignored unless it is in the room (it may have left meanwhile). */
  update(node: string, connection: string, userId: string, room: string, presence: JsonValue | null): void {
    const occupant = this.occupant(room, userId);
    const mine = occupant?.connections.get(keyOf(node, connection));
    if (!occupant || !mine) return;
    mine.presence = presence;
    mine.updated = ++this.updates;
    occupant.presence = presence;
    this.hooks.changed(room, userId);
  }

  leave(at: number, node: string, connection: string, room: string): void {
    const key = keyOf(node, connection);
    const rooms = this.byConnection.get(key);
    const userId = rooms?.get(room);
    if (userId === undefined) return;
    rooms!.delete(room);
    if (rooms!.size === 0) this.forget(key);
    this.removeConnection(at, room, userId, key);
  }

  /** A connection closed: it leaves every room it was in, and so does each of its lanes. */
  dropConnection(at: number, node: string, connection: string): void {
    const key = keyOf(node, connection);
    for (const lane of [...(this.lanes.get(key) ?? [])]) this.dropKey(at, lane);
    this.dropKey(at, key);
  }

  /** A node is down: its connections leave every room, each member after the grace, as any leave. */
  dropNode(at: number, node: string): void {
    const prefix = `${node}/`;
    for (const key of [...this.byConnection.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const slash = key.indexOf('/');
      this.dropConnection(at, key.slice(0, slash), key.slice(slash + 1));
    }
  }

  /** A leave's grace ran out: the member leaves, unless they came back meanwhile (`since` no longer theirs). */
  expire(room: string, userId: string, since: number): void {
    const members = this.rooms.get(room);
    const occupant = members?.get(userId);
    if (!occupant || occupant.leavingSince !== since || occupant.connections.size > 0) return;
    this.cancelTimer(room, userId);
    members!.delete(userId);
    if (members!.size === 0) this.rooms.delete(room);
    const mine = this.byUser.get(userId);
    mine?.delete(room);
    if (mine?.size === 0) this.byUser.delete(userId);
    this.hooks.changed(room, userId);
  }

  /** The member as it travels. */
  wire(userId: string, occupant: Occupant): RoomMemberWire {
    return {
      userId,
      presence: occupant.presence,
      connections: [...occupant.connections].map(([id, connection]) => ({ id, presence: connection.presence, enteredAt: iso(connection.enteredAt) })),
    };
  }

  export(): SharedRoomState {
    return [...this.rooms].map(([room, members]) => [
      room,
      [...members].map(([userId, occupant]) => [
        userId,
        { presence: occupant.presence, leavingSince: occupant.leavingSince, connections: [...occupant.connections].map(([key, c]) => [key, { ...c }]) },
      ]),
    ]);
  }

  /** Takes over a snapshot's rooms (a node starting, before it reads the log on); leaves in grace get their timers. */
  restore(state: SharedRoomState | undefined): void {
    for (const [room, members] of state ?? []) {
      for (const [userId, saved] of members) {
        const occupant: Occupant = { presence: saved.presence, leavingSince: saved.leavingSince, connections: new Map(saved.connections) };
        let map = this.rooms.get(room);
        if (!map) this.rooms.set(room, (map = new Map()));
        map.set(userId, occupant);
        let mine = this.byUser.get(userId);
        if (!mine) this.byUser.set(userId, (mine = new Set()));
        mine.add(room);
        for (const [key, connection] of occupant.connections) {
          this.updates = Math.max(this.updates, connection.updated);
          this.index(key, room, userId);
        }
        if (occupant.leavingSince !== null) this.schedule(room, userId, occupant.leavingSince);
      }
    }
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Notes that the connection `key` is in `room` as `userId` (and, for a lane, whose lane it is). */
  private index(key: string, room: string, userId: string): void {
    let rooms = this.byConnection.get(key);
    if (!rooms) this.byConnection.set(key, (rooms = new Map()));
    rooms.set(room, userId);
    const hash = laneMark(key);
    if (hash === -1) return;
    const socket = key.slice(0, hash);
    let lanes = this.lanes.get(socket);
    if (!lanes) this.lanes.set(socket, (lanes = new Set()));
    lanes.add(key);
  }

  /** The connection `key` is in no room any more. */
  private forget(key: string): void {
    this.byConnection.delete(key);
    const hash = laneMark(key);
    if (hash === -1) return;
    const socket = key.slice(0, hash);
    const lanes = this.lanes.get(socket);
    lanes?.delete(key);
    if (lanes?.size === 0) this.lanes.delete(socket);
  }

  private dropKey(at: number, key: string): void {
    const rooms = this.byConnection.get(key);
    this.forget(key);
    for (const [room, userId] of rooms ?? []) this.removeConnection(at, room, userId, key);
  }

  private removeConnection(at: number, room: string, userId: string, key: string): void {
    const occupant = this.occupant(room, userId);
    if (!occupant?.connections.delete(key)) return;
    if (occupant.connections.size > 0) {
      // The member's presence is now their most recently updated remaining connection's.
      let newest: RoomConnection | undefined;
      for (const connection of occupant.connections.values()) if (!newest || connection.updated > newest.updated) newest = connection;
      occupant.presence = newest!.presence;
    } else {
      occupant.leavingSince = at;
      this.schedule(room, userId, at);
    }
    this.hooks.changed(room, userId);
  }

  /** Back within the grace: no leave will be shown. */
  private stay(room: string, userId: string, occupant: Occupant): void {
    occupant.leavingSince = null;
    this.cancelTimer(room, userId);
  }

  private schedule(room: string, userId: string, since: number): void {
    this.cancelTimer(room, userId);
    const delay = Math.max(0, since + this.graceMs - this.hooks.now());
    const timer = setTimeout(() => {
      this.timers.delete(`${room}\u0000${userId}`);
      this.hooks.fire({ type: 'room-expire', room, userId, since });
    }, delay);
    timer.unref?.();
    this.timers.set(`${room}\u0000${userId}`, timer);
  }

  private cancelTimer(room: string, userId: string): void {
    const key = `${room}\u0000${userId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }
}

const NONE: ReadonlyMap<string, Occupant> = new Map();
const NO_ROOMS: ReadonlySet<string> = new Set();
