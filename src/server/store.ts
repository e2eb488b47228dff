import type { User } from '../core/protocol/index.ts';
import type { RoomPermissions } from './room-access.ts';

/** A session as the server keeps it: only hashes of its tokens are stored. */
export interface StoredSession {
  id: string;
  userId: string;
  accessTokenHash: string;
  accessTokenExpiresAt: number;
  refreshTokenHash: string;
  refreshTokenExpiresAt: number;
  /**
   * The refresh token this one replaced, accepted once within a short grace window: a client whose
   * refresh answer was lost on the network retries with it instead of being logged out.
   */
  previousRefreshTokenHash: string | null;
  rotatedAt: number | null;
  /**
   * Refresh tokens used up (the newest few). Presenting one again means a copy is in other hands
   * (OAuth 2.1 refresh-token reuse detection): the whole session is revoked.
   */
  retiredRefreshTokenHashes: string[];
  /** Set by logout, user deletion or an admin; kept so a revoked token is told apart from an unknown one. */
  revokedAt: number | null;
  /** Rooms the session may enter, and how (absent: every room, `write`). See `roomAccess`. */
  rooms?: RoomPermissions;
}

/** What the shared state knows of an uploaded display picture; its bytes live in the picture store. */
export interface StoredAvatar {
  contentType: string;
  /** Changes with every upload, so URLs that carry it are cache-safe. */
  version: number;
  byteLength: number;
}

/**
 * What the presence server persists. The in-memory store is the embedded default; another backend
 * (a database behind a write-through cache) implements the same interface. Live presence is not here:
 * it belongs to the server process that holds the connections.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const server = await createPresenceServer({ store });
 * ```
 */
export interface PresenceStore {
  getUser(id: string): User | undefined;
  getUserByUsername(username: string): User | undefined;
  /** Users ordered by id, starting after `afterId`. */
  usersAfter(afterId: string | null): Iterable<User>;
  userCount(): number;
  /**
   * Guest users held (`isGuest`), counted as they are put and deleted. Optional: without it the server
   * counts them over every user when a guest session is asked for.
   */
  guestCount?(): number;
  putUser(user: User): void;
  deleteUser(id: string): boolean;

  isBlocked(blockerId: string, blockedId: string): boolean;
  setBlocked(blockerId: string, blockedId: string, blocked: boolean): void;
  blockedBy(blockerId: string): string[];
  /** Everyone `userId` blocked or was blocked by. */
  blockPartners(userId: string): Set<string>;

  /** Persistent members of a room (ChatKitty channels, CometChat groups), set by the app's backend. */
  roomMembers(roomId: string): ReadonlySet<string>;
  /** The rooms a user is a persistent member of. */
  membershipsOf(userId: string): ReadonlySet<string>;
  setRoomMember(roomId: string, userId: string, member: boolean): void;

  putAvatar(userId: string, avatar: StoredAvatar): void;
  getAvatar(userId: string): StoredAvatar | undefined;
  deleteAvatar(userId: string): void;

  putSession(session: StoredSession): void;
  getSession(id: string): StoredSession | undefined;
  sessionByAccessHash(hash: string): StoredSession | undefined;
  sessionByRefreshHash(hash: string): StoredSession | undefined;
  sessionsOfUser(userId: string): StoredSession[];
  deleteSession(id: string): void;
  /** Forgets sessions whose refresh token expired before `now` (revoked ones included). */
  pruneSessions(now: number): void;
  /**
   * Everything held, in one step and as references (a store replaces its values, never changes them):
   * what a snapshot captures while the node goes on. Optional: without it a snapshot reads the store
   * user by user.
   */
  contents?(): StoreContents;
}

/** A store's contents, as {@link PresenceStore.contents} captures them. */
export interface StoreContents {
  users: User[];
  blocks: Array<[blocker: string, blocked: string]>;
  sessions: StoredSession[];
  avatars: Array<[userId: string, avatar: StoredAvatar]>;
  /** Absent in snapshots from before room memberships. */
  memberships?: Array<[roomId: string, userId: string]>;
}

/**
 * The embedded in-memory {@link PresenceStore}. Pass the same instance to a restarted server to keep users.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * const first = await createPresenceServer({ store });
 * await first.close();
 * const second = await createPresenceServer({ store }); // same users
 * ```
 */
export function createMemoryStore(): PresenceStore {
  const users = new Map<string, User>();
  const idsByUsername = new Map<string, string>();
  let sortedIds: string[] | null = null;
  const blocks = new Map<string, Set<string>>();
  /** Room → its persistent members, and user → their rooms. */
  const members = new Map<string, Set<string>>();
  const memberships = new Map<string, Set<string>>();
  const blockedByOthers = new Map<string, Set<string>>();
  const avatars = new Map<string, StoredAvatar>();
  const sessions = new Map<string, StoredSession>();
  const sessionIdByAccess = new Map<string, string>();
  const sessionIdByRefresh = new Map<string, string>();
  const sessionIdsByUser = new Map<string, Set<string>>();
  let guests = 0;

  function sorted(): string[] {
    sortedIds ??= [...users.keys()].sort();
    return sortedIds;
  }

  function addToIndex(index: Map<string, Set<string>>, key: string, value: string): void {
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(value);
  }

  const refreshHashesOf = (session: StoredSession) => [
    session.refreshTokenHash,
    ...(session.previousRefreshTokenHash ? [session.previousRefreshTokenHash] : []),
    ...session.retiredRefreshTokenHashes,
  ];

  function dropSession(session: StoredSession): void {
    sessions.delete(session.id);
    const mine = sessionIdsByUser.get(session.userId);
    mine?.delete(session.id);
    if (mine?.size === 0) sessionIdsByUser.delete(session.userId);
    sessionIdByAccess.delete(session.accessTokenHash);
    for (const hash of refreshHashesOf(session)) sessionIdByRefresh.delete(hash);
  }

  return {
    getUser: (id) => users.get(id),
    getUserByUsername: (username) => {
      const id = idsByUsername.get(username.toLowerCase());
      return id === undefined ? undefined : users.get(id);
    },
    *usersAfter(afterId) {
      const ids = sorted();
      let low = 0;
      if (afterId !== null) {
        let high = ids.length;
        while (low < high) {
          const mid = (low + high) >>> 1;
          if (ids[mid]! <= afterId) low = mid + 1;
          else high = mid;
        }
      }
      for (let i = low; i < ids.length; i++) {
        const user = users.get(ids[i]!);
        if (user) yield user;
      }
    },
    userCount: () => users.size,
    guestCount: () => guests,
    putUser(user) {
      const previous = users.get(user.id);
      guests += (user.isGuest ? 1 : 0) - (previous?.isGuest ? 1 : 0);
      if (!previous) sortedIds = null;
      else if (previous.username.toLowerCase() !== user.username.toLowerCase()) {
        idsByUsername.delete(previous.username.toLowerCase());
      }
      users.set(user.id, user);
      idsByUsername.set(user.username.toLowerCase(), user.id);
    },
    deleteUser(id) {
      const user = users.get(id);
      if (!user) return false;
      if (user.isGuest) guests--;
      users.delete(id);
      idsByUsername.delete(user.username.toLowerCase());
      sortedIds = null;
      avatars.delete(id);
      for (const blocked of blocks.get(id) ?? []) blockedByOthers.get(blocked)?.delete(id);
      for (const blocker of blockedByOthers.get(id) ?? []) blocks.get(blocker)?.delete(id);
      blocks.delete(id);
      blockedByOthers.delete(id);
      for (const room of memberships.get(id) ?? []) members.get(room)?.delete(id);
      memberships.delete(id);
      return true;
    },
    roomMembers: (roomId) => members.get(roomId) ?? NOBODY,
    membershipsOf: (userId) => memberships.get(userId) ?? NOBODY,
    setRoomMember(roomId, userId, member) {
      if (member) {
        addToIndex(members, roomId, userId);
        addToIndex(memberships, userId, roomId);
        return;
      }
      members.get(roomId)?.delete(userId);
      if (members.get(roomId)?.size === 0) members.delete(roomId);
      memberships.get(userId)?.delete(roomId);
      if (memberships.get(userId)?.size === 0) memberships.delete(userId);
    },
    isBlocked: (blockerId, blockedId) => blocks.get(blockerId)?.has(blockedId) ?? false,
    setBlocked(blockerId, blockedId, blocked) {
      if (blocked) {
        addToIndex(blocks, blockerId, blockedId);
        addToIndex(blockedByOthers, blockedId, blockerId);
      } else {
        blocks.get(blockerId)?.delete(blockedId);
        blockedByOthers.get(blockedId)?.delete(blockerId);
      }
    },
    blockedBy: (blockerId) => [...(blocks.get(blockerId) ?? [])],
    contents: () => ({
      users: [...users.values()],
      blocks: [...blocks].flatMap(([blocker, blocked]) => [...blocked].map((id): [string, string] => [blocker, id])),
      sessions: [...sessions.values()],
      avatars: [...avatars],
      memberships: [...members].flatMap(([room, ids]) => [...ids].map((id): [string, string] => [room, id])),
    }),
    blockPartners: (userId) => new Set([...(blocks.get(userId) ?? []), ...(blockedByOthers.get(userId) ?? [])]),
    putAvatar: (userId, avatar) => void avatars.set(userId, avatar),
    getAvatar: (userId) => avatars.get(userId),
    deleteAvatar: (userId) => void avatars.delete(userId),
    putSession(session) {
      const previous = sessions.get(session.id);
      if (previous) dropSession(previous);
      sessions.set(session.id, session);
      addToIndex(sessionIdsByUser, session.userId, session.id);
      sessionIdByAccess.set(session.accessTokenHash, session.id);
      for (const hash of refreshHashesOf(session)) sessionIdByRefresh.set(hash, session.id);
    },
    getSession: (id) => sessions.get(id),
    sessionByAccessHash(hash) {
      const id = sessionIdByAccess.get(hash);
      return id === undefined ? undefined : sessions.get(id);
    },
    sessionByRefreshHash(hash) {
      const id = sessionIdByRefresh.get(hash);
      return id === undefined ? undefined : sessions.get(id);
    },
    sessionsOfUser: (userId) => [...(sessionIdsByUser.get(userId) ?? [])].map((id) => sessions.get(id)!),
    deleteSession(id) {
      const session = sessions.get(id);
      if (session) dropSession(session);
    },
    pruneSessions(now) {
      for (const session of sessions.values()) if (session.refreshTokenExpiresAt < now) dropSession(session);
    },
  };
}

const NOBODY: ReadonlySet<string> = new Set();
