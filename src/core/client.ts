import * as v from 'valibot';
import { createApi } from './api.ts';
import type { BackoffOptions } from './backoff.ts';
import { Connection, type EnvironmentEvents, type HeartbeatOptions, type TokenReason, type WebSocketLike } from './connection.ts';
import { PresenceError } from './errors.ts';
import { trackIdle } from './idle.ts';
import {
  LIMITS,
  PresenceDeltaSchema,
  PresencePatchSchema,
  SessionTokensSchema,
  UpdateMeInputSchema,
  UserPageSchema,
  UserViewSchema,
  parseWith,
  type ClientMessageInput,
  type JsonValue,
  type Presence,
  type PresenceDelta,
  type PresencePatch,
  type PresenceStatus,
  type ServerMessage,
  type SessionTokens,
  type UpdateMeInput,
  type User,
  type UserPage,
  type UserView,
} from './protocol/index.ts';
import { createPresenceStore, type PresenceConnectionStatus, type PresenceState, type PresenceStore, type SessionState, type UserEntry } from './store.ts';

/** Options of {@link createPresenceClient}. */
export interface PresenceClientOptions {
  /** The presence server's http(s) base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The WebSocket URL; defaults to the base URL with ws(s): and path `/ws`. */
  wsUrl?: string;
  /**
   * An access token, or a function that returns one. The function is called again with
   * `'expired'` when the server says the token expired.
   */
  token?: string | ((reason: TokenReason) => string | Promise<string>);
  /** Session tokens from the server (`POST /api/v1/sessions`, guest sessions): the client refreshes them itself. */
  session?: SessionTokens;
  /** The WebSocket class (pass `ws`'s in Node). Defaults to the global one. */
  WebSocket?: WebSocketLike;
  fetch?: typeof fetch;
  heartbeat?: HeartbeatOptions;
  backoff?: BackoffOptions;
  /** Source of online/offline/visibility and input events; defaults to `window` in a browser, none elsewhere. */
  environment?: EnvironmentEvents | null;
  /**
   * How long someone else's going offline is held back, in ms (default 5,000). A reconnect within it
   * (a page reload, a network blip) never flashes them offline. 0 shows offline at once.
   */
  offlineGraceMs?: number;
  /**
   * Sets your status to 'away' after this long without input or while the tab is hidden, and back to
   * 'online' at the next input (default: 5 minutes; needs an `environment`). Only an 'online' status is
   * changed, never one you chose. `false` turns it off.
   */
  autoAway?: { afterMs: number } | false;
}

/** Filters of {@link PresenceClient.listUsers} (CometChat's UsersRequest). */
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

/** A user's presence change, as delivered to listeners. */
export interface PresenceChange {
  user: UserView;
  presence: Presence | null;
  previous: Presence | null | undefined;
}

/** Argument of RelayBox-style `onStatusUpdate` listeners. */
export interface StatusUpdate {
  status: PresenceStatus;
  statusMessage: string | null;
  custom: JsonValue | null;
  callStatus: Presence['callStatus'];
  updatedAt: string;
  user: UserView;
}

/** What Realm-style session listeners receive. */
export type SessionEvent =
  | { type: 'token-refreshed' }
  | { type: 'custom-data-refreshed'; customData: Record<string, JsonValue> }
  | { type: 'logged-out' }
  | { type: 'removed' };

/** A function that stops what it was returned by. */
export type Unsubscribe = () => void;

/** RelayBox's user object: a snapshot plus listeners for that user's connection and status events. */
export interface PresenceUser {
  readonly id: string;
  /** The latest view (profile, presence, relation), or null once the user was deleted. */
  readonly current: UserView | null;
  onConnect(callback: (user: UserView) => void): Unsubscribe;
  onDisconnect(callback: (user: UserView) => void): Unsubscribe;
  /** Both connect and disconnect. */
  onConnectionEvent(callback: (user: UserView) => void): Unsubscribe;
  onStatusUpdate(callback: (update: StatusUpdate) => void): Unsubscribe;
}

/** Realm.User's session surface. */
export interface PresenceSession {
  readonly state: SessionState;
  readonly userId: string | null;
  /** The current access token, when the client manages a session (never logged by the kit). */
  readonly accessToken: string | null;
  readonly refreshToken: string | null;
  /** The current user's metadata (Realm customData). */
  readonly customData: Record<string, JsonValue> | null;
  refreshCustomData(): Promise<Record<string, JsonValue>>;
  logOut(): Promise<void>;
  addListener(callback: (event: SessionEvent) => void): void;
  removeListener(callback: (event: SessionEvent) => void): void;
  removeAllListeners(): void;
}

/** The framework-free presence client. Every `on*` returns its unsubscribe function. */
export interface PresenceClient {
  /** Client-wide state (connection status, current user id, session). */
  readonly state: PresenceStore['state'];
  /** Per-user state: O(1) per update, notifies only that user's subscribers. */
  readonly store: PresenceStore;
  readonly session: PresenceSession;
  /** Opens the connection; returns a release function. Reference-counted: the last release closes it. */
  connect(): Unsubscribe;
  /** Closes the connection now, whatever the count. */
  disconnect(): void;
  /** Receive live presence of a user while retained (reference-counted). */
  retainUser(id: string): Unsubscribe;
  /** Receive live presence of everyone online while retained (reference-counted). */
  retainOnlineList(): Unsubscribe;
  /** RelayBox's getUser: fetches the user (not-found rejects), then gives its listener handle. */
  getUser(id: string): Promise<PresenceUser>;
  /** The listener handle of a user, at once and without a request (the user may be unknown yet). */
  watchUser(id: string): PresenceUser;
  /** Called when a user's profile or relation to you changes, or the user is deleted (`null`). */
  onUserChanged(callback: (id: string, user: UserView | null) => void): Unsubscribe;
  fetchUser(id: string): Promise<UserView>;
  getCurrentUser(): Promise<UserView>;
  onCurrentUserChanged(callback: (user: UserView | null) => void): Unsubscribe;
  updateCurrentUser(update: UpdateMeInput | ((user: UserView) => UserView | UpdateMeInput)): Promise<UserView>;
  updateCurrentUserDisplayPicture(input: { file: Blob } | { url: string } | { file: { url: string } }): Promise<UserView>;
  /** Sets your own availability, message, custom payload or call status. Survives reconnects until acknowledged. */
  setStatus(patch: PresencePatch): Promise<void>;
  onUserPresenceChanged(callback: (change: PresenceChange) => void): Unsubscribe;
  onError(callback: (error: PresenceError) => void): Unsubscribe;
  listUsers(filters?: UserFilters): Promise<UserPage>;
  getBlockedUsers(): Promise<UserView[]>;
  blockUser(id: string): Promise<UserView>;
  unblockUser(id: string): Promise<UserView>;
  /** Rocket.Chat's users.presence: changes since `from`, or everyone online (`full`). Also applied to the store. */
  getPresence(options?: { from?: Date | string }): Promise<PresenceDelta>;
  /** The latest view of a user held by the client, or null. */
  peekUser(id: string): UserView | null;
  /** Ids of users currently online (stable array between changes of the set). */
  onlineUserIds(): readonly string[];
}

type UserListener =
  | { kind: 'connect' | 'disconnect' | 'connection'; callback: (user: UserView) => void }
  | { kind: 'status'; callback: (update: StatusUpdate) => void };

interface PendingStatus {
  rid: number | null;
  patch: PresencePatch;
  waiters: Array<{ resolve: () => void; reject: (error: PresenceError) => void }>;
}

function toWsUrl(url: string): string {
  const parsed = new URL(url);
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  parsed.pathname = `${parsed.pathname.replace(/\/$/, '')}/ws`;
  return parsed.toString();
}

function viewOf(entry: UserEntry | undefined): UserView | null {
  if (!entry?.user) return null;
  return { ...entry.user, presence: entry.presence ?? null, blockedByMe: entry.blockedByMe, hasBlockedMe: entry.hasBlockedMe };
}

function defaultEnvironment(): EnvironmentEvents | null {
  const candidate = (globalThis as { window?: EnvironmentEvents }).window;
  return candidate && typeof candidate.addEventListener === 'function' ? candidate : null;
}

/** A release function that does its work the first time only, however often it is called. */
function once(release: () => void): Unsubscribe {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}

const MISSING_TOKEN = 'no credentials: pass `token` or `session` to createPresenceClient';

/**
 * Creates a presence client. It does nothing until `connect()`; REST methods work without a socket.
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
  // Misuse fails here, with the reason, rather than as a connection that never authenticates.
  try {
    new URL(options.url);
  } catch (cause) {
    throw new PresenceError('invalid-input', `url: "${options.url}" is not an absolute URL`, { cause });
  }
  const scheme = new URL(options.url).protocol;
  if (scheme !== 'http:' && scheme !== 'https:') {
    // A common slip: the socket's URL where the server's base URL belongs. Say what to pass instead.
    throw new PresenceError('invalid-input', `url: "${options.url}" is a ${scheme} URL; pass the presence server's http(s) base URL (e.g. http://127.0.0.1:8787): the client opens /ws itself`);
  }
  if (options.session !== undefined) {
    const parsed = parseWith(SessionTokensSchema, options.session);
    if (!parsed.ok) throw new PresenceError('invalid-input', `session: ${parsed.reason}`);
  }
  const store = createPresenceStore();
  const { state } = store;
  let tokens: SessionTokens | null = options.session ?? null;
  let cachedToken: string | null = null;
  let refreshing: Promise<void> | null = null;
  const sessionListeners = new Set<(event: SessionEvent) => void>();
  const errorListeners = new Set<(error: PresenceError) => void>();
  const presenceListeners = new Set<(change: PresenceChange) => void>();
  const userListeners = new Map<string, Set<UserListener>>();
  const userRefs = new Map<string, number>();
  let onlineRefs = 0;
  let connectRefs = 0;
  /** Highest server sequence number received: where a catch-up starts. */
  let cursor: number | null = null;
  /** Retained users (and the online list) whose state we hold in sync, so a cursor is enough for them. */
  const syncedUsers = new Set<string>();
  let onlineSynced = false;
  let nextRid = 1;
  /** What each snapshot request covers, and the frame itself, re-sent when the server says to wait. */
  const snapshotScopes = new Map<number, { users: readonly string[]; online: boolean; frame?: ClientMessageInput }>();
  let statusQueue: PendingStatus[] = [];
  const toSubscribe = new Set<string>();
  const toUnsubscribe = new Set<string>();
  let onlineChange: 'subscribe' | 'unsubscribe' | null = null;
  let flushScheduled = false;
  let reconcileScheduled = false;

  function report(error: PresenceError): void {
    if (errorListeners.size === 0) {
      // Nobody listens: surface it like an uncaught error instead of swallowing it.
      queueMicrotask(() => {
        throw error;
      });
      return;
    }
    for (const listener of errorListeners) listener(error);
  }

  /** Listener exceptions must not break the client's own bookkeeping. */
  function safely(run: () => void): void {
    try {
      run();
    } catch (cause) {
      report(new PresenceError('server-error', 'a presence listener threw', { cause }));
    }
  }

  function emitSession(event: SessionEvent): void {
    for (const listener of [...sessionListeners]) safely(() => listener(event));
  }

  async function refreshTokens(): Promise<void> {
    refreshing ??= (async () => {
      try {
        const current = tokens;
        if (!current) throw new PresenceError('unauthorized', MISSING_TOKEN);
        tokens = await api.request('/api/v1/auth/refresh', {
          method: 'POST',
          json: { refreshToken: current.refreshToken },
          schema: SessionTokensSchema,
          anonymous: true,
        });
        emitSession({ type: 'token-refreshed' });
      } catch (error) {
        if (error instanceof PresenceError && ['revoked', 'unauthorized', 'token-expired'].includes(error.code)) {
          endSession('logged-out', error);
        }
        throw error;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function getToken(reason: TokenReason): Promise<string> {
    if (state.getState().session !== 'logged-in') throw new PresenceError('revoked', 'the session has ended');
    const { token } = options;
    if (typeof token === 'string') return token;
    if (typeof token === 'function') {
      if (reason === 'connect' && cachedToken !== null) return cachedToken;
      cachedToken = await token(reason);
      return cachedToken;
    }
    if (tokens) {
      if (reason === 'expired') await refreshTokens();
      return tokens!.accessToken;
    }
    throw new PresenceError('unauthorized', MISSING_TOKEN);
  }

  const api = createApi({ baseUrl: options.url, fetch: options.fetch ?? globalThis.fetch.bind(globalThis), getToken });

  const environment = options.environment === undefined ? defaultEnvironment() : options.environment;
  const connection = new Connection({
    wsUrl: options.wsUrl ?? toWsUrl(options.url),
    getToken,
    canRenewToken: typeof options.token === 'function' || options.session !== undefined,
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    environment,
    isVisible: () => (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState !== 'hidden',
    onStatus: (status: PresenceConnectionStatus, error) => state.setState({ status, error }),
    onMessage: handleMessage,
    onProblem: report,
    onRevoked: () =>
      endSession(state.getState().session === 'removed' ? 'removed' : 'logged-out', new PresenceError('revoked', 'the session was revoked')),
    // Someone invisible (or about to be) says so with `auth`, so the server never shows them online.
    authPresence: () => {
      const me = state.getState().currentUserId;
      const held = me === null ? undefined : store.peek(me)?.presence?.status;
      const queued = [...statusQueue].reverse().find((pending) => pending.patch.status !== undefined)?.patch.status;
      return (queued ?? held) === 'invisible' ? { status: 'invisible' } : undefined;
    },
  });

  function endSession(next: Exclude<SessionState, 'logged-in'>, error: PresenceError | null): void {
    if (state.getState().session !== 'logged-in') return;
    state.setState({ session: next });
    stopLive();
    state.setState({ status: 'disconnected', error });
    for (const pending of statusQueue) for (const waiter of pending.waiters) waiter.reject(new PresenceError('revoked', 'the session has ended'));
    statusQueue = [];
    emitSession(next === 'removed' ? { type: 'removed' } : { type: 'logged-out' });
  }

  // ---- applying server state -----------------------------------------------------------------

  /**
   * Tells listeners about a change. `live` is a real-time event; state loaded from a snapshot or REST
   * only counts as a change when it differs from something we already knew.
   */
  function notify(id: string, change: { previous: UserEntry; next: UserEntry } | null, live = false): void {
    if (!change) return;
    const { previous, next } = change;
    if (previous.presence === next.presence) return;
    const view = viewOf(next);
    if (!view) return;
    if (previous.presence === undefined && !live) return;
    const before = previous.presence;
    const after = next.presence ?? null;
    for (const listener of presenceListeners) safely(() => listener({ user: view, presence: after, previous: before }));
    const listeners = userListeners.get(id);
    if (!listeners || listeners.size === 0) return;
    const wasOnline = before?.online === true;
    const isOnline = after?.online === true;
    const statusChanged =
      after !== null &&
      (before?.status !== after.status ||
        before?.statusMessage !== after.statusMessage ||
        before?.callStatus !== after.callStatus ||
        JSON.stringify(before?.custom) !== JSON.stringify(after.custom));
    for (const listener of [...listeners]) {
      if (listener.kind === 'status') {
        if (statusChanged) {
          const update: StatusUpdate = {
            status: after.status,
            statusMessage: after.statusMessage,
            custom: after.custom,
            callStatus: after.callStatus,
            updatedAt: after.updatedAt,
            user: view,
          };
          safely(() => listener.callback(update));
        }
      } else if (wasOnline !== isOnline) {
        if (listener.kind === 'connection' || (listener.kind === 'connect') === isOnline) safely(() => listener.callback(view));
      }
    }
  }

  function applyView(view: UserView, seq: number, live = false): void {
    const change = store.applyView(view, seq);
    notify(view.id, change, live);
    if (change) notifyProfile(change);
  }

  const profileListeners = new Set<(id: string, user: UserView | null) => void>();

  /** Profile listeners hear of profile and relation changes, not of presence-only ones. */
  function notifyProfile({ previous, next }: { previous: UserEntry; next: UserEntry }): void {
    if (previous.user === next.user && previous.blockedByMe === next.blockedByMe && previous.hasBlockedMe === next.hasBlockedMe) return;
    const view = viewOf(next);
    for (const listener of profileListeners) safely(() => listener(next.id, view));
  }

  function markMissing(id: string, seq: number): void {
    const change = store.markMissing(id, seq);
    notify(id, change);
    if (change) notifyProfile(change);
  }

  function advance(seq: number): void {
    if (cursor === null || seq > cursor) cursor = seq;
  }

  /** A full answer lists everyone online in scope: whoever we hold as online in scope and is absent went offline. */
  function applyFull(seq: number, listed: Set<string>, scope: { users: readonly string[]; online: boolean }): void {
    const inScope = scope.online ? [...store.onlineUserIds()] : scope.users;
    const me = state.getState().currentUserId;
    const leftMeanwhile: string[] = [];
    for (const id of inScope) {
      // Our own state comes with the welcome (we may be invisible, so not listed as online).
      if (listed.has(id) || id === me) continue;
      const entry = store.peek(id);
      if (entry?.presence?.online) {
        notify(id, store.applyPresence(id, { ...entry.presence, online: false, status: 'offline', callStatus: 'available' }, seq));
        leftMeanwhile.push(id);
      }
    }
    // Offline at once; then their real last state (last seen, message), which the online list does not carry.
    for (let i = 0; i < leftMeanwhile.length; i += LIMITS.idsPerFrame) {
      const users = leftMeanwhile.slice(i, i + LIMITS.idsPerFrame);
      const rid = nextRid++;
      const frame: ClientMessageInput = { type: 'catch-up', rid, users };
      snapshotScopes.set(rid, { users, online: false, frame });
      connection.send(frame);
    }
    for (const id of scope.users) if (!listed.has(id) && store.peek(id)?.user === undefined) markMissing(id, seq);
  }

  // ---- offline grace ---------------------------------------------------------------------------

  const offlineGraceMs = options.offlineGraceMs ?? 5_000;
  const graceTimers = new Map<string, ReturnType<typeof setTimeout>>();

  function cancelGrace(id: string): void {
    const timer = graceTimers.get(id);
    if (timer === undefined) return;
    clearTimeout(timer);
    graceTimers.delete(id);
  }

  function cancelAllGrace(): void {
    for (const timer of graceTimers.values()) clearTimeout(timer);
    graceTimers.clear();
  }

  /** Someone else going offline is shown only if they stay offline for the grace period. */
  function applyPresenceEvent(id: string, presence: Presence | null, seq: number): void {
    cancelGrace(id);
    const held = store.peek(id)?.presence;
    const goesOffline = held?.online === true && presence !== null && !presence.online;
    if (goesOffline && offlineGraceMs > 0 && id !== state.getState().currentUserId) {
      graceTimers.set(
        id,
        setTimeout(() => {
          graceTimers.delete(id);
          notify(id, store.applyPresence(id, presence, seq), true);
        }, offlineGraceMs),
      );
      return;
    }
    notify(id, store.applyPresence(id, presence, seq), true);
  }

  function handleMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        state.setState({ currentUserId: message.me.id });
        applyView(message.me, store.peek(message.me.id)?.seq ?? -1);
        resubscribeAll();
        flushStatus();
        return;
      case 'presence':
        advance(message.seq);
        if (message.user) {
          cancelGrace(message.userId);
          const relation = store.peek(message.userId);
          applyView(
            { ...message.user, presence: message.presence, blockedByMe: relation?.blockedByMe ?? false, hasBlockedMe: relation?.hasBlockedMe ?? false },
            message.seq,
            true,
          );
        } else {
          applyPresenceEvent(message.userId, message.presence, message.seq);
        }
        return;
      case 'user':
        advance(message.seq);
        cancelGrace(message.user.id);
        applyView(message.user, message.seq, true);
        return;
      case 'self':
        applyView(message.me, store.peek(message.me.id)?.seq ?? -1, true);
        return;
      case 'user-removed':
        advance(message.seq);
        markMissing(message.userId, message.seq);
        if (message.userId === state.getState().currentUserId) endSession('removed', new PresenceError('revoked', 'the user was deleted'));
        return;
      case 'snapshot': {
        advance(message.seq);
        for (const view of message.users) applyView(view, message.seq);
        for (const id of message.removed) markMissing(id, message.seq);
        const scope = message.rid === undefined ? undefined : snapshotScopes.get(message.rid);
        if (message.rid !== undefined) snapshotScopes.delete(message.rid);
        if (!scope) return;
        if (message.full) applyFull(message.seq, new Set(message.users.map((view) => view.id)), scope);
        for (const id of scope.users) if (userRefs.has(id)) syncedUsers.add(id);
        if (scope.online && onlineRefs > 0) onlineSynced = true;
        return;
      }
      case 'ack': {
        const index = statusQueue.findIndex((pending) => pending.rid === message.rid);
        if (index === -1) return;
        const [done] = statusQueue.splice(index, 1);
        for (const waiter of done!.waiters) waiter.resolve();
        return;
      }
      case 'error': {
        const error = new PresenceError(message.code, message.message, message.retryAfterMs === undefined ? {} : { retryAfterMs: message.retryAfterMs });
        const index = message.rid === undefined ? -1 : statusQueue.findIndex((pending) => pending.rid === message.rid);
        if (index !== -1) {
          const [failed] = statusQueue.splice(index, 1);
          for (const waiter of failed!.waiters) waiter.reject(error);
          return;
        }
        const scope = message.rid === undefined ? undefined : snapshotScopes.get(message.rid);
        if (scope?.frame && message.code === 'rate-limited') {
          // Snapshots are budgeted per user: wait as told, then ask again (unless the connection went,
          // which clears the scopes and re-subscribes anyway).
          setTimeout(() => {
            if (snapshotScopes.get(message.rid!) === scope) connection.send(scope.frame!);
          }, message.retryAfterMs ?? 1000);
          return;
        }
        if (message.rid !== undefined) snapshotScopes.delete(message.rid);
        report(error);
        return;
      }
      case 'pong':
        return;
    }
  }

  // ---- subscriptions -------------------------------------------------------------------------

  function sendSubscribe(users: readonly string[], online: boolean, from: number | null): void {
    const chunks: string[][] = [];
    for (let i = 0; i < users.length; i += LIMITS.idsPerFrame) chunks.push(users.slice(i, i + LIMITS.idsPerFrame));
    if (chunks.length === 0) chunks.push([]);
    chunks.forEach((chunk, index) => {
      const wantsOnline = online && index === chunks.length - 1;
      if (chunk.length === 0 && !wantsOnline) return;
      const rid = nextRid++;
      const message: ClientMessageInput = { type: 'subscribe', rid, users: chunk };
      if (wantsOnline) message.online = true;
      if (from !== null) message.from = from;
      // With a cursor the server answers for the whole scope, so the scope to reconcile is all of it.
      snapshotScopes.set(rid, from === null ? { users: chunk, online: wantsOnline, frame: message } : { users, online, frame: message });
      connection.send(message);
    });
  }

  /**
   * After (re)connecting: what we already held in sync catches up from the cursor; what was retained
   * but never synced (or everything, on a first connection) asks for the whole current state.
   */
  function resubscribeAll(): void {
    toSubscribe.clear();
    toUnsubscribe.clear();
    onlineChange = null;
    const ids = [...userRefs.keys()];
    const synced = cursor === null ? [] : ids.filter((id) => syncedUsers.has(id));
    const fresh = cursor === null ? ids : ids.filter((id) => !syncedUsers.has(id));
    const onlineFromCursor = onlineRefs > 0 && cursor !== null && onlineSynced;
    if (synced.length > 0 || onlineFromCursor) sendSubscribe(synced, onlineFromCursor, cursor);
    if (fresh.length > 0 || (onlineRefs > 0 && !onlineFromCursor)) sendSubscribe(fresh, onlineRefs > 0 && !onlineFromCursor, null);
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    // Many components mount in one commit: gather their subscriptions into one frame.
    queueMicrotask(() => {
      flushScheduled = false;
      if (connection.status !== 'connected') return;
      const subscribe = [...toSubscribe];
      const unsubscribe = [...toUnsubscribe];
      const online = onlineChange;
      toSubscribe.clear();
      toUnsubscribe.clear();
      onlineChange = null;
      if (subscribe.length > 0 || online === 'subscribe') sendSubscribe(subscribe, online === 'subscribe', null);
      for (let i = 0; i < unsubscribe.length; i += LIMITS.idsPerFrame) {
        connection.send({ type: 'unsubscribe', users: unsubscribe.slice(i, i + LIMITS.idsPerFrame) });
      }
      if (online === 'unsubscribe') connection.send({ type: 'unsubscribe', online: true });
    });
  }

  function retainUser(id: string): Unsubscribe {
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
  }

  function retainOnlineList(): Unsubscribe {
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
  }

  // ---- own status ----------------------------------------------------------------------------

  /** Names this client instance to the server, which then ignores our stale set-presence frames. */
  const origin = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  let changeCounter = 0;

  function flushStatus(): void {
    // Whatever was queued while offline, or sent on a dead connection and never acknowledged, goes
    // again as one merged patch, in order: patches hold absolute values, so a repeat is harmless.
    const unsent = statusQueue.filter((pending) => pending.rid === null);
    if (unsent.length === 0 || connection.status !== 'connected') return;
    statusQueue = statusQueue.filter((pending) => pending.rid !== null);
    const merged: PendingStatus = {
      rid: nextRid++,
      patch: Object.assign({}, ...unsent.map((pending) => pending.patch)) as PresencePatch,
      waiters: unsent.flatMap((pending) => pending.waiters),
    };
    statusQueue.push(merged);
    connection.send({ type: 'set-presence', rid: merged.rid!, patch: merged.patch, origin, n: ++changeCounter });
  }

  state.subscribe((current, previous) => {
    if (previous.status === 'connected' && current.status !== 'connected') {
      for (const pending of statusQueue) pending.rid = null;
      snapshotScopes.clear();
    }
  });

  function setStatus(patch: PresencePatch): Promise<void> {
    // A status the user chose is theirs: idle tracking must not undo it.
    if (patch.status !== undefined) awayBecauseIdle = false;
    return sendStatus(patch);
  }

  function sendStatus(patch: PresencePatch): Promise<void> {
    const parsed = parseWith(PresencePatchSchema, patch);
    if (!parsed.ok) return Promise.reject(new PresenceError('invalid-input', parsed.reason));
    if (state.getState().session !== 'logged-in') return Promise.reject(new PresenceError('revoked', 'the session has ended'));
    return new Promise<void>((resolve, reject) => {
      const pending: PendingStatus = { rid: null, patch, waiters: [{ resolve, reject }] };
      if (connection.status === 'connected') {
        pending.rid = nextRid++;
        statusQueue.push(pending);
        connection.send({ type: 'set-presence', rid: pending.rid, patch, origin, n: ++changeCounter });
      } else {
        statusQueue.push(pending);
      }
    });
  }

  // ---- connection lifecycle -------------------------------------------------------------------

  // ---- automatic away ------------------------------------------------------------------------

  const autoAway = options.autoAway ?? { afterMs: 5 * 60_000 };
  let stopIdleTracking: (() => void) | null = null;
  /** True while the status is 'away' because we set it, not the user. */
  let awayBecauseIdle = false;

  /** An automatic status dropped because the client was stopped is no error worth raising. */
  function reportUnlessClosed(error: unknown): void {
    if (!(error instanceof PresenceError)) report(new PresenceError('server-error', 'automatic status failed', { cause: error }));
    else if (error.code !== 'closed') report(error);
  }

  function startIdleTracking(): void {
    if (stopIdleTracking || !environment || autoAway === false) return;
    stopIdleTracking = trackIdle(
      environment,
      autoAway.afterMs,
      () => {
        const me = state.getState().currentUserId;
        if (me === null || store.peek(me)?.presence?.status !== 'online') return;
        awayBecauseIdle = true;
        sendStatus({ status: 'away' }).catch(reportUnlessClosed);
      },
      () => {
        if (!awayBecauseIdle) return;
        awayBecauseIdle = false;
        sendStatus({ status: 'online' }).catch(reportUnlessClosed);
      },
    );
  }

  /** Ends everything live: the socket, idle tracking and pending grace timers. */
  function stopLive(): void {
    stopIdleTracking?.();
    stopIdleTracking = null;
    cancelAllGrace();
    connection.stop();
  }

  /** Stops on purpose: status changes still waiting for a connection fail with `closed`. */
  function stopConnection(): void {
    const wasLive = connection.status !== 'idle';
    stopLive();
    if (!wasLive) return;
    const abandoned = statusQueue;
    statusQueue = [];
    for (const pending of abandoned) for (const waiter of pending.waiters) waiter.reject(new PresenceError('closed', 'the client was disconnected before the server acknowledged the status'));
  }

  function reconcile(): void {
    if (reconcileScheduled) return;
    reconcileScheduled = true;
    // Deferred so React StrictMode's mount/unmount/mount keeps one socket instead of opening two.
    queueMicrotask(() => {
      reconcileScheduled = false;
      if (connectRefs > 0 && state.getState().session === 'logged-in') {
        connection.start();
        startIdleTracking();
      }
      else if (connectRefs === 0) stopConnection();
    });
  }

  // ---- REST ----------------------------------------------------------------------------------

  function applyRestView(view: UserView): UserView {
    applyView(view, store.peek(view.id)?.seq ?? -1);
    return view;
  }

  async function fetchUser(id: string): Promise<UserView> {
    return applyRestView(await api.request(`/api/v1/users/${encodeURIComponent(id)}`, { schema: UserViewSchema }));
  }

  async function getCurrentUser(): Promise<UserView> {
    const id = state.getState().currentUserId;
    const held = id === null ? null : viewOf(store.peek(id));
    if (held) return held;
    const me = applyRestView(await api.request('/api/v1/me', { schema: UserViewSchema }));
    state.setState({ currentUserId: me.id });
    return me;
  }

  function addUserListener(id: string, listener: UserListener): Unsubscribe {
    let set = userListeners.get(id);
    if (!set) userListeners.set(id, (set = new Set()));
    set.add(listener);
    const release = retainUser(id);
    return () => {
      release();
      set.delete(listener);
      if (set.size === 0) userListeners.delete(id);
    };
  }

  function watchUser(id: string): PresenceUser {
    return {
      id,
      get current() {
        return viewOf(store.peek(id));
      },
      onConnect: (callback) => addUserListener(id, { kind: 'connect', callback }),
      onDisconnect: (callback) => addUserListener(id, { kind: 'disconnect', callback }),
      onConnectionEvent: (callback) => addUserListener(id, { kind: 'connection', callback }),
      onStatusUpdate: (callback) => addUserListener(id, { kind: 'status', callback }),
    };
  }

  const EDITABLE = Object.keys(UpdateMeInputSchema.entries) as Array<keyof UpdateMeInput>;

  const session: PresenceSession = {
    get state() {
      return state.getState().session;
    },
    get userId() {
      return state.getState().currentUserId ?? tokens?.userId ?? null;
    },
    get accessToken() {
      return tokens?.accessToken ?? null;
    },
    get refreshToken() {
      return tokens?.refreshToken ?? null;
    },
    get customData() {
      const id = state.getState().currentUserId;
      return (id === null ? undefined : store.peek(id)?.user?.metadata) ?? null;
    },
    async refreshCustomData() {
      const me = applyRestView(await api.request('/api/v1/me', { schema: UserViewSchema }));
      emitSession({ type: 'custom-data-refreshed', customData: me.metadata });
      return me.metadata;
    },
    async logOut() {
      if (state.getState().session !== 'logged-in') return;
      try {
        await api.request('/api/v1/auth/logout', { method: 'POST', schema: v.object({ ok: v.literal(true) }) });
      } finally {
        endSession('logged-out', null);
      }
    },
    addListener: (callback) => void sessionListeners.add(callback),
    removeListener: (callback) => void sessionListeners.delete(callback),
    removeAllListeners: () => sessionListeners.clear(),
  };

  return {
    state,
    store,
    session,
    connect() {
      connectRefs += 1;
      reconcile();
      return once(() => {
        connectRefs -= 1;
        reconcile();
      });
    },
    disconnect() {
      connectRefs = 0;
      stopConnection();
    },
    retainUser,
    retainOnlineList,
    fetchUser,
    async getUser(id) {
      if (!store.peek(id)?.user) await fetchUser(id);
      return watchUser(id);
    },
    watchUser,
    onUserChanged(callback) {
      profileListeners.add(callback);
      return () => void profileListeners.delete(callback);
    },
    getCurrentUser,
    onCurrentUserChanged(callback) {
      let fired = false;
      let lastEntry: UserEntry | undefined;
      let lastView: UserView | null = null;
      let userUnsubscribe: Unsubscribe = () => {};
      // One call per distinct value: no user yet and a user whose profile has not arrived are both null.
      const fire = () => {
        const id = state.getState().currentUserId;
        const entry = id === null ? undefined : store.peek(id);
        const view = viewOf(entry);
        if (fired && (entry === lastEntry || (view === null && lastView === null))) return;
        fired = true;
        lastEntry = entry;
        lastView = view;
        safely(() => callback(view));
      };
      const follow = () => {
        userUnsubscribe();
        const id = state.getState().currentUserId;
        userUnsubscribe = id === null ? () => {} : store.userStore(id).subscribe(fire);
        fire();
      };
      const stateUnsubscribe = state.subscribe((current, previous) => {
        if (current.currentUserId !== previous.currentUserId) follow();
      });
      follow();
      return () => {
        stateUnsubscribe();
        userUnsubscribe();
      };
    },
    async updateCurrentUser(update) {
      const current = await getCurrentUser();
      const result = typeof update === 'function' ? update(structuredClone(current)) : update;
      const patch: Record<string, unknown> = {};
      for (const key of EDITABLE) {
        const value = (result as Record<string, unknown>)[key];
        if (value === undefined) continue;
        if (typeof update === 'function' && JSON.stringify(value) === JSON.stringify(current[key as keyof UserView])) continue;
        patch[key] = value;
      }
      // As REST does: naming an admin-only field is forbidden. An updater may hand back the whole user
      // (those fields unchanged) or just a patch that leaves them out.
      for (const key of ['role', 'kind', 'isGuest', 'id'] as const) {
        const value = (result as Record<string, unknown>)[key];
        if (value === undefined) continue;
        if (typeof update !== 'function' || JSON.stringify(value) !== JSON.stringify(current[key])) {
          throw new PresenceError('forbidden', `${key} cannot be changed by the user`);
        }
      }
      const parsed = parseWith(UpdateMeInputSchema, patch);
      if (!parsed.ok) throw new PresenceError('invalid-input', parsed.reason);
      return applyRestView(await api.request('/api/v1/me', { method: 'PATCH', json: patch, schema: UserViewSchema }));
    },
    async updateCurrentUserDisplayPicture(input) {
      if ('url' in input) {
        return applyRestView(await api.request('/api/v1/me/avatar', { method: 'PUT', json: { url: input.url }, schema: UserViewSchema }));
      }
      if ('url' in input.file) {
        return applyRestView(await api.request('/api/v1/me/avatar', { method: 'PUT', json: { url: input.file.url }, schema: UserViewSchema }));
      }
      if (input.file.size > LIMITS.avatarBytes) throw new PresenceError('too-large', `the picture may be at most ${LIMITS.avatarBytes} bytes`);
      return applyRestView(await api.request('/api/v1/me/avatar', { method: 'PUT', body: input.file, schema: UserViewSchema }));
    },
    setStatus,
    onUserPresenceChanged(callback) {
      presenceListeners.add(callback);
      const release = retainOnlineList();
      return () => {
        release();
        presenceListeners.delete(callback);
      };
    },
    onError(callback) {
      errorListeners.add(callback);
      return () => void errorListeners.delete(callback);
    },
    async listUsers(filters = {}) {
      const page = await api.request('/api/v1/users', {
        schema: UserPageSchema,
        query: {
          online: filters.online === undefined ? undefined : String(filters.online),
          tags: filters.tags?.join(','),
          role: filters.role,
          search: filters.search,
          limit: filters.limit === undefined ? undefined : String(filters.limit),
          cursor: filters.cursor ?? undefined,
        },
      });
      for (const view of page.users) applyRestView(view);
      return page;
    },
    async getBlockedUsers() {
      const result = await api.request('/api/v1/me/blocks', { schema: v.object({ users: v.array(UserViewSchema) }) });
      return result.users.map(applyRestView);
    },
    blockUser: async (id) =>
      applyRestView(await api.request(`/api/v1/me/blocks/${encodeURIComponent(id)}`, { method: 'PUT', schema: UserViewSchema })),
    unblockUser: async (id) =>
      applyRestView(await api.request(`/api/v1/me/blocks/${encodeURIComponent(id)}`, { method: 'DELETE', schema: UserViewSchema })),
    async getPresence({ from } = {}) {
      const delta = await api.request('/api/v1/users.presence', {
        schema: PresenceDeltaSchema,
        query: { from: from === undefined ? undefined : from instanceof Date ? from.toISOString() : from },
      });
      for (const view of delta.users) applyView(view, delta.seq);
      for (const id of delta.removed) markMissing(id, delta.seq);
      if (delta.full) applyFull(delta.seq, new Set(delta.users.map((view) => view.id)), { users: [], online: true });
      return delta;
    },
    peekUser: (id) => viewOf(store.peek(id)),
    onlineUserIds: () => store.onlineUserIds(),
  };
}

export type { PresenceConnectionStatus, PresenceState, SessionState, User, UserEntry };
