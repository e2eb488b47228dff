/**
 * A token bucket: `capacity` tokens, refilled at `perSecond`.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(20, 10, Date.now);
 * if (!bucket.take()) refuse(bucket.retryAfterMs());
 * ```
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  take(): boolean {
    return this.spend(1);
  }

  /**
   * Spends `cost` tokens when at least one is left. A cost larger than what is left is allowed once and
   * leaves the bucket in debt, so one large request (a full snapshot) is never refused outright.
   */
  spend(cost: number): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= cost;
    return true;
  }

  /** Spends `cost` tokens whatever is left: the cost of work already done (the bytes of an answer sent). */
  charge(cost: number): void {
    this.refill();
    this.tokens -= cost;
  }

  retryAfterMs(): number {
    this.refill();
    return Math.max(0, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}

/**
 * Token buckets by key (a user id, an address), at most `maxKeys` of them: the least recently used is
 * forgotten first, so memory stays bounded and nobody else's budget is ever reset.
 *
 * @example
 * ```ts
 * const snapshots = new KeyedBuckets(10_000, 10_000, 10_000, Date.now);
 * if (!snapshots.spend(userId, rows)) refuse(snapshots.retryAfterMs(userId));
 * ```
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly maxKeys: number,
    private readonly now: () => number,
  ) {}

  /** Spends `cost` tokens if any is left (a cost above what is left runs the bucket into debt). */
  spend(key: string, cost = 1): boolean {
    return this.bucket(key).spend(cost);
  }

  /** Spends `cost` tokens whatever is left (see {@link TokenBucket.charge}). */
  charge(key: string, cost: number): void {
    this.bucket(key).charge(cost);
  }

  retryAfterMs(key: string): number {
    return this.bucket(key).retryAfterMs();
  }

  private bucket(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket) {
      // Map keeps insertion order: moving the key to the end makes the first one the least recent.
      this.buckets.delete(key);
    } else {
      bucket = new TokenBucket(this.capacity, this.perSecond, this.now);
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(key, bucket);
    return bucket;
  }
}
