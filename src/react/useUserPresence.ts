import { useEffect } from 'react';
import { createStore } from 'zustand/vanilla';
import type { UserEntry } from '../core/index.ts';
import type { AppPresence } from '../core/register.ts';
import { useRowClient } from './useRowClient.ts';
import { useStoreSelector } from './useStoreSelector.ts';

const selectPresence = (entry: UserEntry) => entry.presence as AppPresence | null | undefined;

// Module-level so that "no user" is one stable store: an inline one would change every render.
const NO_USER = createStore<UserEntry>()(() => ({ id: '', user: undefined, presence: undefined, blockedByMe: false, hasBlockedMe: false, seq: -1 }));

/**
 * A user's live presence (`undefined` while unknown, `null` when a block hides it), or what `selector`
 * picks from it. Subscribes to the user while mounted (reference-counted) and re-renders only when
 * the selection changes, so an update to user A re-renders only what shows user A. With no id
 * (`null`/`undefined`) it subscribes to nothing and returns `selector(undefined)`.
 *
 * @example
 * ```tsx
 * const status = useUserPresence(userId, (presence) => presence?.status ?? 'offline');
 * ```
 */
export function useUserPresence(userId: string | null | undefined): AppPresence | null | undefined;
export function useUserPresence<T>(
  userId: string | null | undefined,
  selector: (presence: AppPresence | null | undefined) => T,
  isEqual?: (a: T, b: T) => boolean,
): T;
export function useUserPresence<T>(
  userId: string | null | undefined,
  selector?: (presence: AppPresence | null | undefined) => T,
  isEqual?: (a: T, b: T) => boolean,
): T | AppPresence | null | undefined {
  const client = useRowClient();
  useEffect(() => (userId ? client.retainUser(userId) : undefined), [client, userId]);
  return useStoreSelector(
    userId ? client.store.userStore(userId) : NO_USER,
    selector ? (entry: UserEntry) => selector(selectPresence(entry)) : selectPresence,
    isEqual as ((a: unknown, b: unknown) => boolean) | undefined,
  ) as T | AppPresence | null | undefined;
}
