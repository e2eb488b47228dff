import { useEffect } from 'react';
import { usePresenceClient } from './usePresenceClient.ts';
import { useStoreSelector } from './useStoreSelector.ts';

/**
 * Ids of everyone online, kept live while mounted. Re-renders only when someone comes or goes, not
 * when an online user's status changes: render each row with `useUserPresence` or `useUser`.
 *
 * @example
 * ```tsx
 * const online = useOnlineUsers();
 * return <p>{online.length} online</p>;
 * ```
 */
export function useOnlineUsers(): readonly string[] {
  const client = usePresenceClient();
  useEffect(() => client.retainOnlineList(), [client]);
  // The version changes with membership only; the id list is a stable array between changes.
  useStoreSelector(client.state, (state) => state.onlineVersion);
  return client.onlineUserIds();
}
