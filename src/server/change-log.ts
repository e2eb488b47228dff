/** One change, as kept for catch-up. */
interface ChangeEntry {
  seq: number;
  at: number;
  userId: string;
}

/**
 * The server's recent changes, for Rocket.Chat-style deltas: everything changed since a cursor
 * (a sequence number or a time), or "too old, take everything" once the cursor falls out of the window.
 *
 * Sequence numbers start at the server clock in microseconds, so a cursor from an earlier run of the
 * server is always older than this run's log and gets a full answer.
 *
 * @example
 * ```ts
 * const log = new ChangeLog(600_000, Date.now);
 * const seq = log.record('ada');
 * log.changedSince({ seq: seq - 1 }); // Set { 'ada' }
 * ```
 */
export class ChangeLog {
  private entries: ChangeEntry[] = [];
  private head = 0;
  /** Every change with a higher seq is still in the log. */
  private coveredFrom: number;
  private current: number;
  private readonly initialSeq: number;
  private readonly startedAt: number;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {
    this.startedAt = this.now();
    this.initialSeq = this.startedAt * 1000;
    this.current = this.initialSeq;
    this.coveredFrom = this.current;
  }

  get seq(): number {
    return this.current;
  }

  record(userId: string): number {
    const at = this.now();
    this.current += 1;
    this.entries.push({ seq: this.current, at, userId });
    this.prune(at);
    return this.current;
  }

  /**
   * Ids changed after the cursor, or null when the cursor is missing, from another run, in the
   * future, or older than the window (the caller then sends everything).
   */
  changedSince(cursor: { seq?: number; time?: number }): Set<string> | null {
    const at = this.now();
    this.prune(at);
    let start: number;
    if (cursor.seq !== undefined) {
      // A cursor is as old as the change it names (or the server's start): older than the window, or
      // unknown to this run of the server, gets everything, as a too-old `from` time does.
      const seq = cursor.seq;
      if (seq < this.coveredFrom || seq > this.current) return null;
      start = this.firstIndex((entry) => entry.seq > seq);
      const named = start > this.head ? this.entries[start - 1] : undefined;
      const namedAt = named?.seq === seq ? named.at : seq === this.initialSeq ? this.startedAt : undefined;
      if (namedAt === undefined || namedAt < at - this.windowMs) return null;
    } else if (cursor.time !== undefined) {
      if (!(cursor.time >= at - this.windowMs) || cursor.time > at) return null;
      // Same-millisecond changes are included: a duplicate is harmless, a miss is not.
      start = this.firstIndex((entry) => entry.at >= cursor.time!);
    } else {
      return null;
    }
    const ids = new Set<string>();
    for (let i = start; i < this.entries.length; i++) ids.add(this.entries[i]!.userId);
    return ids;
  }

  private firstIndex(isAfter: (entry: ChangeEntry) => boolean): number {
    let low = this.head;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (isAfter(this.entries[mid]!)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private prune(at: number): void {
    const oldest = at - this.windowMs;
    while (this.head < this.entries.length && this.entries[this.head]!.at < oldest) {
      this.coveredFrom = this.entries[this.head]!.seq;
      this.head += 1;
    }
    // Compact now and then instead of shifting on every prune.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
