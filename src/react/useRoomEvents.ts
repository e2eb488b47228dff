import { useCallback, useEffect } from 'react';
import type { RoomMember } from '../core/index.ts';
import type { RoomEvent, RoomPresence } from '../core/register.ts';
import { useRoom } from './RoomProvider.tsx';
import { useLatest } from './useLatest.ts';

/**
 * A function that sends an event to the room's other connections (not stored; dropped while not
 * connected: it returns false then). Stable across renders.
 *
 * @example
 * ```tsx
 * const broadcast = useBroadcastEvent<{ type: 'reaction'; emoji: string }>();
 * <button onClick={() => broadcast({ type: 'reaction', emoji: '🎉' })}>🎉</button>
 * ```
 */
export function useBroadcastEvent<E = RoomEvent>(): (event: E) => boolean {
  const room = useRoom<RoomPresence, E>();
  return useCallback((event: E) => room?.broadcast(event) ?? false, [room]);
}

/**
 * Calls `callback` for every event another connection broadcasts in the room, with the sender as a member
 * (null if they are not listed, e.g. a `read` watcher cannot broadcast, so rarely). The latest callback is
 * called; the subscription is made once per room.
 *
 * @example
 * ```tsx
 * useRoomEvent<{ type: 'reaction'; emoji: string }>((event, from) => showReaction(event.emoji, from?.user?.displayName));
 * ```
 */
export function useRoomEvent<E = RoomEvent, P = RoomPresence>(callback: (event: E, from: RoomMember<P> | null, userId: string) => void): void {
  const room = useRoom<P, E>();
  const latest = useLatest(callback);
  useEffect(() => room?.onEvent((event, from, userId) => latest.current(event, from, userId)), [room, latest]);
}
