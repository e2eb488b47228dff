import { useCallback } from 'react';
import type { Room } from '../core/index.ts';
import type { RoomPresence } from '../core/register.ts';
import { useRoom } from './RoomProvider.tsx';
import { useRoomSelector } from './useRoomSelector.ts';

const getPresence = (room: Room<never, never> | null) => (room?.getSelf()?.presence ?? null) as RoomPresence | null;
const identity = <T>(value: T) => value;

/**
 * A function that shallow-merges a patch into your room presence (shown here at once, sent throttled).
 * Stable across renders; does nothing before the room is entered.
 *
 * @example
 * ```tsx
 * const update = useUpdateMyPresence();
 * <canvas onPointerMove={(e) => update({ cursor: { x: e.clientX, y: e.clientY } })} />
 * ```
 */
export function useUpdateMyPresence<P = RoomPresence>(): (patch: Partial<P>) => void {
  const room = useRoom<P>();
  return useCallback((patch: Partial<P>) => room?.updatePresence(patch), [room]);
}

/**
 * Your room presence (null before the room is entered) and the function that updates it, like `useState`.
 *
 * @example
 * ```tsx
 * const [presence, update] = useMyPresence<{ tool: 'pen' | 'eraser' }>();
 * <button onClick={() => update({ tool: 'eraser' })}>{presence?.tool}</button>
 * ```
 */
export function useMyPresence<P = RoomPresence>(): [P | null, (patch: Partial<P>) => void] {
  const presence = useRoomSelector(useRoom() as never, getPresence, identity) as P | null;
  return [presence, useUpdateMyPresence<P>()];
}
