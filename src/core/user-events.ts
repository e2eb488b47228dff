import { kernelOf, viewOf, type EntryChange, type Unsubscribe } from './kernel.ts';
import type { PresenceCore } from './presence-core.ts';
import type { Presence, PresenceStatus } from './protocol/index.ts';
import type { AppPresence, AppUserView, CustomStatus } from './register.ts';
import { fetchUser } from './users.ts';

/** A user's presence change, as delivered to listeners. */
export interface PresenceChange {
  user: AppUserView;
  presence: AppPresence | null;
  previous: AppPresence | null | undefined;
}

/** Argument of RelayBox-style `onStatusUpdate` listeners. */
export interface StatusUpdate {
  status: PresenceStatus;
  statusMessage: string | null;
  statusEmoji: string | null;
  /** When the message and emoji clear themselves, or null. */
  statusExpiresAt: string | null;
  custom: CustomStatus | null;
  callStatus: Presence['callStatus'];
  updatedAt: string;
  user: AppUserView;
}

/** RelayBox's user object: a snapshot plus listeners for that user's connection and status events. */
export interface PresenceUser {
  readonly id: string;
  /** The latest view (profile, presence, relation), or null once the user was deleted. */
  readonly current: AppUserView | null;
  onConnect(callback: (user: AppUserView) => void): Unsubscribe;
  onDisconnect(callback: (user: AppUserView) => void): Unsubscribe;
  /** Both connect and disconnect. */
  onConnectionEvent(callback: (user: AppUserView) => void): Unsubscribe;
  onStatusUpdate(callback: (update: StatusUpdate) => void): Unsubscribe;
}

/**
 * A presence change worth telling: state loaded from a snapshot or REST counts only when it differs
 * from something already known; a live event always does.
 */
function presenceNews(change: EntryChange, live: boolean): PresenceChange | null {
  const { previous, next } = change;
  if (previous.presence === next.presence || (previous.presence === undefined && !live)) return null;
  const user = viewOf(next);
  return user && ({ user, presence: next.presence ?? null, previous: previous.presence } as PresenceChange);
}

function listen(client: PresenceCore, onChange: (id: string, change: EntryChange, live: boolean) => void): Unsubscribe {
  const { changes } = kernelOf(client);
  changes.add(onChange);
  return () => void changes.delete(onChange);
}

/**
 * Calls back on every presence change of everyone online (and retains the online list meanwhile).
 *
 * @example
 * ```ts
 * const stop = onUserPresenceChanged(client, ({ user, presence }) => console.log(user.id, presence?.status));
 * ```
 */
export function onUserPresenceChanged(client: PresenceCore, callback: (change: PresenceChange) => void): Unsubscribe {
  const { safely } = kernelOf(client);
  const release = client.retainOnlineList();
  const stop = listen(client, (_id, change, live) => {
    const news = presenceNews(change, live);
    if (news) safely(() => callback(news));
  });
  return () => {
    release();
    stop();
  };
}

/**
 * Calls back when a user's profile or relation to you changes, or the user is deleted (`null`); not on
 * presence-only changes.
 *
 * @example
 * ```ts
 * const stop = onUserChanged(client, (id, user) => cache.set(id, user));
 * ```
 */
export function onUserChanged(client: PresenceCore, callback: (id: string, user: AppUserView | null) => void): Unsubscribe {
  const { safely } = kernelOf(client);
  return listen(client, (id, { previous, next }) => {
    if (previous.user === next.user && previous.blockedByMe === next.blockedByMe && previous.hasBlockedMe === next.hasBlockedMe) return;
    const view = viewOf(next) as AppUserView | null;
    safely(() => callback(id, view));
  });
}

type UserListener = (news: PresenceChange) => void;

/** Per client, the listeners of each watched user: a change reaches its user's listeners only, in O(1). */
const userListeners = new WeakMap<object, Map<string, Set<UserListener>>>();

function listenersOf(client: PresenceCore): Map<string, Set<UserListener>> {
  let byUser = userListeners.get(client);
  if (!byUser) {
    const map = (byUser = new Map());
    userListeners.set(client, map);
    const { safely } = kernelOf(client);
    listen(client, (id, change, live) => {
      const listeners = map.get(id);
      const news = listeners && presenceNews(change, live);
      if (news) for (const listener of [...listeners]) safely(() => listener(news));
    });
  }
  return byUser;
}

/**
 * RelayBox's user handle, at once and without a request (the user may be unknown yet): each listener
 * retains the user's live presence until it is removed.
 *
 * @example
 * ```ts
 * const stop = watchUser(client, 'ada').onConnect((ada) => toast(`${ada.displayName} is online`));
 * ```
 */
export function watchUser(client: PresenceCore, id: string): PresenceUser {
  const add = (listener: UserListener): Unsubscribe => {
    const byUser = listenersOf(client);
    let set = byUser.get(id);
    if (!set) byUser.set(id, (set = new Set()));
    set.add(listener);
    const release = client.retainUser(id);
    return () => {
      release();
      set.delete(listener);
      if (set.size === 0 && byUser.get(id) === set) byUser.delete(id);
    };
  };
  const onLink = (wanted: boolean | null, callback: (user: AppUserView) => void) =>
    add(({ user, presence, previous }) => {
      const isOnline = presence?.online === true;
      if ((previous?.online === true) !== isOnline && (wanted === null || wanted === isOnline)) callback(user);
    });
  return {
    id,
    get current() {
      return client.peekUser(id);
    },
    onConnect: (callback) => onLink(true, callback),
    onDisconnect: (callback) => onLink(false, callback),
    onConnectionEvent: (callback) => onLink(null, callback),
    onStatusUpdate: (callback) =>
      add(({ user, presence: after, previous: before }) => {
        if (
          after !== null &&
          (before?.status !== after.status ||
            before?.statusMessage !== after.statusMessage ||
            before?.statusEmoji !== after.statusEmoji ||
            before?.statusExpiresAt !== after.statusExpiresAt ||
            before?.callStatus !== after.callStatus ||
            JSON.stringify(before?.custom) !== JSON.stringify(after.custom))
        ) {
          const { status, statusMessage, statusEmoji, statusExpiresAt, custom, callStatus, updatedAt } = after;
          callback({ status, statusMessage, statusEmoji, statusExpiresAt, custom, callStatus, updatedAt, user });
        }
      }),
  };
}

/**
 * RelayBox's getUser: fetches the user unless held (an unknown id rejects with `not-found`), then gives
 * its listener handle.
 *
 * @example
 * ```ts
 * const ada = await getUser(client, 'ada');
 * ada.onStatusUpdate(({ status }) => console.log(status));
 * ```
 */
export async function getUser(client: PresenceCore, id: string): Promise<PresenceUser> {
  if (!client.store.peek(id)?.user) await fetchUser(client, id);
  return watchUser(client, id);
}
