/** Reconnect delays: exponential with "full jitter", so clients dropped together do not return together. */
export interface BackoffOptions {
  /** Upper bound of the first delay, in ms (default 500). */
  minMs?: number;
  /** Largest upper bound, in ms (default 15,000). */
  maxMs?: number;
  /** Random source in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (1-based): uniform in [0, min(max, min * 2^(attempt-1))].
 *
 * @example
 * ```ts
 * backoffDelay(3, { minMs: 500, maxMs: 15_000 }); // somewhere in 0..2000 ms
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const minMs = options.minMs ?? 500;
  const maxMs = options.maxMs ?? 15_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}
