/** One change, as kept for catch-up. */
interface ChangeEntry {
  seq: number;
  at: number;
  userId: string;
  /** A relation change: only this viewer is told (the other party of a block or unblock). */
  onlyFor: string | null;
  /** Viewers never told of it (block partners of a deleted user). */
  hiddenFrom: ReadonlySet<string> | null;
  /** The user was deleted. */
  removal: boolean;
}

/** What changed after a cursor, as one viewer may learn it. */
export interface ChangedSince {
  ids: Set<string>;
  /** Ids whose relation to the viewer changed: listed even when a block now hides them. */
  relations: Set<string>;
  /** Ids deleted, of those the viewer may be told of. */
  removed: Set<string>;
  /** Log entries read to answer: what the answer cost, whatever it holds. */
  scanned: number;
}

/**
 * The server's recent changes, for Rocket.Chat-style deltas: everything changed since a cursor
 * (a sequence number or a time), or "too old, take everything" once the cursor falls out of the window
 * or out of the last `maxEntries` changes.
 *
 * Sequence numbers start at the server clock in microseconds, so a cursor from an earlier run of the
 * server is always older than this run's log and gets a full answer. Changes only their owner may see
 * (an invisible user's) are never recorded: they take no number, so nobody can count them.
 *
 * @example
 * ```ts
 * const log = new ChangeLog(600_000, Date.now);
 * const seq = log.record('ada');
 * log.changedSince({ seq: seq - 1 }, 'grace'); // { ids: Set { 'ada' }, relations: Set {}, removed: Set {} }
 * ```
 */
export class ChangeLog {
  private entries: ChangeEntry[] = [];
  private head = 0;
  /** Every change with a higher seq is still in the log. */
  private coveredFrom: number;
  /** Time of the newest change dropped from the log. */
  private droppedAt = Number.NEGATIVE_INFINITY;
  private current: number;
  private readonly initialSeq: number;
  private readonly startedAt: number;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxEntries = 100_000,
    /** On N nodes the shared log numbers the changes: every node starts from 0 and follows it. */
    shared = false,
  ) {
    this.startedAt = this.now();
    this.initialSeq = shared ? 0 : this.startedAt * 1000;
    this.current = this.initialSeq;
    this.coveredFrom = this.current;
  }

  get seq(): number {
    return this.current;
  }

  /** Changes held now (for tests and stats). */
  get size(): number {
    return this.entries.length - this.head;
  }

  /**
   * Makes the next change number at least `base + 1`: on N nodes the log numbers entries, and every node
   * numbers an entry's changes from its number, so all agree.
   */
  advanceTo(base: number): void {
    if (base > this.current) this.current = base;
  }

  record(userId: string, audience: { onlyFor?: string; hiddenFrom?: ReadonlySet<string>; removal?: boolean } = {}): number {
    const at = this.now();
    this.current += 1;
    this.entries.push({
      seq: this.current,
      at,
      userId,
      onlyFor: audience.onlyFor ?? null,
      hiddenFrom: audience.hiddenFrom ?? null,
      removal: audience.removal ?? false,
    });
    this.prune(at);
    return this.current;
  }

  /**
   * Ids changed after the cursor as `viewerId` may learn of them, or null when the cursor is missing,
   * from another run, in the future, or older than what the log holds (the caller then sends everything).
   */
  changedSince(cursor: { seq?: number; time?: number }, viewerId: string | null): ChangedSince | null {
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
      // Changes dropped for the count bound may be newer than the time asked for.
      if (this.droppedAt >= cursor.time) return null;
      // Same-millisecond changes are included: a duplicate is harmless, a miss is not.
      start = this.firstIndex((entry) => entry.at >= cursor.time!);
    } else {
      return null;
    }
    const ids = new Set<string>();
    const relations = new Set<string>();
    const removed = new Set<string>();
    for (let i = start; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.onlyFor !== null && entry.onlyFor !== viewerId) continue;
      if (viewerId !== null && entry.hiddenFrom?.has(viewerId)) continue;
      ids.add(entry.userId);
      if (entry.onlyFor !== null) relations.add(entry.userId);
      if (entry.removal) removed.add(entry.userId);
    }
    return { ids, relations, removed, scanned: this.entries.length - start };
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
    while (this.head < this.entries.length && (this.entries[this.head]!.at < oldest || this.entries.length - this.head > this.maxEntries)) {
      this.coveredFrom = this.entries[this.head]!.seq;
      this.droppedAt = this.entries[this.head]!.at;
      this.head += 1;
    }
    // Compact now and then instead of shifting on every prune.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
