import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { blockUser, getBlockedUsers, unblockUser, type PresenceError, type UserView } from '../core/index.ts';
import { presenceKeys } from './queryKeys.ts';
import type { AppUserView } from '../core/register.ts';
import { usePresenceClient } from './usePresenceClient.ts';

/** What {@link useBlockedUsers} returns. */
export interface UseBlockedUsersResult {
  users: AppUserView[] | undefined;
  status: 'loading' | 'success' | 'error';
  error: PresenceError | null;
  /** Blocks a user: neither of you sees the other's presence any more. */
  block(userId: string): Promise<UserView>;
  unblock(userId: string): Promise<UserView>;
  isPending: boolean;
}

/**
 * The users you blocked, with block and unblock (CometChat blocking).
 *
 * @example
 * ```tsx
 * const { users, unblock } = useBlockedUsers();
 * users?.map((user) => <button key={user.id} onClick={() => unblock(user.id)}>Unblock {user.displayName}</button>);
 * ```
 */
export function useBlockedUsers(): UseBlockedUsersResult {
  const client = usePresenceClient();
  const queryClient = useQueryClient();
  const keys = presenceKeys(client);
  const query = useQuery({ queryKey: keys.blocks(), queryFn: () => getBlockedUsers(client) });
  const settle = () => queryClient.invalidateQueries({ queryKey: keys.blocks() });
  const block = useMutation<UserView, PresenceError, string>({ mutationFn: (id) => blockUser(client, id), onSettled: settle });
  const unblock = useMutation<UserView, PresenceError, string>({ mutationFn: (id) => unblockUser(client, id), onSettled: settle });
  return {
    users: query.data as AppUserView[] | undefined,
    status: query.status === 'pending' ? 'loading' : query.status,
    error: (query.error as PresenceError | null) ?? block.error ?? unblock.error ?? null,
    block: block.mutateAsync,
    unblock: unblock.mutateAsync,
    isPending: block.isPending || unblock.isPending,
  };
}
