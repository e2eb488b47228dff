import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PresenceError } from './errors.ts';
import type { OnlineCounts, Presence, User, UserView } from './protocol/index.ts';

/**
 * The public connection status. Internally the connection has more states (authenticating, waiting
 * out a backoff); these five are what an app shows.
 */
export type PresenceConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Realm.User's state: 'logged-out' after logOut() or a revoked session; 'removed' when the user was deleted. */
export type SessionState = 'logged-in' | 'logged-out' | 'removed';

/** Client-wide state: small, and changes rarely (never per presence update). */
export interface PresenceState {
  status: PresenceConnectionStatus;
  /** The last error that stopped or interrupted the connection; cleared once connected again. */
  error: PresenceError | null;
  currentUserId: string | null;
  session: SessionState;
  /** Bumped whenever the set of online users changes (not when an online user's status changes). */
  onlineVersion: number;
  /**
   * The online list is past the server's `announceMax`: the client holds only the online users it watches
   * (by name, or in a window), and the counts below are the list's.
   */
  onlineLarge: boolean;
  /** The online list's counts as the server last sent them (null before any). */
  onlineCounts: OnlineCounts | null;
}

/** What the client knows about one user. Replaced (never mutated) on every change. */
export interface UserEntry {
  id: string;
  /** undefined: not loaded yet; null: no such user (or deleted). */
  user: User | null | undefined;
  /** undefined: not known yet; null: hidden by a block. */
  presence: Presence | null | undefined;
  blockedByMe: boolean;
  hasBlockedMe: boolean;
  /** Server sequence number of the newest change applied; older events are ignored. */
  seq: number;
}

/**
 * The client's state: one small zustand store for client-wide state, plus one store per user so that
 * an update to user A costs O(1) and notifies only those who watch A.
 *
 * @example
 * ```ts
 * const store = createPresenceStore();
 * const unsubscribe = store.userStore('ada').subscribe((entry) => console.log(entry.presence));
 * ```
 */
export interface PresenceStore {
  readonly state: StoreApi<PresenceState>;
  /**
   * A counter bumped when someone comes or goes or an online user's status changes: for views grouped
   * by status. Kept apart from `state`, which never changes per presence update.
   */
  readonly statusChanges: StoreApi<number>;
  /** The store of one user, created on first use. */
  userStore(id: string): StoreApi<UserEntry>;
  /** The entry of one user, without creating a store. */
  peek(id: string): UserEntry | undefined;
  /** Applies a user view received at `seq`. Returns the previous and next entry, or null when stale. */
  applyView(view: UserView, seq: number): { previous: UserEntry; next: UserEntry } | null;
  applyPresence(id: string, presence: Presence | null, seq: number): { previous: UserEntry; next: UserEntry } | null;
  /** Forgets what the client held of a user's presence (no longer watched): not known, rather than stale. */
  forgetPresence(id: string): void;
  /** Marks a user deleted (or not found). */
  markMissing(id: string, seq: number): { previous: UserEntry; next: UserEntry } | null;
  /** Ids of users currently online, in no particular order; a new array only when the set changed. */
  onlineUserIds(): readonly string[];
  /** Ids of every user held. */
  knownUserIds(): IterableIterator<string>;
}

/** Structural sharing: an equal incoming value keeps the held object, so selectors see no change. */
function keepIfEqual<T>(held: T, incoming: T): T {
  if (held === incoming || held === undefined || held === null || incoming === undefined || incoming === null) return incoming;
  return JSON.stringify(held) === JSON.stringify(incoming) ? held : incoming;
}

function emptyEntry(id: string): UserEntry {
  return { id, user: undefined, presence: undefined, blockedByMe: false, hasBlockedMe: false, seq: -1 };
}

/**
 * Creates an empty {@link PresenceStore}.
 *
 * @example
 * ```ts
 * const store = createPresenceStore();
 * store.state.getState().status; // 'idle'
 * ```
 */
export function createPresenceStore(): PresenceStore {
  const state = createStore<PresenceState>()(() => ({
    status: 'idle',
    error: null,
    currentUserId: null,
    session: 'logged-in',
    onlineVersion: 0,
    onlineLarge: false,
    onlineCounts: null,
  }));
  const statusChanges = createStore<number>()(() => 0);
  const users = new Map<string, StoreApi<UserEntry>>();
  const online = new Set<string>();
  let onlineList: readonly string[] = [];
  let onlineListVersion = -1;

  function userStore(id: string): StoreApi<UserEntry> {
    let store = users.get(id);
    if (!store) users.set(id, (store = createStore<UserEntry>()(() => emptyEntry(id))));
    return store;
  }

  function commit(id: string, build: (previous: UserEntry) => UserEntry) {
    const store = userStore(id);
    const previous = store.getState();
    const next = build(previous);
    store.setState(next, true);
    const isOnline = next.presence?.online === true;
    const joinedOrLeft = isOnline !== online.has(id);
    if (joinedOrLeft) {
      if (isOnline) online.add(id);
      else online.delete(id);
      state.setState({ onlineVersion: state.getState().onlineVersion + 1 });
    }
    if (joinedOrLeft || (isOnline && previous.presence?.status !== next.presence?.status)) statusChanges.setState(statusChanges.getState() + 1, true);
    return { previous, next };
  }

  return {
    state,
    statusChanges,
    userStore,
    peek: (id) => users.get(id)?.getState(),
    applyView(view, seq) {
      if ((users.get(view.id)?.getState().seq ?? -1) > seq) return null;
      const { presence, blockedByMe, hasBlockedMe, ...user } = view;
      return commit(view.id, (previous) => ({
        ...previous,
        user: keepIfEqual(previous.user, user),
        presence: keepIfEqual(previous.presence, presence),
        blockedByMe,
        hasBlockedMe,
        seq,
      }));
    },
    applyPresence(id, presence, seq) {
      if ((users.get(id)?.getState().seq ?? -1) >= seq) return null;
      return commit(id, (previous) => ({ ...previous, presence: keepIfEqual(previous.presence, presence), seq }));
    },
    forgetPresence(id) {
      if (users.get(id)?.getState().presence) commit(id, (previous) => ({ ...previous, presence: undefined }));
    },
    markMissing(id, seq) {
      if ((users.get(id)?.getState().seq ?? -1) > seq) return null;
      return commit(id, (previous) => ({ ...previous, user: null, presence: null, seq }));
    },
    onlineUserIds() {
      const version = state.getState().onlineVersion;
      if (version !== onlineListVersion) {
        onlineList = [...online];
        onlineListVersion = version;
      }
      return onlineList;
    },
    knownUserIds: () => users.keys(),
  };
}
