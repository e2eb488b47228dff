import { useEffect } from 'react';
import type { PresenceChange, StatusUpdate, UserView } from '../core/index.ts';
import { useLatest } from './useLatest.ts';
import { usePresenceClient } from './usePresenceClient.ts';

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
  const latest = useLatest(callback);
  const client = usePresenceClient();
  useEffect(() => client.watchUser(userId).onStatusUpdate((update) => latest.current(update)), [client, userId, latest]);
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
  const latest = useLatest(callback);
  const client = usePresenceClient();
  useEffect(() => client.watchUser(userId).onConnect((user) => latest.current(user)), [client, userId, latest]);
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
  const latest = useLatest(callback);
  const client = usePresenceClient();
  useEffect(() => client.watchUser(userId).onDisconnect((user) => latest.current(user)), [client, userId, latest]);
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
  const latest = useLatest(callback);
  const client = usePresenceClient();
  useEffect(() => client.watchUser(userId).onConnectionEvent((user) => latest.current(user)), [client, userId, latest]);
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
  useEffect(() => client.onUserPresenceChanged((change) => latest.current(change)), [client, latest]);
}
