import { checkJson, LIMITS, ROOM_LIMITS, type ErrorCode, type JsonValue, type RoomClientMessage, type RoomServerMessage } from '../core/protocol/index.ts';
import type { Connection } from './connection.ts';
import type { HubLimits } from './hub-options.ts';
import type { Outbox } from './outbox.ts';
import type { PresenceLog } from './presence-log.ts';
import { roomAccess } from './room-access.ts';
import type { RoomFanOut } from './room-fan-out.ts';
import { TokenBucket } from './rate-limit.ts';
import type { PresenceStore } from './store.ts';

/** How a refusal is answered (see `ClientFrames.refuse`). */
export type Refuse = (connection: Connection, rid: number | undefined, code: ErrorCode, message: string, retryAfterMs?: number) => void;

/**
 * What a connection may do in rooms: enter (as its session allows), leave, update its room presence and
 * broadcast. Entering with `write` and every change go through the log, so every node holds the same
 * rooms; `read` only watches, on this node. A room the session may not enter is refused with `forbidden`
 * and nothing about it: not its occupants, not their count.
 *
 * @example
 * ```ts
 * const roomFrames = new RoomFrames({ fanOut, outbox, presenceLog, store, limits, node: () => name, refuse, now: Date.now });
 * roomFrames.handle(connection, 'ada', { type: 'room-enter', rid: 1, room: 'doc:42' });
 * ```
 */
export class RoomFrames {
  constructor(
    private readonly deps: {
      fanOut: RoomFanOut;
      outbox: Outbox;
      presenceLog: PresenceLog;
      store: PresenceStore;
      limits: HubLimits;
      node: () => string;
      refuse: Refuse;
      now: () => number;
    },
  ) {}

  handle(connection: Connection, userId: string, message: RoomClientMessage): void {
    switch (message.type) {
      case 'room-enter':
        return this.enter(connection, userId, message.rid, message.room, message.presence ?? null, message.lane ?? '');
      case 'room-leave':
        return this.leave(connection, message.rid, message.room, message.lane ?? '');
      case 'room-presence': {
        if (!this.writer(connection, message.room, message.lane ?? '')) return;
        const { roomUpdatesPerSecond: perSecond, roomPresenceBytes } = this.deps.limits;
        const bucket = (connection.roomUpdates ??= new TokenBucket(perSecond * 2, perSecond, this.deps.now));
        if (!bucket.take()) return this.deps.refuse(connection, undefined, 'rate-limited', 'too many room presence updates', bucket.retryAfterMs());
        if (!this.fits(connection, undefined, message.presence, roomPresenceBytes, 'room presence')) return;
        this.deps.presenceLog.append({
          type: 'room-presence',
          ...this.origin(connection, userId, message.lane),
          room: message.room,
          presence: message.presence,
        });
        return;
      }
      case 'room-broadcast': {
        if (!this.writer(connection, message.room, message.lane ?? '')) return;
        const { roomBroadcastsPerSecond: perSecond, roomEventBytes } = this.deps.limits;
        const bucket = (connection.roomBroadcasts ??= new TokenBucket(perSecond * 2, perSecond, this.deps.now));
        if (!bucket.take()) return this.deps.refuse(connection, undefined, 'rate-limited', 'too many room broadcasts', bucket.retryAfterMs());
        if (!this.fits(connection, undefined, message.event, roomEventBytes, 'a room event')) return;
        this.deps.presenceLog.append({ type: 'room-broadcast', ...this.origin(connection, userId, message.lane), room: message.room, event: message.event });
        return;
      }
      case 'room-window': {
        const request = { from: message.from, count: message.count, query: (message.query ?? '').trim().toLowerCase(), lane: message.lane ?? '' };
        if (!this.deps.fanOut.setWindow(connection, userId, message.room, request, message.rid)) {
          this.deps.refuse(connection, message.rid, 'forbidden', 'not in that room: enter it first');
        }
        return;
      }
    }
  }

  /**
   * `lane`: '' for the socket itself, else the tab sharing the socket that enters (a connection of its own
   * in the room, named `<connection>#<lane>`).
   */
  private enter(connection: Connection, userId: string, rid: number | undefined, room: string, presence: JsonValue | null, lane: string): void {
    const { fanOut, outbox, limits, refuse } = this.deps;
    const access = roomAccess(this.deps.store.getSession(connection.sessionId!)?.rooms, room);
    if (access === null) return refuse(connection, rid, 'forbidden', 'this session may not enter that room');
    const inRoom = connection.lanes?.get(room);
    if (!inRoom && (connection.rooms?.size ?? 0) >= limits.roomsPerConnection) {
      return refuse(connection, rid, 'limit-exceeded', `at most ${limits.roomsPerConnection} rooms per connection`);
    }
    if (inRoom && !inRoom.has(lane) && inRoom.size >= ROOM_LIMITS.lanes) {
      return refuse(connection, rid, 'limit-exceeded', `at most ${ROOM_LIMITS.lanes} tabs per room on one connection`);
    }
    if (!this.fits(connection, rid, presence, limits.roomPresenceBytes, 'room presence')) return;
    const answer = () => {
      if (connection.closing) return;
      fanOut.watch(connection, room, access);
      const lanes = (connection.lanes ??= new Map());
      lanes.set(room, (lanes.get(room) ?? new Set()).add(lane));
      const self = fanOut.keyOf(connection) + (lane && `#${lane}`);
      const frame: RoomServerMessage = { type: 'room', rid, room, access, self, ...fanOut.entered(room, userId) };
      outbox.sendRaw(connection, JSON.stringify(frame));
    };
    if (access === 'read') return answer();
    this.deps.presenceLog.append({ type: 'room-enter', ...this.origin(connection, userId, lane), room, presence }, answer, () =>
      refuse(connection, rid, 'server-error', 'could not enter the room: try again'),
    );
  }

  private leave(connection: Connection, rid: number | undefined, room: string, lane: string): void {
    const access = connection.rooms?.get(room);
    const inRoom = connection.lanes?.get(room);
    const was = inRoom?.delete(lane) === true;
    this.deps.fanOut.endWindow(connection, room, lane);
    // The socket hears of the room while any of its lanes is in it.
    if (!inRoom || inRoom.size === 0) {
      connection.lanes?.delete(room);
      this.deps.fanOut.unwatch(connection, room);
    }
    if (was && access === 'write') this.deps.presenceLog.append({ type: 'room-leave', node: this.deps.node(), connection: laneOf(connection, lane), room });
    if (rid !== undefined) this.deps.outbox.send(connection, { type: 'ack', rid });
  }

  /** In the room with `write`; otherwise refused (a `read` watcher neither appears nor speaks). */
  private writer(connection: Connection, room: string, lane: string): boolean {
    const access = connection.lanes?.get(room)?.has(lane) ? connection.rooms?.get(room) : undefined;
    if (access === 'write') return true;
    this.deps.refuse(
      connection,
      undefined,
      'forbidden',
      access === 'read' ? 'read access to this room: you cannot update or broadcast' : 'not in that room: enter it first',
    );
    return false;
  }

  private fits(connection: Connection, rid: number | undefined, value: JsonValue | null, maxBytes: number, what: string): boolean {
    const verdict = checkJson(value, maxBytes, LIMITS.jsonDepth);
    if (typeof verdict === 'number') return true;
    this.deps.refuse(connection, rid, verdict.startsWith('is ') ? 'too-large' : 'invalid-input', `${what} ${verdict}`);
    return false;
  }

  private origin(connection: Connection, userId: string, lane = ''): { node: string; connection: string; userId: string } {
    return { node: this.deps.node(), connection: laneOf(connection, lane), userId };
  }
}

/** A lane's name as a connection in the room state: `<connection>#<lane>` (the socket's own id for ''). */
const laneOf = (connection: Connection, lane: string): string => connection.id + (lane && `#${lane}`);
