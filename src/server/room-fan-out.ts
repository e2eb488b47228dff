import type { JsonValue, RoomAccess, RoomMemberWire, RoomServerMessage } from '../core/protocol/index.ts';
import type { Connection } from './connection.ts';
import type { Outbox } from './outbox.ts';
import type { RoomState } from './room-state.ts';
import type { PresenceStore } from './store.ts';

/**
 * Who on this node hears of which room, and what they hear: the members who changed within a tick, in one
 * `room-update` per room and watcher, built once and shared by every watcher no block concerns. A member
 * is shown while they occupy the room and are not invisible; a user a block hides from a viewer is never
 * shown to that viewer (the audience rule scopes global presence, not rooms: being in a room is its own scope), and a member invisible from the start is never mentioned at all (not even as left).
 *
 * @example
 * ```ts
 * const fanOut = new RoomFanOut(rooms, store, isInvisible, outbox, () => nodeName, 50);
 * fanOut.watch(connection, 'doc:42', 'write');
 * fanOut.touch('doc:42', 'ada'); // ada's change reaches the room's watchers at the next tick
 * ```
 */
export class RoomFanOut {
  private readonly watchers = new Map<string, Set<Connection>>();
  /** Per watched room, the members its watchers on this node were last told are there. */
  private readonly announced = new Map<string, Set<string>>();
  private readonly dirty = new Map<string, Set<string>>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly rooms: RoomState,
    private readonly store: PresenceStore,
    private readonly isInvisible: (userId: string) => boolean,
    private readonly outbox: Outbox,
    /** This node's name in the log: with a connection's id, its key in the room state. */
    private readonly node: () => string,
    private readonly tickMs: number,
  ) {}

  /** A connection's key in the room state and in members' `connections`. */
  keyOf(connection: Connection): string {
    return `${this.node()}/${connection.id}`;
  }

  /** A connection hears of the room from now on. */
  watch(connection: Connection, room: string, access: RoomAccess): void {
    (connection.rooms ??= new Map()).set(room, access);
    let set = this.watchers.get(room);
    if (!set) this.watchers.set(room, (set = new Set()));
    set.add(connection);
    if (!this.announced.has(room)) {
      const shown = new Set<string>();
      for (const userId of this.rooms.occupants(room).keys()) if (this.shows(userId)) shown.add(userId);
      this.announced.set(room, shown);
    }
  }

  unwatch(connection: Connection, room: string): void {
    connection.rooms?.delete(room);
    const set = this.watchers.get(room);
    set?.delete(connection);
    if (set?.size !== 0) return;
    this.watchers.delete(room);
    this.announced.delete(room);
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

  /** The member changed, entered or left: their watchers hear of it at the next tick. */
  touch(room: string, userId: string): void {
    if (!this.watchers.has(room)) return;
    let users = this.dirty.get(room);
    if (!users) this.dirty.set(room, (users = new Set()));
    users.add(userId);
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), this.tickMs);
    this.timer.unref?.();
  }

  /** A broadcast: to every watcher of the room but the sending connection and those a block hides the sender from. */
  event(room: string, fromKey: string, userId: string, event: JsonValue): void {
    const set = this.watchers.get(room);
    if (!set) return;
    const hidden = this.store.blockPartners(userId);
    const frame = JSON.stringify({ type: 'room-event', room, userId, event } satisfies RoomServerMessage);
    for (const connection of set) {
      // Not to the sending socket, whichever of its lanes sent it: the tab holding the socket hands the
      // event to its other lanes itself.
      const key = this.keyOf(connection);
      if (connection.userId === null || hidden.has(connection.userId) || fromKey === key || fromKey.startsWith(`${key}#`)) continue;
      this.outbox.sendRaw(connection, frame);
    }
  }

  /** After a block or unblock between `a` and `b`: each sees the other leave or come back in the rooms they share. */
  relationChanged(a: string, b: string): void {
    this.showTo(a, b);
    this.showTo(b, a);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private showTo(viewer: string, subject: string): void {
    const blocked = this.store.blockPartners(subject).has(viewer);
    for (const room of this.rooms.roomsOf(subject)) {
      const set = this.watchers.get(room);
      if (!set || !this.announced.get(room)?.has(subject)) continue;
      const occupant = this.rooms.occupant(room, subject)!;
      const message: RoomServerMessage = blocked
        ? { type: 'room-update', room, members: [], left: [subject] }
        : { type: 'room-update', room, members: [this.rooms.wire(subject, occupant)], left: [] };
      const frame = JSON.stringify(message);
      for (const connection of set) if (connection.userId === viewer) this.outbox.sendRaw(connection, frame);
    }
  }

  private shows(userId: string): boolean {
    return !this.isInvisible(userId) && this.store.getUser(userId) !== undefined;
  }

  /** One tick's changes: per room, one frame for every watcher no block concerns, one per watcher that it does. */
  private flush(): void {
    this.timer = undefined;
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const [room, users] of dirty) {
      const set = this.watchers.get(room);
      const announced = this.announced.get(room);
      if (!set || !announced) continue;
      const members: RoomMemberWire[] = [];
      const left: string[] = [];
      for (const userId of users) {
        const occupant = this.rooms.occupant(room, userId);
        if (occupant && this.shows(userId)) {
          members.push(this.rooms.wire(userId, occupant));
          announced.add(userId);
        } else if (announced.delete(userId)) left.push(userId);
      }
      if (members.length === 0 && left.length === 0) continue;
      let shared: string | undefined;
      for (const connection of set) {
        const hidden = this.store.blockPartners(connection.userId!);
        const concerns = hidden.size > 0 && (members.some((m) => hidden.has(m.userId)) || left.some((id) => hidden.has(id)));
        if (!concerns) {
          this.outbox.sendRaw(connection, (shared ??= JSON.stringify({ type: 'room-update', room, members, left } satisfies RoomServerMessage)));
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
  }
}

const NO_ONE: ReadonlySet<string> = new Set();
