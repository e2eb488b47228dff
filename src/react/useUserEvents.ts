import { useEffect } from 'react';
import { onUserPresenceChanged, watchUser, type PresenceChange, type PresenceUser, type StatusUpdate, type Unsubscribe, type UserView } from '../core/index.ts';
import { useLatest } from './useLatest.ts';
import { usePresenceClient } from './usePresenceClient.ts';

/** Subscribes once per client and id through one of the user handle's `on*` methods; calls the latest callback. */
function useUserListener<A>(
  userId: string,
  callback: (argument: A) => void,
  subscribe: (user: PresenceUser, listener: (argument: A) => void) => Unsubscribe,
): void {
  const latest = useLatest(callback);
  const client = usePresenceClient();
  // `subscribe` is one of the module-level functions below, so it never changes between renders.
  useEffect(() => subscribe(watchUser(client, userId), (argument) => latest.current(argument)), [client, userId, latest, subscribe]);
}

const statusUpdates = (user: PresenceUser, listener: (update: StatusUpdate) => void) => user.onStatusUpdate(listener);
const connects = (user: PresenceUser, listener: (user: UserView) => void) => user.onConnect(listener);
const disconnects = (user: PresenceUser, listener: (user: UserView) => void) => user.onDisconnect(listener);
const connectionEvents = (user: PresenceUser, listener: (user: UserView) => void) => user.onConnectionEvent(listener);

/**
 * Calls `callback` on every status change of a user (RelayBox `onStatusUpdate`). Subscribes once per
 * id and always calls the latest callback, so an inline function is fine.
 *
 * @example
 * ```tsx
 * useOnStatusUpdate(userId, ({ status, updatedAt }) => toast(`${status} since ${updatedAt}`));
 * ```
 */
export function useOnStatusUpdate(userId: string, callback: (update: StatusUpdate) => void): void {
  useUserListener(userId, callback, statusUpdates);
}

/**
 * Calls `callback` when a user comes online (RelayBox `onConnect`).
 *
 * @example
 * ```tsx
 * useOnConnect(userId, (user) => toast(`${user.displayName} is online`));
 * ```
 */
export function useOnConnect(userId: string, callback: (user: UserView) => void): void {
  useUserListener(userId, callback, connects);
}

/**
 * Calls `callback` when a user goes offline (RelayBox `onDisconnect`), after the offline grace period.
 *
 * @example
 * ```tsx
 * useOnDisconnect(userId, (user) => log(`${user.id} left at ${user.presence?.lastOnline}`));
 * ```
 */
export function useOnDisconnect(userId: string, callback: (user: UserView) => void): void {
  useUserListener(userId, callback, disconnects);
}

/**
 * Calls `callback` when a user comes online or goes offline (RelayBox `onConnectionEvent`).
 *
 * @example
 * ```tsx
 * useOnConnectionEvent(userId, (user) => setOnline(user.presence?.online ?? false));
 * ```
 */
export function useOnConnectionEvent(userId: string, callback: (user: UserView) => void): void {
  useUserListener(userId, callback, connectionEvents);
}

/**
 * Calls `callback` whenever anyone's presence changes (ChatKitty `onUserPresenceChanged`); keeps the
 * online list subscribed while mounted.
 *
 * @example
 * ```tsx
 * useOnUserPresenceChanged(({ user, presence }) => announce(`${user.displayName} is ${presence?.status}`));
 * ```
 */
export function useOnUserPresenceChanged(callback: (change: PresenceChange) => void): void {
  const latest = useLatest(callback);
  const client = usePresenceClient();
  useEffect(() => onUserPresenceChanged(client, (change) => latest.current(change)), [client, latest]);
}
