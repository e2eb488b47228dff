import type { Room, RoomOccupancy } from '../core/index.ts';
import { useRoom } from './RoomProvider.tsx';
import { useRoomSelector } from './useRoomSelector.ts';

const NOT_YET: RoomOccupancy = { count: null, large: false };
const read = (room: Room<never, never> | null) => room?.getOccupancy() ?? NOT_YET;
const identity = <T>(value: T) => value;

/**
 * How many are in the room of the nearest `RoomProvider` (exact in both modes: nobody a block hides from
 * you, no invisible member; you, when you appear), and whether it is large: past the server's
 * `roomAnnounceMax`, where `useOthers` holds only the members of your window (`useRoomWindow`). `count` is
 * null until the room is entered. Re-renders only when either changes.
 *
 * @example
 * ```tsx
 * const { count } = useRoomOccupancy();
 * return <span>{count ?? '…'} here</span>;
 * ```
 */
export function useRoomOccupancy(): RoomOccupancy {
  return useRoomSelector(useRoom() as never, read, identity);
}
