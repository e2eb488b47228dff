import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { getCurrentUser, updateCurrentUser, updateCurrentUserDisplayPicture, type PresenceError } from '../core/index.ts';
import type { AppPresencePatch, AppUpdateMeInput, AppUserView } from '../core/register.ts';
import { presenceKeys } from './queryKeys.ts';
import { retryTransient, useUser } from './useUser.ts';
import { usePresenceClient } from './usePresenceClient.ts';
import { useStoreSelector } from './useStoreSelector.ts';

/** What {@link useCurrentUser} returns: the signed-in user and what they can do. */
export interface UseCurrentUserResult {
  user: AppUserView | null | undefined;
  isLoading: boolean;
  error: PresenceError | null;
  /** Updates the profile at once in the UI, then on the server; rolls back and rejects on failure. */
  update(change: AppUpdateMeInput | ((user: AppUserView) => AppUserView | AppUpdateMeInput)): Promise<AppUserView>;
  isUpdating: boolean;
  updateError: PresenceError | null;
  /** Sets availability, message, custom status or call status; survives reconnects until acknowledged. */
  setStatus(patch: AppPresencePatch): Promise<void>;
  setDisplayPicture(input: { file: Blob } | { url: string }): Promise<AppUserView>;
  logOut(): Promise<void>;
}

/**
 * The current user (ChatKitty's getCurrentUser / onCurrentUserChanged) with their actions.
 *
 * @example
 * ```tsx
 * const { user, update, setStatus } = useCurrentUser();
 * <button onClick={() => setStatus({ status: 'busy' })}>Busy</button>
 * <button onClick={() => update({ displayName: 'Ada L.' })}>Rename</button>
 * ```
 */
export function useCurrentUser(): UseCurrentUserResult {
  const client = usePresenceClient();
  const queryClient = useQueryClient();
  const keys = presenceKeys(client);
  const knownId = useStoreSelector(client.state, (state) => state.currentUserId);
  // Before the socket says who we are (or without one), ask the REST API.
  const me = useQuery({
    queryKey: keys.me(),
    queryFn: () => getCurrentUser(client),
    enabled: knownId === null,
    staleTime: Number.POSITIVE_INFINITY,
    // Refused (guests disabled, a bad token) is an answer: say it now rather than after three retries.
    retry: retryTransient,
  });
  const id = knownId ?? me.data?.id ?? null;
  const current = useUser(id);

  const mutation = useMutation<AppUserView, PresenceError, AppUpdateMeInput | ((user: AppUserView) => AppUserView | AppUpdateMeInput), { previous: unknown }>({
    mutationFn: (change) => updateCurrentUser(client, change),
    onMutate: async (change) => {
      if (id === null) return { previous: undefined };
      const key = keys.user(id);
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<AppUserView | null>(key);
      if (previous) {
        const patch = typeof change === 'function' ? change(structuredClone(previous)) : change;
        queryClient.setQueryData(key, { ...previous, ...patch });
      }
      return { previous };
    },
    onError: (_error, _change, context) => {
      if (id !== null && context?.previous !== undefined) queryClient.setQueryData(keys.user(id), context.previous);
    },
    onSuccess: (user) => queryClient.setQueryData(keys.user(user.id), user),
  });

  const setStatus = useCallback((patch: AppPresencePatch) => client.setStatus(patch), [client]);
  const setDisplayPicture = useCallback((input: { file: Blob } | { url: string }) => updateCurrentUserDisplayPicture(client, input), [client]);
  const logOut = useCallback(() => client.session.logOut(), [client]);
  const { mutateAsync, isPending, error: updateError } = mutation;

  return useMemo(
    () => ({
      user: id === null ? (me.error ? null : undefined) : current.user,
      isLoading: id === null ? !me.error : current.isLoading,
      error: (id === null ? (me.error as PresenceError | null) : current.error) ?? null,
      update: mutateAsync,
      isUpdating: isPending,
      updateError: updateError ?? null,
      setStatus,
      setDisplayPicture,
      logOut,
    }),
    [id, me.error, current.user, current.isLoading, current.error, mutateAsync, isPending, updateError, setStatus, setDisplayPicture, logOut],
  );
}
