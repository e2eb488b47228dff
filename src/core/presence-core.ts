import { createAutoAway } from './auto-away.ts';
import type { BackoffOptions } from './backoff.ts';
import { Connection, type ConnectionOptions, type EnvironmentEvents, type WebSocketLike } from './connection.ts';
import type { HeartbeatOptions } from './heartbeat.ts';
import { PresenceError } from './errors.ts';
import { attachKernel, once, viewOf, type ChangeListener, type EntryChange, type FrameTap, type Kernel, type Unsubscribe } from './kernel.ts';
import { createOfflineGrace } from './offline-grace.ts';
import type { ClientMessageInput, PresencePatch, ServerMessage, UserView } from './protocol/index.ts';
import type { ErrorCode } from './protocol/codes.ts';
import type { TabLink } from './tab-link.ts';
import type { AppPresencePatch, AppUserView } from './register.ts';
import { createSession, type CredentialOptions, type PresenceSession } from './session.ts';
import { createStatusOutbox } from './status-outbox.ts';
import { createPresenceStore, type PresenceStore } from './store.ts';
import { createSubscriptions } from './subscriptions.ts';

/** Options of {@link createPresenceCore} and `createPresenceClient`. */
export interface PresenceClientOptions extends CredentialOptions {
  /** The presence server's http(s) base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The WebSocket URL; defaults to the base URL with ws(s): and path `/ws`. */
  wsUrl?: string;
  /** The WebSocket class (pass `ws`'s in Node). Defaults to the global one. */
  WebSocket?: WebSocketLike;
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
  /**
   * Tabs of one browser signed in as the same user to the same server share one WebSocket (default true):
   * one tab holds it, chosen with a Web Lock, and the others reach it over a BroadcastChannel; each tab
   * keeps its own state, subscriptions and rooms. `false` gives this client a socket of its own. Where
   * Web Locks or BroadcastChannel are missing (Node, old browsers, jsdom) each client has its own anyway.
   */
  shareConnection?: boolean;
}

/**
 * The core presence client: one connection, the store, your own status and the session. Everything
 * else is a function that takes the client (`getUser(client, id)`, `listUsers(client)`, ...), so an app
 * bundles only what it calls. `createPresenceClient` gives the same client with every function as a method.
 */
export interface PresenceCore {
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
  /** Sets your own availability, message, custom payload or call status. Survives reconnects until acknowledged. */
  setStatus(patch: AppPresencePatch): Promise<void>;
  onError(callback: (error: PresenceError) => void): Unsubscribe;
  /** The latest view of a user held by the client, or null. */
  peekUser(id: string): AppUserView | null;
  /** Ids of users currently online (stable array between changes of the set). */
  onlineUserIds(): readonly string[];
}

function toWsUrl(url: URL): string {
  const parsed = new URL(url);
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  parsed.pathname = `${parsed.pathname.replace(/\/$/, '')}/ws`;
  return parsed.toString();
}

function parseBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new PresenceError('invalid-input', `url: "${url}" is not an absolute URL`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    // A common slip: the socket's URL where the server's base URL belongs. Say what to pass instead.
    throw new PresenceError(
      'invalid-input',
      `url: "${url}" is a ${parsed.protocol} URL; pass the presence server's http(s) base URL (e.g. http://127.0.0.1:8787): the client opens /ws itself`,
    );
  }
  return parsed;
}

/** A browser page with Web Locks and BroadcastChannel: where tabs can share a socket. */
function canShareSocket(): boolean {
  const scope = globalThis as { document?: unknown; navigator?: { locks?: { request?: unknown } }; BroadcastChannel?: unknown };
  // happy-dom has a `navigator.locks` that cannot lock.
  return scope.document !== undefined && typeof scope.navigator?.locks?.request === 'function' && typeof scope.BroadcastChannel === 'function';
}

function defaultEnvironment(): EnvironmentEvents | null {
  const candidate = (globalThis as { window?: EnvironmentEvents }).window;
  return candidate && typeof candidate.addEventListener === 'function' ? candidate : null;
}

/**
 * Creates the core client. It does nothing until `connect()`; REST functions work without a socket.
 *
 * @example
 * ```ts
 * import { createPresenceCore, watchUser } from 'presence-kit/core';
 *
 * const client = createPresenceCore({ url: 'http://127.0.0.1:8787', token: () => fetchMyToken() });
 * const release = client.connect();
 * const stop = watchUser(client, 'ada').onStatusUpdate(({ status }) => console.log(status));
 * ```
 */
export function createPresenceCore(options: PresenceClientOptions): PresenceCore {
  // Misuse fails here, with the reason, rather than as a connection that never authenticates.
  const baseUrl = parseBaseUrl(options.url);
  const store = createPresenceStore();
  const { state } = store;
  const changes = new Set<ChangeListener>();
  const errorListeners = new Set<(error: PresenceError) => void>();
  let rid = 1;
  const nextRid = () => rid++;
  let connectRefs = 0;
  let reconcileScheduled = false;
  const me = () => state.getState().currentUserId;

  function report(error: PresenceError): void {
    // Nobody listens: surface it like an uncaught error instead of swallowing it.
    if (errorListeners.size === 0)
      queueMicrotask(() => {
        throw error;
      });
    for (const listener of errorListeners) listener(error);
  }

  function safely(run: () => void): void {
    try {
      run();
    } catch (cause) {
      report(new PresenceError('server-error', 'a presence listener threw', { cause }));
    }
  }

  function emit(id: string, change: EntryChange | null, live = false): void {
    if (change) for (const listener of changes) listener(id, change, live);
  }
  const applyView = (view: UserView, seq = store.peek(view.id)?.seq ?? -1, live = false) => emit(view.id, store.applyView(view, seq), live);
  const markMissing = (id: string, seq: number) => emit(id, store.markMissing(id, seq));

  const session = createSession(options, {
    store,
    applyView: (view) => applyView(view),
    safely,
    onEnd(_next, error) {
      stopLive();
      state.setState({ status: 'disconnected', error });
      outbox.rejectAll(new PresenceError('revoked', 'the session has ended'));
    },
  });
  const environment = options.environment === undefined ? defaultEnvironment() : options.environment;
  const wsUrl = options.wsUrl ?? toWsUrl(baseUrl);
  const sharing = options.shareConnection !== false && canShareSocket();
  let diagnosing = false;
  const authPresence = () => {
    const id = me();
    // Someone invisible (or about to be) says so with `auth`, so the server never shows them online.
    return (outbox.pendingStatus() ?? (id === null ? undefined : store.peek(id)?.presence?.status)) === 'invisible'
      ? { status: 'invisible' as const }
      : undefined;
  };
  const connectionOptions: ConnectionOptions = {
    wsUrl,
    getToken: session.getToken,
    canRenewToken: session.canRenewToken,
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    environment,
    isVisible: () => (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState !== 'hidden',
    onStatus: (status, error) => state.setState({ status, error }),
    onMessage: (message) => {
      handleMessage(message);
      // After: what devtools read on hearing of it (the cursor, pending changes) includes its effect.
      for (const tap of taps) tap('in', message);
    },
    // Sockets that never open: find out why, once, and say it (the code for it loads only then).
    onNeverOpened: () => {
      if (diagnosing) return;
      diagnosing = true;
      void import('./diagnose.ts')
        .then(({ diagnoseConnection }) => diagnoseConnection(baseUrl, wsUrl, options.fetch ?? globalThis.fetch.bind(globalThis)))
        .then(
          (reason) => connection.explain(new PresenceError('network', reason)),
          () => {},
        );
    },
    // A frame the core does not know may be a room's (rooms load only with `enterRoom`).
    onProblem: (error, data) => kernel.other?.(data) || report(error),
    onRevoked: () => session.end(state.getState().session === 'removed' ? 'removed' : 'logged-out', new PresenceError('revoked', 'the session was revoked')),
    authPresence,
  };
  const connection = new Connection(connectionOptions);

  // One socket for the browser's tabs (tab-link.ts, loaded only where it runs): the user is known first,
  // since tabs share only with tabs of the same user.
  let tabLink: Promise<TabLink | null> | null = null;
  let linked: TabLink | null = null;
  const shareSocket = (): Promise<TabLink | null> =>
    (tabLink ??= (async () => {
      await session.getToken('connect');
      const userId = session.facade.userId ?? (await session.readMe()).id;
      const { createTabLink } = await import('./tab-link.ts');
      const link = createTabLink({
        name: `presence-kit:socket:${wsUrl}:${userId}`,
        environment,
        // The real socket, in whichever tab leads: the first connection's options, its own socket class.
        upstream: ({ onText, onStatus }) =>
          new Connection({
            ...connectionOptions,
            WebSocket: options.WebSocket,
            onText,
            onStatus,
            onMessage: () => {},
            onProblem: () => {},
            onNeverOpened: () => {},
          }),
        onHalt: ({ code, message }) => {
          stopLive();
          state.setState({ status: 'disconnected', error: new PresenceError(code as ErrorCode, message) });
        },
      });
      connectionOptions.WebSocket = link.Socket;
      return (linked = link);
    })().catch(() => null));
  const taps = new Set<FrameTap>();
  const send = (message: ClientMessageInput): boolean => {
    for (const tap of taps) tap('out', message);
    return connection.send(message);
  };
  const outbox = createStatusOutbox({ send, nextRid, isLoggedIn: () => state.getState().session === 'logged-in' });
  const grace = createOfflineGrace(options.offlineGraceMs ?? 5_000, (id, presence, seq) => emit(id, store.applyPresence(id, presence, seq), true));
  const subscriptions = createSubscriptions({
    store,
    send,
    nextRid,
    isConnected: () => connection.status === 'connected',
    applyPresence: (id, presence, seq) => emit(id, store.applyPresence(id, presence, seq)),
    markMissing,
  });
  state.subscribe((current, previous) => {
    // Whatever was in flight on a connection that went will not be answered.
    if (previous.status === 'connected' && current.status !== 'connected') {
      outbox.unsend();
      subscriptions.dropRequests();
    }
  });
  const away = createAutoAway({
    environment,
    afterMs: options.autoAway === false ? false : (options.autoAway?.afterMs ?? 5 * 60_000),
    currentStatus: () => {
      const id = me();
      return id === null ? undefined : store.peek(id)?.presence?.status;
    },
    send: (status) => outbox.send({ status }),
    report,
    // Input in any tab of this browser counts, so a background tab does not set the user away.
    channel: `presence-kit:activity:${baseUrl.href}`,
  });

  function handleMessage(message: ServerMessage): void {
    // The welcome's seq is the server's cursor, not ours: we hold nothing from it yet.
    if ('seq' in message && message.type !== 'welcome') subscriptions.advance(message.seq);
    switch (message.type) {
      case 'welcome':
        state.setState({ currentUserId: message.me.id });
        applyView(message.me);
        subscriptions.resubscribeAll();
        outbox.flush();
        return;
      case 'presence': {
        const { userId, presence, seq } = message;
        if (message.user) {
          grace.cancel(userId);
          const relation = store.peek(userId);
          applyView({ ...message.user, presence, blockedByMe: relation?.blockedByMe ?? false, hasBlockedMe: relation?.hasBlockedMe ?? false }, seq, true);
        } else {
          grace.offer(userId, presence, seq, store.peek(userId)?.presence?.online === true && userId !== me());
        }
        return;
      }
      case 'user':
        grace.cancel(message.user.id);
        applyView(message.user, message.seq, true);
        return;
      case 'self':
        applyView(message.me, undefined, true);
        return;
      case 'user-removed':
        markMissing(message.userId, message.seq);
        if (message.userId === me()) session.end('removed', new PresenceError('revoked', 'the user was deleted'));
        return;
      case 'snapshot':
        for (const view of message.users) applyView(view, message.seq);
        for (const id of message.removed) markMissing(id, message.seq);
        subscriptions.answered(message);
        return;
      case 'ack':
        outbox.settle(message.rid);
        return;
      case 'online-count':
        state.setState({ onlineCounts: message.counts });
        subscriptions.setLarge(message.large, (id) => kernel.inWindow?.(id) ?? false);
        return;
      case 'error': {
        const error = new PresenceError(message.code, message.message, message.retryAfterMs === undefined ? {} : { retryAfterMs: message.retryAfterMs });
        // A refused room entry is the room's to tell (its status), not an error nobody handled.
        if ((message.rid !== undefined && outbox.settle(message.rid, error)) || subscriptions.refused(message) || kernel.other?.(message)) return;
        report(error);
        return;
      }
    }
  }

  /** Ends everything live: the socket, idle tracking and pending grace timers. */
  function stopLive(): void {
    away.stop();
    grace.cancelAll();
    connection.stop();
    void tabLink?.then((link) => link?.stop());
  }

  /** Stops on purpose: status changes still waiting for a connection fail with `closed`. */
  function stopConnection(): void {
    const wasLive = connection.status !== 'idle';
    stopLive();
    if (wasLive) outbox.rejectAll(new PresenceError('closed', 'the client was disconnected before the server acknowledged the status'));
  }

  function reconcile(): void {
    if (reconcileScheduled) return;
    reconcileScheduled = true;
    // Deferred so React StrictMode's mount/unmount/mount keeps one socket instead of opening two.
    queueMicrotask(() => {
      reconcileScheduled = false;
      const wanted = () => connectRefs > 0 && state.getState().session === 'logged-in';
      if (wanted()) {
        void (sharing ? shareSocket() : Promise.resolve(null)).then((link) => {
          if (!wanted()) return;
          link?.start();
          connection.start();
          away.start();
        });
      } else if (connectRefs === 0) stopConnection();
    });
  }

  const kernel: Kernel = {
    store,
    api: session.api,
    changes,
    applyView,
    markMissing,
    applyFull: subscriptions.applyFull,
    report,
    safely,
    taps,
    send,
    isRetained: subscriptions.isRetained,
    inspect: () => ({ ...subscriptions.inspect(), pending: outbox.pending(), link: linked?.inspect() ?? null }),
  };
  return attachKernel<PresenceCore>(
    {
      state,
      store,
      session: session.facade,
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
      retainUser: subscriptions.retainUser,
      retainOnlineList: subscriptions.retainOnlineList,
      setStatus(patch) {
        // A status the user chose is theirs: idle tracking must not undo it.
        if (patch.status !== undefined) away.userChose();
        return outbox.send(patch as PresencePatch);
      },
      onError(callback) {
        errorListeners.add(callback);
        return () => void errorListeners.delete(callback);
      },
      peekUser: (id) => viewOf(store.peek(id)) as AppUserView | null,
      onlineUserIds: () => store.onlineUserIds(),
    },
    kernel,
  );
}
