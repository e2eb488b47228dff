import { useRef, useSyncExternalStore } from 'react';
import type { Room } from '../core/index.ts';

const subscribeNowhere = () => () => {};

/**
 * Reads from a room through a selector, re-rendering only when the selection changes (by `isEqual`);
 * cached per read, so inline selectors are fine. With no room yet, `read` gets null.
 */
export function useRoomSelector<S, T>(
  room: Room<never, never> | null,
  read: (room: Room<never, never> | null) => S,
  selector: (state: S) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): T {
  const cache = useRef<{ room: unknown; state: S; selector: unknown; selection: T } | null>(null);
  const get = (): T => {
    const state = read(room);
    const cached = cache.current;
    if (cached && cached.room === room && cached.state === state && cached.selector === selector) return cached.selection;
    const next = selector(state);
    const selection = cached && cached.room === room && isEqual(cached.selection, next) ? cached.selection : next;
    cache.current = { room, state, selector, selection };
    return selection;
  };
  return useSyncExternalStore(room ? room.subscribe : subscribeNowhere, get, get);
}
