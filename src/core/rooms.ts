import { PresenceError } from './errors.ts';
import { kernelOf, once, viewOf, type ChangeListener, type FrameTap, type Kernel, type Unsubscribe } from './kernel.ts';
import type { PresenceCore } from './presence-core.ts';
import { readRoomMessage } from './decode/rooms.ts';
import { ONLINE_LIST_LIMITS } from './protocol/online-list-limits.ts';
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

/**
 * How many are in the room as you may see them (members a block hides from you and invisible members are
 * not counted; you are, when in with `write`), and whether the room is large: past the server's
 * `roomAnnounceMax`, where you hear only of yourself and the members in your window ({@link Room.watchMembers}).
 * `count` is null until the room is entered.
 */
export interface RoomOccupancy {
  count: number | null;
  large: boolean;
}

/** Which rows of a room's members to watch: `count` rows from `from`, among those matching `query`. */
export interface RoomWindowRequest {
  from: number;
  /** At most 200 (`ONLINE_LIST_LIMITS.windowRows`); more are clamped. */
  count: number;
  /** Searched on the server, in display names and usernames (any case). */
  query?: string;
}

/** What a room window shows: member ids from `from` in the room's order (name, then id); `total` rows match in all. */
export interface RoomWindowState {
  status: 'loading' | 'ready';
  from: number;
  ids: readonly string[];
  total: number;
}

/** A window on a room's members, made by {@link Room.watchMembers}. */
export interface RoomWindow {
  /** The rows as the server last sent them (a stable object between changes). */
  get(): RoomWindowState;
  /** Moves the window (scrolled) or changes its search: the latest request of a microtask is sent. */
  set(request: RoomWindowRequest): void;
  subscribe(listener: () => void): Unsubscribe;
  close(): void;
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
  /**
   * The other users in the room: a stable array between changes, each member a stable object until it
   * changes. In a large room (see {@link getOccupancy}), only those in your window.
   */
  getOthers(): readonly RoomMember<P>[];
  /** How many are here, exact in both modes, and whether the room is large (a stable object between changes). */
  getOccupancy(): RoomOccupancy;
  /**
   * Watches rows of the room's members in its stable order (display name, then id), told by the server
   * of changes to those rows only: what a list of a 10,000-person room renders. One window per room: a
   * second takes over from the first.
   */
  watchMembers(request: RoomWindowRequest): RoomWindow;
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
  large: boolean;
  /** The server's count while large. */
  count: number | null;
  occupancy: RoomOccupancy | null;
  window: WindowCore | null;
}

interface WindowCore {
  request: RoomWindowRequest;
  state: RoomWindowState;
  /** The request id of the answer awaited: rows sent for an earlier request are not this one's. */
  rid: number | null;
  scheduled: boolean;
  listeners: Set<() => void>;
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
      large: false,
      count: null,
      occupancy: null,
      window: null,
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
    getOccupancy() {
      const count = core.status !== 'entered' ? null : core.large ? core.count : core.members.size;
      if (core.occupancy?.count !== count || core.occupancy.large !== core.large) core.occupancy = { count, large: core.large };
      return core.occupancy;
    },
    watchMembers(request) {
      const window: WindowCore = {
        request,
        state: { status: 'loading', from: request.from, ids: [], total: 0 },
        rid: null,
        scheduled: false,
        listeners: new Set(),
      };
      core.window = window;
      scheduleWindow(kernel, core, window);
      return {
        get: () => window.state,
        set(next) {
          const { from, count, query = '' } = window.request;
          if (next.from === from && next.count === count && (next.query ?? '') === query) return;
          window.request = next;
          scheduleWindow(kernel, core, window);
        },
        subscribe(listener) {
          window.listeners.add(listener);
          return () => void window.listeners.delete(listener);
        },
        close() {
          if (core.window !== window) return;
          core.window = null;
          if (core.status === 'entered' && kernel.store.state.getState().status === 'connected') {
            kernel.send({ type: 'room-window', room: roomId, from: 0, count: 0 });
          }
          if (core.large) {
            keepOnly(kernel, core, []);
            notify(kernel, core);
          }
        },
      };
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
      room.large = message.large === true;
      room.count = message.count ?? null;
      room.others = null;
      room.selfMember = null;
      notify(kernel, room);
      if (room.unsent) schedulePresence(kernel, room);
      // A window asked for before (or on an earlier connection) is asked for again.
      if (room.window) scheduleWindow(kernel, room, room.window);
      return;
    }
    case 'room-update': {
      for (const wire of message.members) upsert(client, kernel, room, wire);
      for (const id of message.left) remove(room, id);
      // The whole room (it is small again): anyone not listed is not here.
      if (message.full) {
        const listed = new Set(message.members.map((member) => member.userId));
        for (const id of [...room.members.keys()]) if (!listed.has(id)) remove(room, id);
      }
      room.others = null;
      room.selfMember = null;
      notify(kernel, room);
      return;
    }
    case 'room-count':
      room.count = message.count;
      // Large now: members outside the window will not be told of any more, so they are not kept.
      if (message.large && !room.large) keepOnly(kernel, room, room.window?.state.ids ?? []);
      room.large = message.large;
      notify(kernel, room);
      return;
    case 'room-rows': {
      const window = room.window;
      // Its members are as of the frame whatever request it answers: the server will not send them again
      // while they stay in the window.
      for (const wire of message.members) upsert(client, kernel, room, wire);
      // Rows for an earlier request, sent before the server had the latest: the answer to it follows.
      if (!window || (window.rid !== null && message.rid !== window.rid)) {
        room.others = null;
        return notify(kernel, room);
      }
      window.rid = null;
      if (room.large) {
        room.count = message.count;
        keepOnly(kernel, room, message.ids);
      }
      room.others = null;
      room.selfMember = null;
      window.state = { status: 'ready', from: message.from, ids: message.ids, total: message.total };
      for (const listener of window.listeners) kernel.safely(listener);
      notify(kernel, room);
      return;
    }
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

/** In a large room, only you and the members in your window are kept (the server tells of no one else). */
function keepOnly(kernel: Kernel, room: RoomCore, ids: readonly string[]): void {
  const keep = new Set(ids);
  const me = kernel.store.state.getState().currentUserId;
  for (const id of [...room.members.keys()]) if (!keep.has(id) && id !== me) remove(room, id);
  room.others = null;
}

function scheduleWindow(kernel: Kernel, room: RoomCore, window: WindowCore): void {
  if (window.scheduled) return;
  window.scheduled = true;
  queueMicrotask(() => {
    window.scheduled = false;
    // Not entered yet: the answer to the enter asks for it.
    if (room.window !== window || room.status !== 'entered' || kernel.store.state.getState().status !== 'connected') return;
    const { from, count, query } = window.request;
    window.rid = nextRid++;
    kernel.send({
      type: 'room-window',
      rid: window.rid,
      room: room.id,
      from: Math.max(0, Math.min(ONLINE_LIST_LIMITS.maxFrom, Math.floor(from))),
      count: Math.max(0, Math.min(ONLINE_LIST_LIMITS.windowRows, Math.floor(count))),
      ...(query?.trim() ? { query: query.trim().slice(0, ONLINE_LIST_LIMITS.queryChars) } : {}),
    });
  });
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
