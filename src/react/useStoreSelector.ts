import { useRef, useSyncExternalStore } from 'react';
import type { StoreApi } from 'zustand/vanilla';

/**
 * Subscribes to a zustand store through a selector; re-renders only when the selection changes
 * (by `isEqual`). The selection is cached per store state, so inline selectors are fine and a
 * selector that builds a new array or object does not loop.
 */
export function useStoreSelector<S, T>(store: StoreApi<S>, selector: (state: S) => T, isEqual: (a: T, b: T) => boolean = Object.is): T {
  const cache = useRef<{ store: StoreApi<S>; state: S; selector: (state: S) => T; selection: T } | null>(null);
  const getSelection = (): T => {
    const state = store.getState();
    const cached = cache.current;
    if (cached && cached.store === store && cached.state === state && cached.selector === selector) return cached.selection;
    const next = selector(state);
    const selection = cached && cached.store === store && isEqual(cached.selection, next) ? cached.selection : next;
    cache.current = { store, state, selector, selection };
    return selection;
  };
  return useSyncExternalStore(store.subscribe, getSelection, getSelection);
}

/**
 * Shallow equality of arrays and plain objects, for selectors that return them.
 *
 * @example
 * ```ts
 * useUserPresence(id, (p) => [p?.status, p?.statusMessage], shallowEqual);
 * ```
 */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
