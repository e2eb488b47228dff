import { useEffect, useMemo } from 'react';
import type { PresenceStatus } from '../core/index.ts';
import { usePresenceClient } from './usePresenceClient.ts';
import { useStoreSelector } from './useStoreSelector.ts';

/** Everyone online, by the status they show: what OnlineList's sections and an "N busy" summary need. */
export interface OnlineUsersByStatus {
  online: readonly string[];
  away: readonly string[];
  busy: readonly string[];
}

const SHOWN: ReadonlySet<PresenceStatus> = new Set(['online', 'away', 'busy']);

/**
 * Ids of everyone online, grouped by status and kept live while mounted. Pass the ids in the order you
 * want (sorted by name, filtered by a search): each group keeps that order, so a status change costs one
 * pass over the list, never a sort. Re-renders when someone comes or goes or an online user's status
 * changes.
 *
 * @example
 * ```tsx
 * const { busy } = useOnlineUsersByStatus();
 * return <p>{busy.length} busy</p>;
 * ```
 */
export function useOnlineUsersByStatus(ordered?: readonly string[]): OnlineUsersByStatus {
  const client = usePresenceClient();
  useEffect(() => client.retainOnlineList(), [client]);
  const version = useStoreSelector(client.store.statusChanges, (count) => count);
  return useMemo(() => {
    const groups = { online: [] as string[], away: [] as string[], busy: [] as string[] };
    for (const id of ordered ?? client.onlineUserIds()) {
      const presence = client.store.peek(id)?.presence;
      // Your own 'invisible' shows to you as online: you are connected, only hidden from others.
      if (presence?.online) groups[SHOWN.has(presence.status) ? (presence.status as keyof OnlineUsersByStatus) : 'online'].push(id);
    }
    return groups;
    // `version` stands for every status held in the store.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, ordered, version]);
}
