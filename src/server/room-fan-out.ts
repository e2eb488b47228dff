import type { JsonValue, RoomAccess, RoomMemberWire, RoomServerMessage } from '../core/protocol/index.ts';
import type { Connection } from './connection.ts';
import type { Outbox } from './outbox.ts';
import { RoomOrder } from './room-order.ts';
import type { RoomState } from './room-state.ts';
import type { PresenceStore } from './store.ts';

/** A lane's window on a room's members (see `room-window`), and what it was last sent. */
export interface RoomWindow {
  connection: Connection;
  room: string;
  /** '' for the socket itself. */
  lane: string;
  from: number;
  count: number;
  /** Lower case; '' for none. */
  query: string;
  ids: readonly string[];
  held: ReadonlySet<string>;
}

/** One room as this node's watchers of it see it. */
interface Watched {
  watchers: Set<Connection>;
  /** While small: the members its watchers were last told are there. */
  announced: Set<string>;
  /** The members shown (occupying, not invisible), in the room's order. */
  order: RoomOrder;
  large: boolean;
  windows: Set<RoomWindow>;
  /** While large: the count changed since it was last sent. */
  countDirty: boolean;
  countSentAt: number;
  /** Every window is checked at the next tick (a block changed what some viewers may see). */
  force: boolean;
}

/** Timing and thresholds of {@link RoomFanOut}. */
export interface RoomFanOutOptions {
  /** Changes within this long reach a watcher as one frame. */
  tickMs: number;
  /** Above this many members a room is large (per room: a number for every room, or a function of its id). */
  announceMax: number | ((room: string) => number);
  /** A large room's count reaches its watchers at most this often. */
  countIntervalMs: number;
  now: () => number;
}

/**
 * Who on this node hears of which room, and what they hear. A member is shown while they occupy the room
 * and are not invisible; a user a block hides from a viewer is never shown or counted for that viewer (the
 * audience rule scopes global presence, not rooms: being in a room is its own scope), and a member
 * invisible from the start is never mentioned at all (not even as left).
 *
 * Up to `announceMax` members (a room's own threshold), watchers hear of every member's change: one
 * `room-update` per room and watcher a tick, built once and shared by every watcher no block concerns.
 * Past it (until back under nine tenths of it, so a room at the threshold does not flap) the room is large:
 * its watchers hear its count at most once a second, their own member's changes, and the members in their
 * windows (rows of the room in its stable order), each watcher one frame a tick.
 *
 * @example
 * ```ts
 * const fanOut = new RoomFanOut(rooms, store, isInvisible, outbox, () => nodeName, { tickMs: 50, announceMax: 100, countIntervalMs: 1000, now: Date.now });
 * fanOut.watch(connection, 'doc:42', 'write');
 * fanOut.touch('doc:42', 'ada'); // ada's change reaches the room's watchers at the next tick
 * ```
 */
export class RoomFanOut {
  private readonly watched = new Map<string, Watched>();
  private readonly dirty = new Map<string, Set<string>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private countTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly rooms: RoomState,
    private readonly store: PresenceStore,
    private readonly isInvisible: (userId: string) => boolean,
    private readonly outbox: Outbox,
    /** This node's name in the log: with a connection's id, its key in the room state. */
    private readonly node: () => string,
    private readonly options: RoomFanOutOptions,
  ) {}

  /** A connection's key in the room state and in members' `connections`. */
  keyOf(connection: Connection): string {
    return `${this.node()}/${connection.id}`;
  }

  /** A connection hears of the room from now on. */
  watch(connection: Connection, room: string, access: RoomAccess): void {
    (connection.rooms ??= new Map()).set(room, access);
    let watched = this.watched.get(room);
    if (!watched) {
      const order = new RoomOrder(this.store);
      for (const userId of this.rooms.occupants(room).keys()) order.place(userId, this.shows(userId));
      order.takeTouched();
      const large = order.size > this.announceMax(room);
      watched = {
        watchers: new Set(),
        announced: new Set(large ? [] : order.ids),
        order,
        large,
        windows: new Set(),
        countDirty: false,
        countSentAt: 0,
        force: false,
      };
      this.watched.set(room, watched);
    }
    watched.watchers.add(connection);
  }

  unwatch(connection: Connection, room: string): void {
    connection.rooms?.delete(room);
    connection.roomCounts?.delete(room);
    const watched = this.watched.get(room);
    if (!watched) return;
    for (const window of [...watched.windows]) if (window.connection === connection) this.endWindow(connection, room, window.lane);
    watched.watchers.delete(connection);
    if (watched.watchers.size !== 0) return;
    this.watched.delete(room);
    this.dirty.delete(room);
  }

  /** A connection gone: it hears of no room any more. */
  remove(connection: Connection): void {
    for (const room of [...(connection.rooms?.keys() ?? [])]) this.unwatch(connection, room);
    connection.lanes?.clear();
  }

  /** The room's members as `viewerId` may see them (null: an admin, whom no block concerns). */
  members(room: string, viewerId: string | null): RoomMemberWire[] {
    const hidden = viewerId === null ? NO_ONE : this.store.blockPartners(viewerId);
    const members: RoomMemberWire[] = [];
    for (const [userId, occupant] of this.rooms.occupants(room)) {
      if (this.shows(userId) && !hidden.has(userId)) members.push(this.rooms.wire(userId, occupant));
    }
    return members;
  }

  /**
   * What the answer to entering a watched room lists: every member the viewer may see, or, in a large
   * room, only the viewer's own member, with the room's count.
   */
  entered(room: string, viewerId: string): { members: RoomMemberWire[]; large?: true; count?: number } {
    const watched = this.watched.get(room);
    // The mode as the room is now, not at the last tick: an answer never lists a large room in full.
    if (watched) this.checkMode(room, watched);
    if (!watched?.large) return { members: this.members(room, viewerId) };
    const mine = this.rooms.occupant(room, viewerId);
    return { members: mine && watched.order.has(viewerId) ? [this.rooms.wire(viewerId, mine)] : [], large: true, count: this.countFor(watched, viewerId) };
  }

  /** The member changed, entered or left: their watchers hear of it at the next tick. */
  touch(room: string, userId: string): void {
    const watched = this.watched.get(room);
    if (!watched) return;
    // The order follows at once: a window asked for before the tick sees the member where they are.
    const size = watched.order.size;
    watched.order.place(userId, this.rooms.occupant(room, userId) !== undefined && this.shows(userId));
    if (watched.order.size !== size) watched.countDirty = true;
    let users = this.dirty.get(room);
    if (!users) this.dirty.set(room, (users = new Set()));
    users.add(userId);
    this.schedule();
  }

  /** A broadcast: to every watcher of the room but the sending connection and those a block hides the sender from. */
  event(room: string, fromKey: string, userId: string, event: JsonValue): void {
    const watched = this.watched.get(room);
    if (!watched) return;
    const hidden = this.store.blockPartners(userId);
    const frame = Buffer.from(JSON.stringify({ type: 'room-event', room, userId, event } satisfies RoomServerMessage));
    for (const connection of watched.watchers) {
      // Not to the sending socket, whichever of its lanes sent it: the tab holding the socket hands the
      // event to its other lanes itself.
      const key = this.keyOf(connection);
      if (connection.userId === null || hidden.has(connection.userId) || fromKey === key || fromKey.startsWith(`${key}#`)) continue;
      this.outbox.sendShared(connection, frame);
    }
  }

  /** After a block or unblock between `a` and `b`: each sees the other leave or come back in the rooms they share. */
  relationChanged(a: string, b: string): void {
    for (const [viewer, subject] of [
      [a, b],
      [b, a],
    ] as const) {
      for (const room of this.rooms.roomsOf(subject)) {
        const watched = this.watched.get(room);
        if (!watched) continue;
        if (!watched.large) this.showTo(room, watched, viewer, subject);
        else {
          // The viewer's count and rows change: checked at the next tick.
          watched.force = watched.countDirty = true;
          this.schedule();
        }
      }
    }
  }

  /**
   * Sets (or, with `count` 0, ends) a lane's window on a room it is in, answered at once with its rows.
   * False: the lane is not in the room.
   */
  setWindow(
    connection: Connection,
    viewerId: string,
    room: string,
    request: { from: number; count: number; query: string; lane: string },
    rid: number | undefined,
  ): boolean {
    const watched = this.watched.get(room);
    if (!watched || !connection.lanes?.get(room)?.has(request.lane)) return false;
    const key = `${room}\n${request.lane}`;
    let window = connection.roomWindows?.get(key);
    if (request.count === 0) {
      if (window) this.endWindow(connection, room, request.lane);
      window = { connection, room, lane: request.lane, from: request.from, count: 0, query: '', ids: [], held: NO_ONE };
    } else {
      window ??= { connection, room, lane: request.lane, from: 0, count: 0, query: '', ids: [], held: NO_ONE };
      Object.assign(window, { from: request.from, count: request.count, query: request.query });
      (connection.roomWindows ??= new Map()).set(key, window);
      watched.windows.add(window);
    }
    const { ids, total } = this.rowsFor(watched, viewerId, window);
    this.outbox.sendRaw(
      connection,
      this.rowsFrame(
        watched,
        viewerId,
        window,
        ids,
        total,
        ids.filter((id) => !window.held.has(id)),
        new Map(),
        rid,
      ),
    );
    return true;
  }

  /** A lane left the room: its window on it ends. */
  endWindow(connection: Connection, room: string, lane: string): void {
    const key = `${room}\n${lane}`;
    const window = connection.roomWindows?.get(key);
    if (!window) return;
    connection.roomWindows!.delete(key);
    this.watched.get(room)?.windows.delete(window);
  }

  close(): void {
    clearTimeout(this.timer);
    clearTimeout(this.countTimer);
    this.timer = this.countTimer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), this.options.tickMs);
    this.timer.unref?.();
  }

  private announceMax(room: string): number {
    const { announceMax } = this.options;
    return typeof announceMax === 'number' ? announceMax : announceMax(room);
  }

  private showTo(room: string, watched: Watched, viewer: string, subject: string): void {
    if (!watched.announced.has(subject)) return;
    const blocked = this.store.blockPartners(subject).has(viewer);
    const message: RoomServerMessage = blocked
      ? { type: 'room-update', room, members: [], left: [subject] }
      : { type: 'room-update', room, members: [this.rooms.wire(subject, this.rooms.occupant(room, subject)!)], left: [] };
    const frame = JSON.stringify(message);
    for (const connection of watched.watchers) if (connection.userId === viewer) this.outbox.sendRaw(connection, frame);
  }

  private shows(userId: string): boolean {
    return !this.isInvisible(userId) && this.store.getUser(userId) !== undefined;
  }

  /** How many members `viewerId` may see: those shown, less those a block hides from them. */
  private countFor(watched: Watched, viewerId: string): number {
    let count = watched.order.size;
    for (const id of this.store.blockPartners(viewerId)) if (watched.order.has(id)) count--;
    return count;
  }

  /** One tick's changes, room by room. */
  private flush(): void {
    this.timer = undefined;
    const dirty = new Map(this.dirty);
    this.dirty.clear();
    for (const [room, watched] of this.watched) if (watched.force) dirty.set(room, dirty.get(room) ?? new Set());
    for (const [room, users] of dirty) {
      const watched = this.watched.get(room);
      if (!watched) continue;
      // Turned small: the whole room went to every watcher already.
      if (!this.checkMode(room, watched) && !watched.large) this.updateSmall(room, watched, users);
      this.sweep(room, watched, users);
    }
    this.sendCounts();
  }

  /** Switches the room's mode if its size crossed the threshold (with a margin back down); true if it did. */
  private checkMode(room: string, watched: Watched): boolean {
    const max = this.announceMax(room);
    const large = watched.large ? watched.order.size > max - Math.max(1, Math.floor(max / 10)) : watched.order.size > max;
    if (large === watched.large) return false;
    if (large) this.turnLarge(room, watched);
    else this.turnSmall(room, watched);
    return true;
  }

  /**
   * Past the threshold: every watcher is told first (before the change that crossed it), with its count,
   * and from now on hears only of itself and its windows.
   */
  private turnLarge(room: string, watched: Watched): void {
    watched.large = true;
    watched.announced.clear();
    const shared = new Map<string, Buffer>();
    for (const connection of watched.watchers) this.sendCount(room, connection, true, this.countFor(watched, connection.userId!), shared);
    watched.countDirty = false;
    watched.countSentAt = this.options.now();
  }

  /** Back under nine tenths of the threshold: every watcher gets the whole room (`full`), then the mode. */
  private turnSmall(room: string, watched: Watched): void {
    watched.large = false;
    watched.announced = new Set(watched.order.ids);
    // The whole room, built once for every watcher no block concerns.
    let everyone: Buffer | undefined;
    const counts = new Map<string, Buffer>();
    for (const connection of watched.watchers) {
      const hidden = this.store.blockPartners(connection.userId!);
      const members = hidden.size === 0 ? undefined : this.members(room, connection.userId);
      const full = (members: RoomMemberWire[]) => JSON.stringify({ type: 'room-update', room, members, left: [], full: true } satisfies RoomServerMessage);
      if (members) this.outbox.sendRaw(connection, full(members));
      else this.outbox.sendShared(connection, (everyone ??= Buffer.from(full(this.members(room, null)))));
      this.sendCount(room, connection, false, members?.length ?? watched.order.size, counts);
    }
  }

  /** A small room's tick: one frame for every watcher no block concerns, one per watcher that it does. */
  private updateSmall(room: string, watched: Watched, users: ReadonlySet<string>): void {
    const { announced } = watched;
    const members: RoomMemberWire[] = [];
    const left: string[] = [];
    for (const userId of users) {
      const occupant = this.rooms.occupant(room, userId);
      if (occupant && watched.order.has(userId)) {
        members.push(this.rooms.wire(userId, occupant));
        announced.add(userId);
      } else if (announced.delete(userId)) left.push(userId);
    }
    if (members.length === 0 && left.length === 0) return;
    let shared: Buffer | undefined;
    for (const connection of watched.watchers) {
      const hidden = this.store.blockPartners(connection.userId!);
      const concerns = hidden.size > 0 && (members.some((m) => hidden.has(m.userId)) || left.some((id) => hidden.has(id)));
      if (!concerns) {
        this.outbox.sendShared(connection, (shared ??= Buffer.from(JSON.stringify({ type: 'room-update', room, members, left } satisfies RoomServerMessage))));
        continue;
      }
      const mine = {
        type: 'room-update',
        room,
        members: members.filter((m) => !hidden.has(m.userId)),
        left: left.filter((id) => !hidden.has(id)),
      } satisfies RoomServerMessage;
      if (mine.members.length > 0 || mine.left.length > 0) this.outbox.sendRaw(connection, JSON.stringify(mine));
    }
  }

  /**
   * The windows of a room whose rows or members changed get their rows again; in a large room, a watcher
   * whose own member changed hears of it in that frame, or alone when it has none. Frames the same for
   * several windows (the same rows, the same changes, no block or search of their own) are built once.
   */
  private sweep(room: string, watched: Watched, users: ReadonlySet<string>): void {
    const touched = watched.order.takeTouched();
    const force = watched.force;
    watched.force = false;
    const toldSelf = new Set<Connection>();
    const frames = new Map<string, Buffer>();
    const wires = new Map<string, string>();
    // Plain windows over the same rows share one array of them (and so its joined key and its set).
    const rows = new Map<string, readonly string[]>();
    for (const window of watched.windows) {
      const viewerId = window.connection.userId!;
      const hidden = this.store.blockPartners(viewerId);
      const plain = window.query === '' && hidden.size === 0;
      const rowsMayDiffer = force || !plain || touched < window.from + window.count;
      let ids = window.ids;
      const changed: string[] = [];
      if (rowsMayDiffer) {
        const key = `${window.from}:${window.count}`;
        ids = plain ? (rows.get(key) ?? rows.set(key, this.rowsFor(watched, viewerId, window).ids).get(key)!) : this.rowsFor(watched, viewerId, window).ids;
        for (const id of ids) if (!window.held.has(id) || users.has(id)) changed.push(id);
      } else for (const id of users) if (window.held.has(id)) changed.push(id);
      const self = watched.large && users.has(viewerId) && watched.order.has(viewerId) && !toldSelf.has(window.connection) && !heldOf(ids).has(viewerId);
      if (self) changed.push(viewerId);
      if (changed.length === 0 && sameIds(ids, window.ids)) continue;
      if (watched.large && (self || heldOf(ids).has(viewerId))) toldSelf.add(window.connection);
      const total = plain ? watched.order.size : this.rowsFor(watched, viewerId, { from: 0, count: 0, query: window.query }).total;
      if (!plain || self) {
        this.outbox.sendRaw(window.connection, this.rowsFrame(watched, viewerId, window, ids, total, changed, wires));
        continue;
      }
      const key = `${window.lane}|${window.from}|${joined(window.ids)}|${joined(ids)}`;
      let frame = frames.get(key);
      if (!frame) frames.set(key, (frame = Buffer.from(this.rowsFrame(watched, viewerId, window, ids, total, changed, wires))));
      else this.place(window, ids);
      this.outbox.sendShared(window.connection, frame);
    }
    if (!watched.large) return;
    // Watchers whose own member changed, and who had no window frame to hear it in.
    for (const connection of watched.watchers) {
      const userId = connection.userId!;
      if (!users.has(userId) || toldSelf.has(connection)) continue;
      const occupant = watched.order.has(userId) ? this.rooms.occupant(room, userId) : undefined;
      const message: RoomServerMessage = occupant
        ? { type: 'room-update', room, members: [this.rooms.wire(userId, occupant)], left: [] }
        : { type: 'room-update', room, members: [], left: [userId] };
      this.outbox.sendRaw(connection, JSON.stringify(message));
    }
  }

  /** A large room's count, to the watchers it changed for, at most once per `countIntervalMs` a room. */
  private sendCounts(): void {
    const now = this.options.now();
    let next = Infinity;
    for (const [room, watched] of this.watched) {
      if (!watched.large || !watched.countDirty) continue;
      const due = watched.countSentAt + this.options.countIntervalMs;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      watched.countDirty = false;
      watched.countSentAt = now;
      const shared = new Map<string, Buffer>();
      for (const connection of watched.watchers) {
        const count = this.countFor(watched, connection.userId!);
        if (connection.roomCounts?.get(room) !== count) this.sendCount(room, connection, true, count, shared);
      }
    }
    if (next === Infinity || this.countTimer !== undefined) return;
    this.countTimer = setTimeout(() => {
      this.countTimer = undefined;
      this.sendCounts();
    }, next - now);
    this.countTimer.unref?.();
  }

  /** A `room-count`, encoded once per count among the watchers told in one go (`shared`). */
  private sendCount(room: string, connection: Connection, large: boolean, count: number, shared: Map<string, Buffer>): void {
    (connection.roomCounts ??= new Map()).set(room, count);
    const text = JSON.stringify({ type: 'room-count', room, count, large } satisfies RoomServerMessage);
    this.outbox.sendShared(connection, shared.get(text) ?? shared.set(text, Buffer.from(text)).get(text)!);
  }

  /** The rows of a window as `viewerId` sees the room, and how many match its search in all. */
  private rowsFor(watched: Watched, viewerId: string, window: { from: number; count: number; query: string }): { ids: string[]; total: number } {
    const hidden = this.store.blockPartners(viewerId);
    const end = window.from + window.count;
    if (window.query === '' && hidden.size === 0) return { ids: watched.order.ids.slice(window.from, end), total: watched.order.size };
    const ids: string[] = [];
    let total = 0;
    for (const id of watched.order.ids) {
      if (hidden.has(id) || (window.query !== '' && !watched.order.matches(id, window.query))) continue;
      if (total >= window.from && total < end) ids.push(id);
      total++;
    }
    return { ids, total };
  }

  /** A `room-rows` frame, each member serialized once a tick (`wires`); the window now holds `ids`. */
  private rowsFrame(
    watched: Watched,
    viewerId: string,
    window: RoomWindow,
    ids: readonly string[],
    total: number,
    changed: readonly string[],
    wires: Map<string, string>,
    rid?: number,
  ): string {
    const members: string[] = [];
    for (const id of changed) {
      let wire = wires.get(id);
      if (wire === undefined) {
        const occupant = this.rooms.occupant(window.room, id);
        if (!occupant) continue;
        wires.set(id, (wire = JSON.stringify(this.rooms.wire(id, occupant))));
      }
      members.push(wire);
    }
    this.place(window, ids);
    const count = total === watched.order.size && window.query === '' ? total : this.countFor(watched, viewerId);
    return `{"type":"room-rows",${rid === undefined ? '' : `"rid":${rid},`}"room":${JSON.stringify(window.room)},${window.lane === '' ? '' : `"lane":${JSON.stringify(window.lane)},`}"from":${window.from},"ids":${JSON.stringify(ids)},"members":[${members.join(',')}],"total":${total},"count":${count}}`;
  }

  private place(window: RoomWindow, ids: readonly string[]): void {
    window.ids = ids;
    window.held = heldOf(ids);
  }
}

const sets = new WeakMap<readonly string[], ReadonlySet<string>>();
/** The rows as a set, kept per array (windows over the same rows share it). */
function heldOf(ids: readonly string[]): ReadonlySet<string> {
  let set = sets.get(ids);
  if (!set) sets.set(ids, (set = new Set(ids)));
  return set;
}

const texts = new WeakMap<readonly string[], string>();
/** The rows as one string, kept per array. */
function joined(ids: readonly string[]): string {
  let text = texts.get(ids);
  if (text === undefined) texts.set(ids, (text = ids.join(',')));
  return text;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, at) => b[at] === id);
}

const NO_ONE: ReadonlySet<string> = new Set();
