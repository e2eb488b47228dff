import { kernelOf } from './kernel.ts';
import type { PresenceCore } from './presence-core.ts';
import { decodeUserView } from './decode/model.ts';
import { decodePresenceDelta, decodeUserPage } from './decode/user-pages.ts';
import type { PresenceDelta, UserPage } from './protocol/user-pages.ts';
import type { AppUserView } from './register.ts';

/** One page of {@link listUsers}, with the app's registered types. */
export type AppUserPage = Omit<UserPage, 'users'> & { users: AppUserView[] };
/** The answer of {@link getPresence}, with the app's registered types. */
export type AppPresenceDelta = Omit<PresenceDelta, 'users'> & { users: AppUserView[] };

/** Filters of {@link listUsers} (CometChat's UsersRequest). */
export interface UserFilters {
  online?: boolean;
  /** Users having every one of these tags. */
  tags?: string[];
  role?: string;
  /** Matches username or display name, case-insensitive. */
  search?: string;
  /** 1-100, default 25. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

/** Reads a user view over REST and keeps the client's copy current with it. */
export async function requestView(
  client: PresenceCore,
  path: string,
  init: { method?: 'GET' | 'PUT' | 'PATCH' | 'DELETE'; json?: unknown; body?: Blob } = {},
): Promise<AppUserView> {
  const kernel = kernelOf(client);
  const view = await kernel.api.request(path, { ...init, decode: decodeUserView });
  kernel.applyView(view);
  return view as AppUserView;
}

/** The REST path of a user (ids are encoded: they are user input). */
export const userPath = (id: string, under = '/api/v1/users/') => under + encodeURIComponent(id);

/**
 * Fetches a user's profile, presence and relation to you; an unknown id rejects with `not-found`.
 *
 * @example
 * ```ts
 * const ada = await fetchUser(client, 'ada');
 * ```
 */
export function fetchUser(client: PresenceCore, id: string): Promise<AppUserView> {
  return requestView(client, userPath(id));
}

/**
 * One page of users matching the filters (CometChat's UsersRequest); pass `nextCursor` for the next.
 *
 * @example
 * ```ts
 * const { users, nextCursor } = await listUsers(client, { online: true, tags: ['staff'], limit: 50 });
 * ```
 */
export async function listUsers(client: PresenceCore, filters: UserFilters = {}): Promise<AppUserPage> {
  const kernel = kernelOf(client);
  const page = await kernel.api.request('/api/v1/users', {
    decode: decodeUserPage,
    query: {
      online: filters.online?.toString(),
      tags: filters.tags?.join(','),
      role: filters.role,
      search: filters.search,
      limit: filters.limit?.toString(),
      cursor: filters.cursor ?? undefined,
    },
  });
  for (const view of page.users) kernel.applyView(view);
  return page as AppUserPage;
}

/**
 * Rocket.Chat's users.presence: the changes since `from`, or everyone online (`full`); also applied
 * to the client's state.
 *
 * @example
 * ```ts
 * const delta = await getPresence(client, { from: lastSync });
 * ```
 */
export async function getPresence(client: PresenceCore, { from }: { from?: Date | string } = {}): Promise<AppPresenceDelta> {
  const kernel = kernelOf(client);
  const delta = await kernel.api.request('/api/v1/users.presence', {
    decode: decodePresenceDelta,
    query: { from: from instanceof Date ? from.toISOString() : from },
  });
  for (const view of delta.users) kernel.applyView(view, delta.seq);
  for (const id of delta.removed) kernel.markMissing(id, delta.seq);
  if (delta.full) kernel.applyFull(delta.seq, new Set(delta.users.map((view) => view.id)), { users: [], online: true });
  return delta as AppPresenceDelta;
}
