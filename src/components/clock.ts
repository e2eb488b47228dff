import { useSyncExternalStore } from 'react';

/**
 * One shared clock for every LastSeen on the page: one interval while any is mounted, none otherwise.
 * It holds only the time, so sharing it across providers, tests and requests leaks nothing.
 */
const TICK_MS = 15_000;
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const notify of listeners) notify();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The current time, updated every 15 s while any component uses it. */
export function useNow(): number {
  return useSyncExternalStore(
    subscribe,
    () => now,
    () => now,
  );
}

/** How many intervals run (for tests: all instances share one). */
export function activeClockCount(): number {
  return timer === undefined ? 0 : 1;
}
