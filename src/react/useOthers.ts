import type { RoomMember } from '../core/index.ts';
import type { RoomPresence } from '../core/register.ts';
import { useRoom } from './RoomProvider.tsx';
import { useRoomSelector } from './useRoomSelector.ts';
import { shallowEqual } from './useStoreSelector.ts';

const NO_ONE: readonly RoomMember[] = [];
const getOthers = (room: { getOthers(): readonly RoomMember[] } | null) => room?.getOthers() ?? NO_ONE;
const identity = <T>(value: T) => value;
const idsOf = (others: readonly RoomMember[]) => others.map((member) => member.userId);
// Every useOther of a room reads the same others array after a change: indexed once per array, so a
// room of M rows costs O(M) per change, not O(M²).
const indexes = new WeakMap<readonly RoomMember[], Map<string, RoomMember>>();
function memberOf(others: readonly RoomMember[], userId: string): RoomMember | undefined {
  let index = indexes.get(others);
  if (!index) indexes.set(others, (index = new Map(others.map((member) => [member.userId, member]))));
  return index.get(userId);
}

/**
 * The other users in the room (each a member with `user`, `presence` and `connections`), or what
 * `selector` picks from them; re-renders only when the selection changes (by `isEqual`, default `Object.is`).
 * The array and each member are stable objects until they change.
 *
 * @example
 * ```tsx
 * const count = useOthers((others) => others.length);
 * const cursors = useOthers((others) => others.map((o) => o.presence?.cursor), shallowEqual);
 * ```
 */
export function useOthers<P = RoomPresence>(): readonly RoomMember<P>[];
export function useOthers<T, P = RoomPresence>(selector: (others: readonly RoomMember<P>[]) => T, isEqual?: (a: T, b: T) => boolean): T;
export function useOthers<T>(selector?: (others: readonly RoomMember[]) => T, isEqual?: (a: T, b: T) => boolean): T | readonly RoomMember[] {
  return useRoomSelector(useRoom() as never, getOthers, (selector ?? identity) as (others: readonly RoomMember[]) => T, isEqual);
}

/**
 * The ids of the other users in the room: a stable array while the same people are here, so a list keyed
 * by it re-renders only when someone enters or leaves.
 *
 * @example
 * ```tsx
 * const ids = useOtherIds();
 * return ids.map((id) => <Cursor key={id} userId={id} />);
 * ```
 */
export function useOtherIds(): readonly string[] {
  return useRoomSelector(useRoom() as never, getOthers, idsOf, shallowEqual);
}

/**
 * One other member, or what `selector` picks from them (`undefined` member while they are not here):
 * re-renders only when that selection changes, so a change of Ada re-renders only what shows Ada.
 *
 * @example
 * ```tsx
 * const cursor = useOther(userId, (member) => member?.presence?.cursor ?? null, shallowEqual);
 * ```
 */
export function useOther<T, P = RoomPresence>(userId: string, selector: (member: RoomMember<P> | undefined) => T, isEqual?: (a: T, b: T) => boolean): T {
  const room = useRoom();
  // A new function each render: the selection is recomputed then, and kept by `isEqual` when it is the same.
  const select = (others: readonly RoomMember[]) => selector(memberOf(others, userId) as RoomMember<P> | undefined);
  return useRoomSelector(room as never, getOthers, select, isEqual);
}
