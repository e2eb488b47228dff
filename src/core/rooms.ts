import { PresenceError } from './errors.ts';
import { kernelOf, once, viewOf, type ChangeListener, type FrameTap, type Kernel, type Unsubscribe } from './kernel.ts';
import type { PresenceCore } from './presence-core.ts';
import { readRoomMessage } from './decode/rooms.ts';
import { ROOM_LIMITS } from './protocol/room-limits.ts';
import type { ServerMessage } from './protocol/messages.ts';
import type { RoomAccess, RoomMemberWire, RoomServerMessage } from './protocol/rooms.ts';
import type { AppUserView, RoomEvent, RoomPresence } from './register.ts';

/** One connection (a tab, a device) through which a member is in the room. */
export interface RoomConnection<P = RoomPresence> {
  /** Opaque, stable while the connection lasts. */
  id: string;
  presence: P | null;
  /** ISO time it entered (server clock). */
  enteredAt: string;
}

/**
 * A room's occupant: a user, however many tabs and devices they are in it from. `presence` is their most
 * recently updated connection's; `user` their profile and global presence as the client holds it (null
 * until loaded). `connections` is empty while the server holds back their leave (a reload, a blip).
 */
export interface RoomMember<P = RoomPresence> {
  userId: string;
  user: AppUserView | null;
  presence: P | null;
  connections: readonly RoomConnection<P>[];
}

/** `entering` until the server answers; `refused` (see `getError()`) or `entered`; `left` after the last `leave()`. */
export type RoomStatus = 'entering' | 'entered' | 'refused' | 'left';

/** Options of {@link enterRoom}. */
export interface EnterRoomOptions<P = RoomPresence> {
  /** Your room presence on entering (default `{}`); kept across reconnects. */
  presence?: P;
  /** Room presence is sent at most once per this many ms (default 100); the latest always goes out. */
  throttleMs?: number;
}

/**
 * A room entered through {@link enterRoom}: who else is here and what they are doing, your own presence
 * there, and events for everyone in it. Every method is safe to call in any status.
 */
export interface Room<P = RoomPresence, E = RoomEvent> {
  readonly id: string;
  getStatus(): RoomStatus;
  /** Why the room was refused (`forbidden`, `limit-exceeded`, ...), or null. */
  getError(): PresenceError | null;
  /** `write`: you appear and may update and broadcast; `read`: you watch unseen. Null until entered. */
  getAccess(): RoomAccess | null;
  /** The other users in the room: a stable array between changes, each member a stable object until it changes. */
  getOthers(): readonly RoomMember<P>[];
  /** You, with your presence as you last set it here and your connections as the server lists them. */
  getSelf(): RoomMember<P> | null;
  /** Shallow-merges `patch` into your room presence: shown at once here, sent throttled. */
  updatePresence(patch: Partial<P>): void;
  /** Hears every change of the room (others, self, status). */
  subscribe(listener: () => void): Unsubscribe;
  /** Sends an event to the room's other connections, now if connected (it is not queued): true when sent. */
  broadcast(event: E): boolean;
  onEvent(listener: (event: E, from: RoomMember<P> | null, userId: string) => void): Unsubscribe;
  /** Lets go of this hold; the room is left when the last holder leaves. */
  leave(): void;
}

interface RoomCore {
  id: string;
  holders: number;
  status: RoomStatus;
  error: PresenceError | null;
  access: RoomAccess | null;
  presence: Record<string, unknown>;
  throttleMs: number;
  rid: number;
  self: string | null;
  members: Map<string, RoomMember>;
  others: readonly RoomMember[] | null;
  selfMember: RoomMember | null;
  retained: Map<string, Unsubscribe>;
  listeners: Set<() => void>;
  eventListeners: Set<(event: unknown, from: RoomMember | null, userId: string) => void>;
  lastSent: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Presence changed since the server last heard it. */
  unsent: boolean;
}

const registries = new WeakMap<Kernel, Map<string, RoomCore>>();
/** Rooms number their requests apart from the core's (which count from 1), so an answer is never mistaken. */
let nextRid = 2 ** 30;

/**
 * Enters a room (`doc:42`, `channel:general`): who is here, live, with each one's room presence. Holders
 * share a room: entering one already entered gives another hold on it, and the room is left when the last
 * holder calls `leave()`. After a reconnect the client enters again with the same presence; the server's
 * leave grace means nobody sees you leave and come back.
 *
 * @example
 * ```ts
 * import { enterRoom } from 'presence-kit/core';
 *
 * const room = enterRoom(client, 'doc:42', { presence: { cursor: null } });
 * room.subscribe(() => render(room.getOthers()));
 * window.addEventListener('pointermove', (e) => room.updatePresence({ cursor: { x: e.clientX, y: e.clientY } }));
 * room.onEvent((event, from) => toast(`${from?.user?.displayName} reacted ${event.emoji}`));
 * // later
 * room.leave();
 * ```
 */
export function enterRoom<P = RoomPresence, E = RoomEvent>(client: PresenceCore, roomId: string, options: EnterRoomOptions<P> = {}): Room<P, E> {
  // eslint-disable-next-line no-control-regex
  if (typeof roomId !== 'string' || roomId.length === 0 || roomId.length > ROOM_LIMITS.id || /[\u0000-\u001f\u007f-\u009f]/.test(roomId)) {
    throw new PresenceError('invalid-input', `room id: 1-${ROOM_LIMITS.id} characters without control characters`);
  }
  const kernel = kernelOf(client);
  const rooms = registries.get(kernel) ?? startRegistry(client, kernel);
  let room = rooms.get(roomId);
  if (!room) {
    room = {
      id: roomId,
      holders: 0,
      status: 'entering',
      error: null,
      access: null,
      presence: { ...((options.presence ?? {}) as Record<string, unknown>) },
      throttleMs: options.throttleMs ?? 100,
      rid: 0,
      self: null,
      members: new Map(),
      others: null,
      selfMember: null,
      retained: new Map(),
      listeners: new Set(),
      eventListeners: new Set(),
      lastSent: 0,
      timer: undefined,
      unsent: false,
    };
    rooms.set(roomId, room);
    sendEnter(kernel, room);
  }
  room.holders += 1;
  const core = room;
  const me = () => client.state.getState().currentUserId;
  let gone = false;
  return {
    id: roomId,
    getStatus: () => (gone ? 'left' : core.status),
    getError: () => core.error,
    getAccess: () => core.access,
    getOthers() {
      const mine = me();
      return (core.others ??= [...core.members.values()].filter((member) => member.userId !== mine)) as readonly RoomMember<P>[];
    },
    getSelf() {
      const mine = me();
      if (mine === null) return null;
      const server = core.members.get(mine);
      core.selfMember ??= {
        userId: mine,
        user: viewOf(kernel.store.peek(mine)) as AppUserView | null,
        presence: core.presence as RoomPresence,
        connections: server?.connections ?? [],
      };
      return core.selfMember as RoomMember<P>;
    },
    updatePresence(patch) {
      core.presence = { ...core.presence, ...(patch as Record<string, unknown>) };
      core.unsent = true;
      core.selfMember = null;
      notify(kernel, core);
      schedulePresence(kernel, core);
    },
    subscribe(listener) {
      core.listeners.add(listener);
      return () => core.listeners.delete(listener);
    },
    broadcast(event) {
      return core.status === 'entered' && core.access === 'write' && kernel.send({ type: 'room-broadcast', room: roomId, event: event as never });
    },
    onEvent(listener) {
      const wrapped = listener as (event: unknown, from: RoomMember | null, userId: string) => void;
      core.eventListeners.add(wrapped);
      return () => core.eventListeners.delete(wrapped);
    },
    leave: once(() => {
      gone = true;
      core.holders -= 1;
      // Left a microtask later: a holder that lets go and takes hold again at once (React StrictMode's
      // unmount and mount, a component moving) keeps the room instead of leaving and entering.
      queueMicrotask(() => {
        if (core.holders > 0 || rooms.get(roomId) !== core) return;
        rooms.delete(roomId);
        clearTimeout(core.timer);
        for (const release of core.retained.values()) release();
        core.retained.clear();
        if (core.status === 'entered' || core.status === 'entering') kernel.send({ type: 'room-leave', room: roomId });
        core.status = 'left';
        notify(kernel, core);
      });
    }),
  };
}

/**
 * The client's room machinery, made when its first room is entered and kept: frames about a room left a
 * moment ago are still on their way, and are dropped here rather than reported as unknown.
 */
function startRegistry(client: PresenceCore, kernel: Kernel): Map<string, RoomCore> {
  const rooms = new Map<string, RoomCore>();
  const take = (data: unknown): boolean => {
    // An `error` answering a room's `room-enter`: the room is refused, and says so in its status.
    const refusal = data as ServerMessage;
    if (refusal?.type === 'error') {
      const refused = [...rooms.values()].filter((room) => refusal.rid !== undefined && room.rid === refusal.rid);
      for (const room of refused) {
        room.status = 'refused';
        room.error = new PresenceError(refusal.code, refusal.message);
        notify(kernel, room);
      }
      return refused.length > 0;
    }
    const parsed = readRoomMessage(data);
    if (!parsed) return false;
    if (!parsed.ok) kernel.report(new PresenceError('bad-message', `invalid room frame from the server: ${parsed.reason}`));
    else {
      const room = rooms.get(parsed.value.room);
      if (room) kernel.safely(() => apply(client, kernel, room, parsed.value));
    }
    return true;
  };
  const tap: FrameTap = (direction, frame) => {
    if (direction !== 'in') return;
    // A new connection: enter every room again, with the presence as it is now.
    if (frame.type === 'welcome') for (const room of rooms.values()) sendEnter(kernel, room);
  };
  // A member's profile or global presence changed: their member object follows.
  const onChange: ChangeListener = (id) => {
    for (const room of rooms.values()) {
      const member = room.members.get(id);
      if (!member) continue;
      room.members.set(id, { ...member, user: viewOf(kernel.store.peek(id)) as AppUserView | null });
      room.others = null;
      room.selfMember = null;
      notify(kernel, room);
    }
  };
  const before = kernel.other;
  kernel.other = (data) => take(data) || (before?.(data) ?? false);
  kernel.taps.add(tap);
  kernel.changes.add(onChange);
  registries.set(kernel, rooms);
  return rooms;
}

function sendEnter(kernel: Kernel, room: RoomCore): void {
  // Not connected: the welcome of the next connection enters every room.
  if (kernel.store.state.getState().status !== 'connected') return;
  room.rid = nextRid++;
  room.unsent = false;
  room.lastSent = Date.now();
  kernel.send({ type: 'room-enter', rid: room.rid, room: room.id, presence: room.presence as never });
}

function schedulePresence(kernel: Kernel, room: RoomCore): void {
  if (room.timer !== undefined) return;
  const send = () => {
    room.timer = undefined;
    // Not in yet: the answer to the enter sends what changed meanwhile.
    if (!room.unsent || room.status !== 'entered' || room.access !== 'write') return;
    room.unsent = false;
    room.lastSent = Date.now();
    kernel.send({ type: 'room-presence', room: room.id, presence: room.presence as never });
  };
  const wait = room.lastSent + room.throttleMs - Date.now();
  if (wait <= 0) send();
  else room.timer = setTimeout(send, wait);
}

function apply(client: PresenceCore, kernel: Kernel, room: RoomCore, message: RoomServerMessage): void {
  switch (message.type) {
    case 'room': {
      // An answer to an earlier enter (before a reconnect) is not this connection's.
      if (message.rid !== room.rid) return;
      room.status = 'entered';
      room.error = null;
      room.access = message.access;
      room.self = message.self;
      const listed = new Set<string>();
      for (const wire of message.members) {
        listed.add(wire.userId);
        upsert(client, kernel, room, wire);
      }
      for (const id of [...room.members.keys()]) if (!listed.has(id)) remove(room, id);
      room.others = null;
      room.selfMember = null;
      notify(kernel, room);
      if (room.unsent) schedulePresence(kernel, room);
      return;
    }
    case 'room-update':
      for (const wire of message.members) upsert(client, kernel, room, wire);
      for (const id of message.left) remove(room, id);
      room.others = null;
      room.selfMember = null;
      notify(kernel, room);
      return;
    case 'room-event':
      for (const listener of room.eventListeners) kernel.safely(() => listener(message.event, room.members.get(message.userId) ?? null, message.userId));
      return;
  }
}

/** A member as the server sent it: the object is replaced only when something in it changed. */
function upsert(client: PresenceCore, kernel: Kernel, room: RoomCore, wire: RoomMemberWire): void {
  const existing = room.members.get(wire.userId);
  if (existing && sameWire(existing, wire)) return;
  if (!room.retained.has(wire.userId)) room.retained.set(wire.userId, client.retainUser(wire.userId));
  room.members.set(wire.userId, { ...wire, user: viewOf(kernel.store.peek(wire.userId)) as AppUserView | null } as RoomMember);
}

function remove(room: RoomCore, userId: string): void {
  if (!room.members.delete(userId)) return;
  room.retained.get(userId)?.();
  room.retained.delete(userId);
}

function sameWire(member: RoomMember, wire: RoomMemberWire): boolean {
  return JSON.stringify([member.presence, member.connections]) === JSON.stringify([wire.presence, wire.connections]);
}

function notify(kernel: Kernel, room: RoomCore): void {
  for (const listener of room.listeners) kernel.safely(listener);
}
