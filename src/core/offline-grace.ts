import type { Presence } from './protocol/index.ts';

/** Holds back someone's going offline for a grace period (see `offlineGraceMs`). */
export interface OfflineGrace {
  /** Applies a live presence event now, or after the grace period when it takes an online user offline. */
  offer(id: string, presence: Presence | null, seq: number, wasOnline: boolean): void;
  /** Newer news about the user arrived: the held-back change is dropped. */
  cancel(id: string): void;
  cancelAll(): void;
}

/**
 * Creates the offline grace: a reconnect within `graceMs` (a page reload, a network blip) never
 * flashes a user offline. 0 applies every change at once.
 *
 * @example
 * ```ts
 * const grace = createOfflineGrace(5_000, (id, presence, seq) => apply(id, presence, seq));
 * grace.offer('ada', offline, 42, true);
 * ```
 */
export function createOfflineGrace(graceMs: number, apply: (id: string, presence: Presence | null, seq: number) => void): OfflineGrace {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const cancel = (id: string): void => {
    clearTimeout(timers.get(id));
    timers.delete(id);
  };
  return {
    offer(id, presence, seq, wasOnline) {
      cancel(id);
      if (!wasOnline || presence === null || presence.online || graceMs <= 0) return apply(id, presence, seq);
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          apply(id, presence, seq);
        }, graceMs),
      );
    },
    cancel,
    cancelAll() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
