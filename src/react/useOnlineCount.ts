import { useEffect, useMemo } from 'react';
import { usePresenceClient } from './usePresenceClient.ts';
import { useStoreSelector } from './useStoreSelector.ts';
import { useOnlineUsersByStatus } from './useOnlineUsersByStatus.ts';

/** How many people are online, by section, and whether the list is large (see {@link useOnlineCount}). */
export interface OnlineCount {
  online: number;
  away: number;
  busy: number;
  /** Everyone online: online + away + busy. */
  total: number;
  /** The list is past the server's `announceMax`: counted by the server, not held by the client. */
  large: boolean;
}

/**
 * How many people are online, exact in both modes: counted from the list the client holds while it is
 * small, and as the server counts them (at most a second behind) once it is large. Nobody hidden from you
 * (a block, the audience rule, invisible) is counted.
 *
 * @example
 * ```tsx
 * const { total, busy } = useOnlineCount();
 * return <p>{total} online, {busy} busy</p>;
 * ```
 */
export function useOnlineCount(): OnlineCount {
  const client = usePresenceClient();
  useEffect(() => client.retainOnlineList(), [client]);
  const large = useStoreSelector(client.state, (state) => state.onlineLarge);
  const counts = useStoreSelector(client.state, (state) => state.onlineCounts);
  const held = useOnlineUsersByStatus();
  const { online, away, busy } = large && counts ? counts : { online: held.online.length, away: held.away.length, busy: held.busy.length };
  // One object while the figures stay: a list that builds its rows from it does not rebuild them per render.
  return useMemo(() => ({ online, away, busy, total: online + away + busy, large }), [online, away, busy, large]);
}
