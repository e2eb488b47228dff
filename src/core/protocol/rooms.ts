import * as v from 'valibot';
import { jsonSchema } from './fields.ts';
import type { JsonValue } from './json.ts';
import { LIMITS } from './limits.ts';
import { ROOM_LIMITS } from './room-limits.ts';
import { ONLINE_LIST_LIMITS } from './online-list-limits.ts';

export { ROOM_LIMITS } from './room-limits.ts';
import { RequestId } from './parse.ts';

// Rooms have their own module: an app that never enters a room bundles none of these schemas.

/** No control characters, so a room id is safe to log and to show. */
// eslint-disable-next-line no-control-regex
const ROOM_ID_PATTERN = /^[^\u0000-\u001f\u007f-\u009f]+$/;

/**
 * A room id: 1-128 characters, no control characters (`doc:42`, `channel:general`).
 *
 * @example
 * ```ts
 * v.parse(RoomIdSchema, 'doc:42');
 * ```
 */
export const RoomIdSchema = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(ROOM_LIMITS.id, `must be at most ${ROOM_LIMITS.id} characters`),
  v.regex(ROOM_ID_PATTERN, 'must not hold control characters'),
);

const RoomJson = jsonSchema(ROOM_LIMITS.jsonBytes);

/**
 * What one connection (a tab, a device) of a room member says: its own room presence and when it entered.
 * `id` is opaque and stable for the connection's life.
 */
export const RoomConnectionSchema = v.object({ id: v.string(), presence: v.nullable(RoomJson), enteredAt: v.string() });

/**
 * A room's occupant: a user, not a connection. `presence` is the room presence of the user's most
 * recently updated connection; `connections` lists each (empty while the member's leave is held back by
 * the server's grace).
 */
export const RoomMemberSchema = v.object({
  userId: v.string(),
  presence: v.nullable(RoomJson),
  connections: v.array(RoomConnectionSchema),
});

/** A room member as it travels. @example `member.connections.length` */
export type RoomMemberWire = v.InferOutput<typeof RoomMemberSchema>;

/**
 * What the server sends about rooms (the client reads them with decode/rooms.ts, only where rooms are used).
 */
export const RoomServerMessageSchema = v.variant('type', [
  /**
   * Answer to `room-enter`: who is in the room now (you included, unless your access is `read`), and the
   * id of your own connection in `members[].connections`.
   */
  v.object({
    type: v.literal('room'),
    rid: RequestId,
    room: v.string(),
    access: v.picklist(['read', 'write']),
    self: v.string(),
    members: v.array(RoomMemberSchema),
    /**
     * Present when the room is large (past the server's `roomAnnounceMax`): `members` lists only you, and
     * `count` is how many members you may see. Ask for rows with `room-window`.
     */
    large: v.optional(v.boolean()),
    count: v.optional(v.number()),
  }),
  /**
   * What changed in a room within one server tick: each member who entered or changed, whole, and the
   * ids of those who left (after the leave grace). `full`: `members` is everyone in the room (the room is
   * small again): anyone not listed is not there.
   */
  v.object({
    type: v.literal('room-update'),
    room: v.string(),
    members: v.array(RoomMemberSchema),
    left: v.array(v.string()),
    full: v.optional(v.literal(true)),
  }),
  /**
   * A room's occupancy as the viewer may see it: on entering a large room, when a room turns large or small
   * (`large`), and while large at most once a second as it changes. A large room's watchers hear only of
   * themselves and the members in their window.
   */
  v.object({ type: v.literal('room-count'), room: v.string(), count: v.number(), large: v.boolean() }),
  /**
   * The rows of a `room-window`: `ids` from `from` in the room's order (display name, then id) among those
   * matching its search, `total` how many match, `members` those new to the window or changed, and
   * `count` the room's occupancy. Sent again within a tick when the rows or their members change.
   */
  v.object({
    type: v.literal('room-rows'),
    rid: RequestId,
    room: v.string(),
    lane: v.optional(v.string()),
    from: v.number(),
    ids: v.array(v.string()),
    members: v.array(RoomMemberSchema),
    total: v.number(),
    count: v.number(),
  }),
  /** Another connection's `room-broadcast`: not stored, not numbered, not caught up. */
  v.object({ type: v.literal('room-event'), room: v.string(), userId: v.string(), event: RoomJson }),
]);

/** A room frame from the server. @example `if (message.type === 'room-update') apply(message)` */
export type RoomServerMessage = v.InferOutput<typeof RoomServerMessageSchema>;

/**
 * Which tab sharing the socket a room frame is for (see docs/protocol.md, "One socket per browser"): each
 * lane is in the room as a connection of its own. 1-16 letters, digits, `_` or `-`.
 */
/**
 * A tab's lane on a shared socket (docs/protocol.md, "One socket per browser"): optional.
 *
 * @example
 * ```ts
 * v.parse(LaneSchema, 'tab-3');
 * ```
 */
export const LaneSchema = v.optional(v.pipe(v.string(), v.regex(/^[\w-]{1,16}$/, 'must be 1-16 letters, digits, _ or -')));

/** Room frames a client sends (validated by the server, which also checks their sizes against its limits). */
export const RoomClientMessageSchemas = [
  /** Enter a room (again: a second enter of the same room replaces the presence). Answered by `room` or `error`. */
  v.object({ type: v.literal('room-enter'), rid: RequestId, room: RoomIdSchema, presence: v.optional(v.nullable(RoomJson)), lane: LaneSchema }),
  /** Leave a room; answered by `ack`. Closing the socket leaves every room. */
  v.object({ type: v.literal('room-leave'), rid: RequestId, room: RoomIdSchema, lane: LaneSchema }),
  /** Replace this connection's room presence. Not acknowledged: it is a stream, throttled by the client. */
  v.object({ type: v.literal('room-presence'), room: RoomIdSchema, presence: v.nullable(RoomJson), lane: LaneSchema }),
  /** An event for the room's other connections (not the other lanes of this socket): not stored, not numbered. */
  v.object({ type: v.literal('room-broadcast'), room: RoomIdSchema, event: RoomJson, lane: LaneSchema }),
  /**
   * Watch rows `from` to `from + count` of a room you are in (or watch), in its stable order (display name,
   * then id), among members matching `query`. Replaces this lane's window on the room; `count: 0` ends it.
   * Answered by `room-rows`, sent again whenever those rows or their members change.
   */
  v.object({
    type: v.literal('room-window'),
    rid: RequestId,
    room: RoomIdSchema,
    from: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(ONLINE_LIST_LIMITS.maxFrom)),
    count: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(ONLINE_LIST_LIMITS.windowRows)),
    query: v.optional(v.pipe(v.string(), v.maxLength(ONLINE_LIST_LIMITS.queryChars))),
    lane: LaneSchema,
  }),
] as const;

/** A room frame as a client sends it. @example `{ type: 'room-enter', rid: 1, room: 'doc:42', presence: { cursor: null } }` */
export type RoomClientMessage = v.InferOutput<(typeof RoomClientMessageSchemas)[number]>;

/** Who may do what in a room, as a session grants it. @example `'write'` */
export type RoomAccess = 'read' | 'write';

/** Any JSON, as a room presence or event is. @example `{ cursor: { x: 1, y: 2 } }` */
export type RoomJsonValue = JsonValue;

/** Room limits' defaults on the server. @example `ROOM_DEFAULTS.presenceBytes` */
export const ROOM_DEFAULTS = { presenceBytes: LIMITS.customBytes, eventBytes: LIMITS.customBytes } as const;
