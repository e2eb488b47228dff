import type { User } from '../core/protocol/index.ts';
import type { PresenceStore, StoredSession } from './store.ts';

/** What the store holds, as JSON: users, blocks, sessions and pictures. */
export interface StoreSnapshot {
  users: User[];
  blocks: Array<[blocker: string, blocked: string]>;
  sessions: StoredSession[];
  avatars: Array<[userId: string, avatar: { contentType: string; version: number; data: string }]>;
}

/**
 * Reads everything a store holds through its ordinary interface, for a snapshot of the shared state.
 *
 * @example
 * ```ts
 * const snapshot = exportStore(store);
 * importStore(createMemoryStore(), snapshot);
 * ```
 */
export function exportStore(store: PresenceStore): StoreSnapshot {
  const users = [...store.usersAfter(null)];
  return {
    users,
    blocks: users.flatMap((user) => store.blockedBy(user.id).map((blocked): [string, string] => [user.id, blocked])),
    sessions: users.flatMap((user) => store.sessionsOfUser(user.id)),
    avatars: users.flatMap((user) => {
      const avatar = store.getAvatar(user.id);
      return avatar
        ? [
            [user.id, { contentType: avatar.contentType, version: avatar.version, data: Buffer.from(avatar.bytes).toString('base64') }] as [
              string,
              StoreSnapshot['avatars'][number][1],
            ],
          ]
        : [];
    }),
  };
}

/**
 * Writes a snapshot into a store (a node starting up, before it reads the log from the snapshot on).
 *
 * @example
 * ```ts
 * importStore(store, snapshot);
 * ```
 */
export function importStore(store: PresenceStore, snapshot: StoreSnapshot): void {
  for (const user of snapshot.users) store.putUser(user);
  for (const [blocker, blocked] of snapshot.blocks) store.setBlocked(blocker, blocked, true);
  for (const session of snapshot.sessions) store.putSession(session);
  for (const [userId, avatar] of snapshot.avatars) {
    store.putAvatar(userId, { bytes: new Uint8Array(Buffer.from(avatar.data, 'base64')), contentType: avatar.contentType, version: avatar.version });
  }
}
