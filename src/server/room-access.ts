import * as v from 'valibot';
import type { RoomAccess } from '../core/protocol/index.ts';
import { ROOM_LIMITS } from '../core/protocol/index.ts';

/**
 * A session's room permissions: room id patterns to access. A pattern is a room id, or a prefix ending
 * in `*` (`doc:*`), or `*` alone; an exact id decides, else the longest prefix that matches.
 */
export type RoomPermissions = Readonly<Record<string, RoomAccess>>;

/** Patterns one session may carry: enough for any app's scheme, few enough to match quickly. */
export const MAX_ROOM_PATTERNS = 32;

/**
 * The `rooms` field of `POST /api/v1/sessions`.
 *
 * @example
 * ```ts
 * v.parse(RoomPermissionsSchema, { 'doc:*': 'write', lobby: 'read' });
 * ```
 */
export const RoomPermissionsSchema = v.pipe(
  // An array is an object too, and `v.record` would take `[]` for no permissions at all.
  v.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'rooms must be an object of patterns'),
  v.record(
    v.pipe(
      v.string(),
      v.minLength(1, 'a room pattern must not be empty'),
      v.maxLength(ROOM_LIMITS.id, `a room pattern must be at most ${ROOM_LIMITS.id} characters`),
      v.check((pattern) => !pattern.slice(0, -1).includes('*'), 'a room pattern may hold `*` only at its end'),
    ),
    v.picklist(['read', 'write'], 'room access must be "read" or "write"'),
  ),
  v.check((rooms) => Object.keys(rooms).length <= MAX_ROOM_PATTERNS, `at most ${MAX_ROOM_PATTERNS} room patterns per session`),
);

/**
 * What a session may do in a room: `write` (appear, update presence, broadcast), `read` (see who is there
 * and hear events, unseen) or null (refused, and nothing about the room is told). A session minted without
 * permissions may write everywhere.
 *
 * @example
 * ```ts
 * roomAccess({ 'doc:*': 'write', lobby: 'read' }, 'doc:42'); // 'write'
 * roomAccess({ 'doc:*': 'write' }, 'secret'); // null
 * ```
 */
export function roomAccess(permissions: RoomPermissions | undefined, roomId: string): RoomAccess | null {
  if (permissions === undefined) return 'write';
  let best: RoomAccess | null = null;
  let bestLength = -1;
  for (const pattern in permissions) {
    if (!Object.hasOwn(permissions, pattern)) continue;
    const prefix = pattern.endsWith('*');
    if (prefix ? !roomId.startsWith(pattern.slice(0, -1)) : roomId !== pattern) continue;
    // An exact id beats every prefix; among prefixes, the longest.
    const length = prefix ? pattern.length - 1 : Number.POSITIVE_INFINITY;
    if (length > bestLength) {
      best = permissions[pattern]!;
      bestLength = length;
    }
  }
  return best;
}
