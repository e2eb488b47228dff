import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { isPresenceError, fetchUser, type PresenceCore, type PresenceError, type UserView } from '../core/index.ts';
import { presenceKeys } from './queryKeys.ts';
import type { AppUserView } from '../core/register.ts';
import { usePresenceClient } from './usePresenceClient.ts';
import { useUserPresence } from './useUserPresence.ts';

/** What {@link useUser} returns. */
export interface UseUserResult {
  /** Profile, live presence and relation; undefined while loading, null when there is no such user. */
  user: AppUserView | null | undefined;
  /** 'idle' when no id was given. */
  status: 'idle' | 'loading' | 'success' | 'not-found' | 'error';
  isLoading: boolean;
  error: PresenceError | null;
}

const TRANSIENT = new Set(['network', 'timeout', 'server-error']);

/**
 * Query retries for the kit's requests: a few, for what may pass (network, timeout, a server error);
 * none for an answer that will not change (refused, not found, guests disabled).
 *
 * @example
 * ```ts
 * useQuery({ queryKey, queryFn, retry: retryTransient });
 * ```
 */
export const retryTransient = (failures: number, error: unknown) => failures < 3 && isPresenceError(error) && TRANSIENT.has(error.code);

/** Fetches a profile; a missing user is data (null), not an error. */
export function userQuery(client: PresenceCore, userId: string) {
  return {
    queryKey: presenceKeys(client).user(userId),
    queryFn: async (): Promise<UserView | null> => {
      try {
        return await fetchUser(client, userId);
      } catch (error) {
        if (isPresenceError(error, 'not-found')) return null;
        throw error;
      }
    },
    // The socket keeps a watched profile current, so a cached one never goes stale on its own.
    staleTime: Number.POSITIVE_INFINITY,
    retry: retryTransient,
    initialData: () => client.peekUser(userId) ?? undefined,
  };
}

/**
 * A user: profile (via react-query, kept current by the socket) plus live presence, with loading,
 * error and not-found states. Subscribes to the user while mounted. Pass `null` to wait for an id
 * (status 'idle', no request).
 *
 * @example
 * ```tsx
 * const { user, status } = useUser('grace');
 * if (status === 'not-found') return <p>No such user</p>;
 * return <p>{user?.displayName}: {user?.presence?.status}</p>;
 * ```
 */
export function useUser(userId: string | null | undefined): UseUserResult {
  const client = usePresenceClient();
  const query = useQuery({ ...userQuery(client, userId ?? ''), enabled: Boolean(userId) });
  // Also subscribes to the user while mounted.
  const presence = useUserPresence(userId);
  const profile = query.data;
  const user = useMemo(() => {
    if (profile === undefined || profile === null) return profile;
    return { ...profile, presence: presence === undefined ? profile.presence : presence } as AppUserView;
  }, [profile, presence]);
  const error = (query.error as PresenceError | null) ?? null;
  const status = !userId ? 'idle' : profile === null ? 'not-found' : profile !== undefined ? 'success' : error ? 'error' : 'loading';
  return { user, status, isLoading: status === 'loading', error };
}
