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
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
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
