import { useMemo } from 'react';
import type { SessionState } from '../core/index.ts';
import { usePresenceClient } from './usePresenceClient.ts';
import { useStoreSelector } from './useStoreSelector.ts';

/** What {@link useSession} returns (Realm.User's session surface). */
export interface UseSessionResult {
  state: SessionState;
  userId: string | null;
  logOut(): Promise<void>;
  refreshCustomData(): Promise<unknown>;
}

/**
 * The session: 'logged-in', 'logged-out' (logOut or a revoked session) or 'removed' (the user was deleted).
 *
 * @example
 * ```tsx
 * const { state, logOut } = useSession();
 * if (state !== 'logged-in') return <SignIn />;
 * ```
 */
export function useSession(): UseSessionResult {
  const client = usePresenceClient();
  const state = useStoreSelector(client.state, (current) => current.session);
  const userId = useStoreSelector(client.state, (current) => current.currentUserId);
  return useMemo(
    () => ({ state, userId, logOut: () => client.session.logOut(), refreshCustomData: () => client.session.refreshCustomData() }),
    [client, state, userId],
  );
}
