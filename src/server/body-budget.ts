import { withinFairShare } from './fair-share.ts';
import { HttpError } from './http-error.ts';

/** Limits of {@link BodyBudget}. */
export interface BodyBudgetLimits {
  /** Request-body bytes being received at once for one caller (user, admin key or address). */
  perCaller: number;
  /** Request-body bytes being received at once, everyone together. */
  total: number;
}

/**
 * Caps the request-body bytes a server holds at once, per caller and in total, so clients that open
 * many requests and send their bodies slowly cannot fill the server's memory. A request reserves its
 * declared length (or its route's limit when it declares none) before a byte of it is read, and
 * releases it when its answer is sent or its connection closes. Past three quarters of the total, no
 * caller grows beyond a fair share, so callers that each stay within their own cap cannot fill it.
 *
 * @example
 * ```ts
 * const release = budget.reserve(request.caller.key, 65_536); // throws `rate-limited` when full
 * reply.raw.once('close', release);
 * ```
 */
export class BodyBudget {
  private total = 0;
  private readonly byCaller = new Map<string, number>();

  constructor(private readonly limits: BodyBudgetLimits) {}

  /** Bytes reserved now, everyone together. */
  get inFlight(): number {
    return this.total;
  }

  reserve(key: string, bytes: number): () => void {
    if (bytes <= 0) return () => {};
    const mine = this.byCaller.get(key) ?? 0;
    if (mine + bytes > this.limits.perCaller) {
      throw new HttpError('rate-limited', `too many request bodies in flight for this caller (at most ${this.limits.perCaller} bytes)`, 1000);
    }
    if (
      this.total + bytes > this.limits.total ||
      !withinFairShare({ held: mine, amount: bytes, total: this.total, capacity: this.limits.total, holders: this.byCaller.size })
    ) {
      throw new HttpError('rate-limited', 'the server is receiving too many request bodies: retry shortly', 1000, 503);
    }
    this.byCaller.set(key, mine + bytes);
    this.total += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= bytes;
      const left = (this.byCaller.get(key) ?? bytes) - bytes;
      if (left > 0) this.byCaller.set(key, left);
      else this.byCaller.delete(key);
    };
  }
}
