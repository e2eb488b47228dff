import type { Room, RoomMember } from '../core/index.ts';
import type { RoomPresence } from '../core/register.ts';
import { useRoom } from './RoomProvider.tsx';
import { useRoomSelector } from './useRoomSelector.ts';

const getSelf = (room: Room<never, never> | null) => (room?.getSelf() ?? null) as RoomMember | null;
const identity = <T>(value: T) => value;

/**
 * You as a member of the room (null before it is entered), or what `selector` picks: your presence as you
 * last set it, and your connections as others see them (none while you are invisible or only `read`).
 *
 * @example
 * ```tsx
 * const shown = useSelf((self) => (self?.connections.length ?? 0) > 0);
 * ```
 */
export function useSelf<P = RoomPresence>(): RoomMember<P> | null;
export function useSelf<T, P = RoomPresence>(selector: (self: RoomMember<P> | null) => T, isEqual?: (a: T, b: T) => boolean): T;
export function useSelf<T>(selector?: (self: RoomMember | null) => T, isEqual?: (a: T, b: T) => boolean): T | RoomMember | null {
  return useRoomSelector(useRoom() as never, getSelf, (selector ?? identity) as (self: RoomMember | null) => T, isEqual);
}
