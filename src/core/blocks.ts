import { kernelOf } from './kernel.ts';
import type { PresenceCore } from './presence-core.ts';
import { list, shape } from './decode/decode.ts';
import { decodeUserView } from './decode/model.ts';
import type { AppUserView } from './register.ts';
import { requestView, userPath } from './users.ts';

/**
 * The users you blocked (CometChat's BlockedUsersRequest).
 *
 * @example
 * ```ts
 * const blocked = await getBlockedUsers(client);
 * ```
 */
export async function getBlockedUsers(client: PresenceCore): Promise<AppUserView[]> {
  const kernel = kernelOf(client);
  const { users } = await kernel.api.request('/api/v1/me/blocks', { decode: shape({ users: list(decodeUserView) }) });
  for (const view of users) kernel.applyView(view);
  return users as AppUserView[];
}

/**
 * Blocks a user: neither of you sees the other's presence any more, on any path.
 *
 * @example
 * ```ts
 * await blockUser(client, 'mallory');
 * ```
 */
export function blockUser(client: PresenceCore, id: string): Promise<AppUserView> {
  return requestView(client, userPath(id, '/api/v1/me/blocks/'), { method: 'PUT' });
}

/**
 * Unblocks a user.
 *
 * @example
 * ```ts
 * await unblockUser(client, 'mallory');
 * ```
 */
export function unblockUser(client: PresenceCore, id: string): Promise<AppUserView> {
  return requestView(client, userPath(id, '/api/v1/me/blocks/'), { method: 'DELETE' });
}
