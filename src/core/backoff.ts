/** How long to wait between reconnect attempts; partysocket applies it (its backoff is the one policy). */
export interface BackoffOptions {
  /** The first delay, in ms, around which each client draws its own (default 500). */
  minMs?: number;
  /** The longest delay, in ms (default 15,000). */
  maxMs?: number;
  /** Random source in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

/**
 * partysocket's reconnect options for these delays. partysocket grows one delay per attempt from a
 * minimum to a maximum and draws nothing at random, so each client draws its own minimum (minMs ± 50 %)
 * and maximum (half of maxMs to maxMs) once: clients dropped together by a restart come back spread out.
 *
 * @example
 * ```ts
 * new ReconnectingWebSocket(url, protocol, { ...reconnectDelays({ minMs: 500, maxMs: 15_000 }) });
 * ```
 */
export function reconnectDelays(options: BackoffOptions = {}) {
  const draw = (options.random ?? Math.random)();
  return {
    minReconnectionDelay: (options.minMs ?? 500) * (0.5 + draw),
    maxReconnectionDelay: (options.maxMs ?? 15_000) * (0.5 + draw / 2),
    reconnectionDelayGrowFactor: 2,
  };
}
