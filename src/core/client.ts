import { blockUser, getBlockedUsers, unblockUser } from './blocks.ts';
import { getCurrentUser, onCurrentUserChanged, updateCurrentUser, updateCurrentUserDisplayPicture } from './current-user.ts';
import type { Unsubscribe } from './kernel.ts';
import { createPresenceCore, type PresenceClientOptions, type PresenceCore } from './presence-core.ts';
import type { AppUpdateMeInput, AppUserView } from './register.ts';
import { getUser, onUserChanged, onUserPresenceChanged, watchUser, type PresenceChange, type PresenceUser } from './user-events.ts';
import { fetchUser, getPresence, listUsers, type AppPresenceDelta, type AppUserPage, type UserFilters } from './users.ts';

/**
 * The whole client, every feature as a method: the core plus the functions of `presence-kit/core`
 * (`getUser(client, id)` is `client.getUser(id)`). Convenient where bundle size does not matter.
 */
export interface PresenceClient extends PresenceCore {
  /** RelayBox's getUser: fetches the user (not-found rejects), then gives its listener handle. */
  getUser(id: string): Promise<PresenceUser>;
  /** The listener handle of a user, at once and without a request (the user may be unknown yet). */
  watchUser(id: string): PresenceUser;
  /** Called when a user's profile or relation to you changes, or the user is deleted (`null`). */
  onUserChanged(callback: (id: string, user: AppUserView | null) => void): Unsubscribe;
  fetchUser(id: string): Promise<AppUserView>;
  getCurrentUser(): Promise<AppUserView>;
  onCurrentUserChanged(callback: (user: AppUserView | null) => void): Unsubscribe;
  updateCurrentUser(update: AppUpdateMeInput | ((user: AppUserView) => AppUserView | AppUpdateMeInput)): Promise<AppUserView>;
  updateCurrentUserDisplayPicture(input: { file: Blob } | { url: string } | { file: { url: string } }): Promise<AppUserView>;
  onUserPresenceChanged(callback: (change: PresenceChange) => void): Unsubscribe;
  listUsers(filters?: UserFilters): Promise<AppUserPage>;
  getBlockedUsers(): Promise<AppUserView[]>;
  blockUser(id: string): Promise<AppUserView>;
  unblockUser(id: string): Promise<AppUserView>;
  /** Rocket.Chat's users.presence: changes since `from`, or everyone online (`full`). Also applied to the store. */
  getPresence(options?: { from?: Date | string }): Promise<AppPresenceDelta>;
}

/**
 * Creates the whole presence client: {@link createPresenceCore} with every feature function as a
 * method. An app that counts bytes uses the core and imports the functions it calls instead.
 *
 * @example
 * ```ts
 * import { createPresenceClient } from 'presence-kit/core';
 *
 * const client = createPresenceClient({ url: 'http://127.0.0.1:8787', token: () => fetchMyToken() });
 * const release = client.connect();
 * const ada = await client.getUser('ada');
 * const stop = ada.onStatusUpdate(({ status, updatedAt }) => console.log(status, updatedAt));
 * await client.setStatus({ status: 'busy', statusMessage: 'Deep work' });
 * ```
 */
export function createPresenceClient(options: PresenceClientOptions): PresenceClient {
  const core = createPresenceCore(options);
  const features = {
    getUser,
    watchUser,
    onUserChanged,
    fetchUser,
    getCurrentUser,
    onCurrentUserChanged,
    updateCurrentUser,
    updateCurrentUserDisplayPicture,
    onUserPresenceChanged,
    listUsers,
    getBlockedUsers,
    blockUser,
    unblockUser,
    getPresence,
  } as Record<string, (client: PresenceCore, ...args: never[]) => unknown>;
  // The same object as the core (its kernel is keyed by it), with each function bound as a method.
  for (const [name, feature] of Object.entries(features)) {
    (core as unknown as Record<string, unknown>)[name] = (...args: never[]) => feature(core, ...args);
  }
  return core as PresenceClient;
}
