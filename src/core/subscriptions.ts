import { once, type Unsubscribe } from './kernel.ts';
import type { ClientMessageInput, Presence, ServerMessage } from './protocol/index.ts';
import { LIMITS } from './protocol/limits.ts';
import type { PresenceStore } from './store.ts';

interface Scope {
  users: readonly string[];
  online: boolean;
  /** The frame itself, sent again when the server says to wait. */
  frame?: ClientMessageInput;
}

interface SubscriptionDeps {
  store: PresenceStore;
  send: (message: ClientMessageInput) => boolean;
  isConnected: () => boolean;
  nextRid: () => number;
  applyPresence: (id: string, presence: Presence, seq: number) => void;
  markMissing: (id: string, seq: number) => void;
}

/** What the client receives live, and how it catches up after a reconnect. */
export interface Subscriptions {
  retainUser(id: string): Unsubscribe;
  retainOnlineList(): Unsubscribe;
  /** Moves the cursor: the highest server sequence number received. */
  advance(seq: number): void;
  /** What devtools show: the cursor, each retained user's holders, the online list's holders. */
  inspect(): { cursor: number | null; users: ReadonlyMap<string, number>; onlineList: number };
  /** After a welcome: catch up from the cursor what was in sync; ask for the rest in full. */
  resubscribeAll(): void;
  /** A snapshot answered one of our requests: reconcile its scope. */
  answered(message: Extract<ServerMessage, { type: 'snapshot' }>): void;
  /** An error answered one of our requests: true when it was handled (a snapshot to ask for again later). */
  refused(message: Extract<ServerMessage, { type: 'error' }>): boolean;
  /** Reconciles a full answer: whoever we hold online in scope and is not listed went offline. */
  applyFull(seq: number, listed: Set<string>, scope: { users: readonly string[]; online: boolean }): void;
  /** The connection dropped: requests in flight will not be answered. */
  dropRequests(): void;
  /**
   * The server says whether the online list is large (see `online-count`). Becoming large, the client forgets
   * the presence of online users nobody retains and `keep` does not hold (a window's rows), since their
   * changes stop coming; becoming small again, it asks for the whole list.
   */
  setLarge(large: boolean, keep: (id: string) => boolean): void;
  /** Whether a user is retained by name. */
  isRetained(id: string): boolean;
}

/**
 * Creates the subscription bookkeeping: reference-counted interest in users and in the online list,
 * gathered per microtask into chunked frames, and a catch-up from the last sequence number seen
 * (a delta) for what was in sync, or a full snapshot for what was not.
 *
 * @example
 * ```ts
 * const subscriptions = createSubscriptions({ store, send, isConnected, nextRid, applyPresence, markMissing });
 * const release = subscriptions.retainUser('ada');
 * ```
 */
export function createSubscriptions(deps: SubscriptionDeps): Subscriptions {
  const { store } = deps;
  const userRefs = new Map<string, number>();
  let onlineRefs = 0;
  let cursor: number | null = null;
  /** Retained users (and the online list) whose state we hold in sync, so a cursor is enough for them. */
  const syncedUsers = new Set<string>();
  let onlineSynced = false;
  const scopes = new Map<number, Scope>();
  const toSubscribe = new Set<string>();
  const toUnsubscribe = new Set<string>();
  let onlineChange: 'subscribe' | 'unsubscribe' | null = null;
  let flushScheduled = false;

  function chunks(ids: readonly string[]): string[][] {
    const result: string[][] = [];
    for (let i = 0; i < ids.length; i += LIMITS.idsPerFrame) result.push(ids.slice(i, i + LIMITS.idsPerFrame));
    return result;
  }

  function request(frame: ClientMessageInput & { rid: number }, scope: Scope): void {
    scopes.set(frame.rid, scope);
    deps.send(frame);
  }

  function sendSubscribe(users: readonly string[], online: boolean, from: number | null): void {
    const parts = chunks(users);
    if (parts.length === 0) parts.push([]);
    parts.forEach((chunk, index) => {
      const wantsOnline = online && index === parts.length - 1;
      if (chunk.length === 0 && !wantsOnline) return;
      const frame: ClientMessageInput & { rid: number } = { type: 'subscribe', rid: deps.nextRid(), users: chunk };
      if (wantsOnline) frame.online = true;
      if (from !== null) frame.from = from;
      // With a cursor the server answers for the whole scope, so the scope to reconcile is all of it.
      request(frame, from === null ? { users: chunk, online: wantsOnline, frame } : { users, online, frame });
    });
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    // Many components mount in one commit: gather their subscriptions into one frame.
    queueMicrotask(() => {
      flushScheduled = false;
      if (!deps.isConnected()) return;
      const subscribe = [...toSubscribe];
      const unsubscribe = [...toUnsubscribe];
      const online = onlineChange;
      toSubscribe.clear();
      toUnsubscribe.clear();
      onlineChange = null;
      if (subscribe.length > 0 || online === 'subscribe') sendSubscribe(subscribe, online === 'subscribe', null);
      for (const users of chunks(unsubscribe)) deps.send({ type: 'unsubscribe', users });
      if (online === 'unsubscribe') deps.send({ type: 'unsubscribe', online: true });
    });
  }

  function applyFull(seq: number, listed: Set<string>, scope: { users: readonly string[]; online: boolean }): void {
    const inScope = scope.online ? [...store.onlineUserIds()] : scope.users;
    const me = store.state.getState().currentUserId;
    const leftMeanwhile: string[] = [];
    for (const id of inScope) {
      // Our own state comes with the welcome (we may be invisible, so not listed as online).
      if (listed.has(id) || id === me) continue;
      const presence = store.peek(id)?.presence;
      if (presence?.online) {
        deps.applyPresence(id, { ...presence, online: false, status: 'offline', callStatus: 'available' }, seq);
        leftMeanwhile.push(id);
      }
    }
    // Offline at once; then their real last state (last seen, message), which the online list does not carry.
    for (const users of chunks(leftMeanwhile)) {
      const frame = { type: 'catch-up', rid: deps.nextRid(), users } as const;
      request(frame, { users, online: false, frame });
    }
    for (const id of scope.users) if (!listed.has(id) && store.peek(id)?.user === undefined) deps.markMissing(id, seq);
  }

  return {
    retainUser(id) {
      const count = userRefs.get(id) ?? 0;
      userRefs.set(id, count + 1);
      if (count === 0) {
        if (!toUnsubscribe.delete(id)) toSubscribe.add(id);
        scheduleFlush();
      }
      return once(() => {
        const remaining = (userRefs.get(id) ?? 1) - 1;
        if (remaining > 0) {
          userRefs.set(id, remaining);
          return;
        }
        userRefs.delete(id);
        syncedUsers.delete(id);
        if (!toSubscribe.delete(id)) toUnsubscribe.add(id);
        scheduleFlush();
      });
    },
    retainOnlineList() {
      onlineRefs += 1;
      if (onlineRefs === 1) {
        onlineChange = onlineChange === 'unsubscribe' ? null : 'subscribe';
        scheduleFlush();
      }
      return once(() => {
        onlineRefs -= 1;
        if (onlineRefs === 0) {
          onlineSynced = false;
          onlineChange = onlineChange === 'subscribe' ? null : 'unsubscribe';
          scheduleFlush();
        }
      });
    },
    // A copy: the devtools keep it as a snapshot while the counts move on.
    inspect: () => ({ cursor, users: new Map(userRefs), onlineList: onlineRefs }),
    advance(seq) {
      if (cursor === null || seq > cursor) cursor = seq;
    },
    resubscribeAll() {
      toSubscribe.clear();
      toUnsubscribe.clear();
      onlineChange = null;
      const ids = [...userRefs.keys()];
      const synced = cursor === null ? [] : ids.filter((id) => syncedUsers.has(id));
      const fresh = cursor === null ? ids : ids.filter((id) => !syncedUsers.has(id));
      const onlineFromCursor = onlineRefs > 0 && cursor !== null && onlineSynced;
      if (synced.length > 0 || onlineFromCursor) sendSubscribe(synced, onlineFromCursor, cursor);
      if (fresh.length > 0 || (onlineRefs > 0 && !onlineFromCursor)) sendSubscribe(fresh, onlineRefs > 0 && !onlineFromCursor, null);
    },
    answered(message) {
      const scope = message.rid === undefined ? undefined : scopes.get(message.rid);
      if (!scope) return;
      scopes.delete(message.rid!);
      // A large list is not listed: the answer covers the users retained by name only.
      const large = store.state.getState().onlineLarge;
      if (message.full) applyFull(message.seq, new Set(message.users.map((view) => view.id)), large ? { ...scope, online: false } : scope);
      for (const id of scope.users) if (userRefs.has(id)) syncedUsers.add(id);
      if (scope.online && onlineRefs > 0 && !large) onlineSynced = true;
    },
    refused(message) {
      const { rid } = message;
      const scope = rid === undefined ? undefined : scopes.get(rid);
      if (!scope) return false;
      if (scope.frame && message.code === 'rate-limited') {
        // Snapshots are budgeted per user: wait as told, then ask again (unless the connection went,
        // which clears the scopes and re-subscribes anyway).
        setTimeout(() => {
          if (scopes.get(rid!) === scope) deps.send(scope.frame!);
        }, message.retryAfterMs ?? 1000);
        return true;
      }
      scopes.delete(rid!);
      return false;
    },
    applyFull,
    dropRequests: () => scopes.clear(),
    isRetained: (id) => userRefs.has(id),
    setLarge(large, keep) {
      const { state } = store;
      if (large === state.getState().onlineLarge) return;
      state.setState({ onlineLarge: large });
      onlineSynced = false;
      const me = state.getState().currentUserId;
      if (large) {
        for (const id of store.onlineUserIds()) if (id !== me && !userRefs.has(id) && !keep(id)) store.forgetPresence(id);
        return;
      }
      // A subscribe in flight is answered in full already.
      if (onlineRefs === 0 || [...scopes.values()].some((scope) => scope.online)) return;
      const users = [...userRefs.keys()];
      const frame = { type: 'catch-up', rid: deps.nextRid() } as const;
      request(frame, { users, online: true, frame });
    },
  };
}
