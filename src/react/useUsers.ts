import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { listUsers, type PresenceError, type UserFilters, type UserView } from '../core/index.ts';
import { presenceKeys } from './queryKeys.ts';
import type { AppUserView } from '../core/register.ts';
import { usePresenceClient } from './usePresenceClient.ts';

/** What {@link useUsers} returns: the pages so far, flattened, and how to get more. */
export interface UseUsersResult {
  /** Every user of the pages loaded so far. Read live presence per row with `useUserPresence`. */
  users: AppUserView[];
  /** 'idle' while disabled. */
  status: 'idle' | 'loading' | 'success' | 'error';
  error: PresenceError | null;
  /** A request is in flight (the first page, the next one, or a refetch). */
  isFetching: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage(): Promise<unknown>;
  refetch(): Promise<unknown>;
}

/**
 * Users matching filters (online, tags, role, search), a page at a time with cursor pagination
 * (CometChat's UsersRequest, as a react-query infinite query). `enabled: false` holds the request.
 *
 * @example
 * ```tsx
 * const { users, hasNextPage, fetchNextPage } = useUsers({ search, limit: 50 });
 * ```
 */
export function useUsers(filters: Omit<UserFilters, 'cursor'> = {}, options: { enabled?: boolean } = {}): UseUsersResult {
  const client = usePresenceClient();
  const query = useInfiniteQuery({
    enabled: options.enabled ?? true,
    queryKey: presenceKeys(client).users(filters),
    queryFn: ({ pageParam }) => listUsers(client, { ...filters, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  });
  const users = useMemo(() => (query.data?.pages.flatMap((page) => page.users) ?? []) as AppUserView[], [query.data]);
  return {
    users,
    status: query.status === 'pending' ? (query.fetchStatus === 'idle' ? 'idle' : 'loading') : query.status,
    error: (query.error as PresenceError | null) ?? null,
    isFetching: query.isFetching,
    hasNextPage: query.hasNextPage,
    isFetchingNextPage: query.isFetchingNextPage,
    fetchNextPage: query.fetchNextPage,
    refetch: query.refetch,
  };
}

export type { UserView };
