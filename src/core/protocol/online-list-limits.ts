// Free of the schema library, so the client reads the limits without it.

/**
 * Limits of the online list's windows and counts, shared by both sides (free of the schema library's
 * runtime: the client reads them without it).
 *
 * @example
 * ```ts
 * client.watchOnlineWindow({ from: 0, count: Math.min(rows, ONLINE_LIST_LIMITS.windowRows) });
 * ```
 */
export const ONLINE_LIST_LIMITS = {
  /** Rows one window may cover. */
  windowRows: 200,
  /** Characters of a window's search. */
  queryChars: 64,
  /** The furthest a window may start. */
  maxFrom: 1_000_000,
} as const;

/**
 * People online, by section, as one viewer may see them: nobody hidden from the viewer by a block or by the
 * audience rule is counted, and invisible users are offline to everyone but themselves.
 *
 * @example
 * ```ts
 * const everyone = counts.online + counts.away + counts.busy;
 * ```
 */
export interface OnlineCounts {
  online: number;
  away: number;
  busy: number;
}
