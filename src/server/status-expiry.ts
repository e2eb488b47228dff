/**
 * Timers for status messages set to clear themselves ("clear after 30 minutes"). Each node keeps its own
 * for every user it knows; when one fires, the node asks the log to expire that exact setting, so every
 * node clears it at the same place in the log order. On N nodes each node asks: the first request applied
 * clears it and the others find nothing left to clear, which costs a few entries and survives any node
 * dying before its timer fires.
 *
 * @example
 * ```ts
 * const expiry = new StatusExpiry(Date.now, (userId, at) => hub.fire({ type: 'expire-status', userId, expiresAt: at }));
 * expiry.track('ada', ['2026-11-23T10:30:00.000Z']);
 * ```
 */
export class StatusExpiry {
  private readonly timers = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();

  constructor(
    private readonly now: () => number,
    private readonly expire: (userId: string, expiresAt: string) => void,
  ) {}

  /** Waits for exactly these expiry times of the user (none: forgets the user). */
  track(userId: string, expiresAt: readonly string[]): void {
    const mine = this.timers.get(userId) ?? new Map<string, ReturnType<typeof setTimeout>>();
    for (const [at, timer] of mine) {
      if (expiresAt.includes(at)) continue;
      clearTimeout(timer);
      mine.delete(at);
    }
    for (const at of expiresAt) {
      if (mine.has(at)) continue;
      // Node timers top out at about 24.8 days; expiries are at most 7 days ahead (LIMITS.statusExpiryMs).
      const timer = setTimeout(
        () => {
          mine.delete(at);
          if (mine.size === 0 && this.timers.get(userId) === mine) this.timers.delete(userId);
          this.expire(userId, at);
        },
        Math.max(0, Date.parse(at) - this.now()),
      );
      timer.unref?.();
      mine.set(at, timer);
    }
    if (mine.size > 0) this.timers.set(userId, mine);
    else this.timers.delete(userId);
  }

  /** Timers waiting (for tests and metrics). */
  get size(): number {
    let count = 0;
    for (const mine of this.timers.values()) count += mine.size;
    return count;
  }

  close(): void {
    for (const mine of this.timers.values()) for (const timer of mine.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
