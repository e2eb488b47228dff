import { readFileSync } from 'node:fs';

/** Descriptors kept back for what is not a client: Redis connections, files, the listening socket. */
const RESERVED = 128;

/**
 * The process's soft limit on open file descriptors (RLIMIT_NOFILE), read from Linux's
 * /proc/self/limits; undefined where that is not available.
 *
 * @example
 * ```ts
 * openFileLimit(); // 1048576 on most servers, 1024 under a default shell
 * ```
 */
export function openFileLimit(limits?: string): number | undefined {
  let text = limits;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === undefined) return undefined;
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft) || undefined;
}

/**
 * Connection caps that fit the descriptors the process may open: every TCP connection is one, so a
 * cap above the limit would let idle sockets exhaust it and stop all service (accept fails for
 * everyone) instead of refusing the newest. The per-address cap is at most a quarter of the total, so no
 * one address can hold the rest out. `low` says the limit is small enough to warn about.
 *
 * @example
 * ```ts
 * connectionCaps(1024); // { maxConnections: 896, maxConnectionsPerIp: 224, low: true }
 * ```
 */
export function connectionCaps(descriptors: number | undefined): { maxConnections: number; maxConnectionsPerIp: number; low: boolean } {
  const maxConnections = descriptors === undefined ? 20_000 : Math.max(16, Math.min(20_000, descriptors - RESERVED));
  return { maxConnections, maxConnectionsPerIp: Math.min(1_000, Math.floor(maxConnections / 4)), low: descriptors !== undefined && descriptors < 4_096 };
}
