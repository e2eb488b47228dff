import ReconnectingWebSocket from 'partysocket/ws';
import { reconnectDelays, type BackoffOptions } from './backoff.ts';
import { PresenceError } from './errors.ts';
import { readServerMessage } from './decode/messages.ts';
import { createHeartbeat, type HeartbeatOptions } from './heartbeat.ts';
import { CLOSE_CODES, PROTOCOL_VERSION, type ErrorCode } from './protocol/codes.ts';
import type { ClientMessageInput, PresencePatch, ServerMessage } from './protocol/index.ts';
import type { PresenceConnectionStatus } from './store.ts';

/** Why the connection asks for a token: the first connect, or the server said the last one expired. */
export type TokenReason = 'connect' | 'expired';

/**
 * What the client uses of a socket: the browser's WebSocket and `ws`'s both fit, with no cast. Written
 * out rather than the DOM type, which `ws`'s class is not assignable to (its events are its own types).
 *
 * @example
 * ```ts
 * const socket: SocketLike = new WebSocket('wss://presence.example.com/ws', 'presence.v1');
 * ```
 */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // Method syntax on purpose, and an `any` event: the DOM's generic signature and ws's overloads (one
  // event type each, its own event classes) both fit only so.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

/**
 * A WebSocket class: the browser's, or `ws`'s in Node (`import { WebSocket } from 'ws'`).
 *
 * @example
 * ```ts
 * import { WebSocket } from 'ws';
 * const client = createPresenceClient({ url, session, WebSocket });
 * ```
 */
export type WebSocketLike = new (url: string, protocols?: string | string[]) => SocketLike;

/** The window-like object whose online/offline/visibilitychange events nudge the connection. */
export interface EnvironmentEvents {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface ConnectionOptions {
  wsUrl: string;
  /** `stale`: the token the server just called expired (no refresh when a newer one is already held). */
  getToken: (reason: TokenReason, stale?: string) => Promise<string>;
  /** Whether asking for a token again can help after 4001 (false for a fixed token). */
  canRenewToken: boolean;
  WebSocket?: WebSocketLike;
  heartbeat?: HeartbeatOptions;
  backoff?: BackoffOptions;
  /** Time allowed from open to `welcome`. */
  authTimeoutMs?: number;
  environment?: EnvironmentEvents | null;
  isVisible?: () => boolean;
  onStatus: (status: PresenceConnectionStatus, error: PresenceError | null) => void;
  onMessage: (message: ServerMessage) => void;
  /**
   * Something went wrong that did not change the status: a frame the core does not know, with its data
   * (a room frame, which rooms may take, or an invalid one).
   */
  onProblem: (error: PresenceError, data?: unknown) => void;
  /** The session is over for good (revoked). */
  onRevoked: () => void;
  /** A socket closed before it ever opened, and no attempt has connected yet: worth finding out why. */
  onNeverOpened?: () => void;
  /** Presence to send with `auth`, applied before the connection counts (a user arriving invisible). */
  authPresence?: () => PresencePatch | undefined;
  /** Every text frame as it came, before it is read (the tab that holds a shared socket hands them on). */
  onText?: (text: string) => void;
}

type Phase = 'idle' | 'waiting' | 'opening' | 'authenticating' | 'open' | 'stopped';

/** What a socket's close means: try again after the backoff, at once (a fresh token), or never. */
type Verdict = 'retry' | 'now' | 'stop';

/** Close codes after which the connection retries, and what it tells the app meanwhile. */
const RETRIED_CLOSES: Record<number, [ErrorCode, string]> = {
  [CLOSE_CODES.rateLimited]: ['rate-limited', 'the server closed the connection for flooding'],
  [CLOSE_CODES.tooManyConnections]: ['limit-exceeded', 'this user has too many open connections'],
  [CLOSE_CODES.slowConsumer]: ['slow-consumer', 'the server cut the connection: frames were not read fast enough'],
};

/** What every WebSocket class accepts: an absolute ws(s) URL without a fragment. */
function isWebSocketUrl(url: string): boolean {
  try {
    return /^wss?:$/.test(new URL(url).protocol) && !url.includes('#');
  } catch {
    return false;
  }
}

/** How long an attempt may take to open before partysocket gives it up and tries again. */
const OPEN_TIMEOUT_MS = 10_000;

/**
 * One logical connection to the presence server over partysocket's ReconnectingWebSocket, whose backoff,
 * open timeout and per-attempt URL are the one reconnect policy. Above it sit what a presence session
 * needs: authentication by first frame (never in the URL), app-level ping/pong, close codes that mean
 * "refresh the token" or "stop", and a new attempt at once when the network comes back or the tab
 * becomes visible.
 *
 * @example
 * ```ts
 * const connection = new Connection({ wsUrl, getToken: async () => token, canRenewToken: false,
 *   onStatus: console.log, onMessage: handle, onProblem: console.warn, onRevoked: logOut });
 * connection.start();
 * ```
 */
export class Connection {
  #socket: ReconnectingWebSocket | null = null;
  /** True between start() and stop(): a closed socket is followed by another. */
  #running = false;
  #phase: Phase = 'idle';
  /** Attempts since the last welcome. */
  #attempt = 0;
  #attemptStartedAt = 0;
  #everConnected = false;
  #tokenReason: TokenReason = 'connect';
  /** The token sent with the last `auth`: the one a 4002 calls expired. */
  #sentToken: string | undefined;
  #unauthorizedInARow = 0;
  /** Decided by partysocket's `shouldReconnectOnClose` from the close as it happened; read by the close listener. */
  #verdict: Verdict = 'retry';
  /** Why we ended the current attempt ourselves (no pong, no welcome), told instead of "lost". */
  #failure: PresenceError | null = null;
  /** What the server's close code said, when it says something. */
  #closeError: PresenceError | null = null;
  /** Bounds the wait for the welcome once the socket is open. */
  #authTimer: ReturnType<typeof setTimeout> | undefined;
  #lastError: PresenceError | null = null;
  /** Why attempts fail, when someone found out (see `explain`): told instead of a bare "lost". */
  #diagnosis: PresenceError | null = null;
  #emitted: { status: PresenceConnectionStatus; error: PresenceError | null } = { status: 'idle', error: null };
  readonly #heartbeat;

  readonly #options: ConnectionOptions;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#heartbeat = createHeartbeat(
      options.heartbeat,
      (frame) => this.#socket?.send(frame),
      () => this.#fail(new PresenceError('timeout', 'no pong from the server: the connection is dead'), true),
    );
  }

  get status(): PresenceConnectionStatus {
    switch (this.#phase) {
      case 'idle':
        return 'idle';
      case 'open':
        return 'connected';
      case 'stopped':
        return 'disconnected';
      default:
        return this.#everConnected || this.#attempt > 0 ? 'reconnecting' : 'connecting';
    }
  }

  /** Sends when authenticated; returns false otherwise (callers re-send after the next welcome). */
  send(message: ClientMessageInput): boolean {
    // partysocket's own queue is off (`maxEnqueuedMessages: 0`): a frame queued there would go out
    // before the next connection's auth.
    return this.#phase === 'open' && !!this.#socket?.send(JSON.stringify(message));
  }

  start(): void {
    if (this.#running && this.#phase !== 'stopped') return;
    this.#teardown();
    this.#running = true;
    this.#attempt = 0;
    this.#unauthorizedInARow = 0;
    this.#lastError = null;
    for (const [type, listener] of this.#environmentListeners) this.#options.environment?.addEventListener(type, listener);
    const Socket = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;
    if (!Socket) return this.#halt(new PresenceError('invalid-input', "no global WebSocket: pass the `WebSocket` option (`ws`'s class in Node)"));
    // A URL no WebSocket accepts will never work: say so instead of retrying forever.
    if (!isWebSocketUrl(this.#options.wsUrl)) return this.#halt(new PresenceError('invalid-input', `cannot open a WebSocket to ${this.#options.wsUrl}`));
    this.#connect();
  }

  stop(): void {
    if (!this.#running) return;
    this.#teardown();
    this.#phase = 'idle';
    this.#emit('idle', null);
  }

  #teardown(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#clearTimers();
    for (const [type, listener] of this.#environmentListeners) this.#options.environment?.removeEventListener(type, listener);
    this.#drop(CLOSE_CODES.normal, 'client stopped');
  }

  /** Closes the current socket for good, without hearing from it again. */
  #drop(code?: number, reason?: string): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = null;
    socket.removeEventListener('open', this.#handleOpen);
    socket.removeEventListener('message', this.#handleMessage);
    socket.removeEventListener('close', this.#handleClose);
    socket.close(code, reason);
  }

  /** Replaces the generic "connection lost" of the attempts to come with why they fail, until connected. */
  explain(diagnosis: PresenceError): void {
    if (this.#phase === 'open' || this.#phase === 'stopped' || this.#phase === 'idle') return;
    this.#diagnosis = diagnosis;
    this.#lastError = diagnosis;
    this.#emit(this.status, diagnosis);
  }

  /** Probes the link now (after an 'offline' event or when the tab becomes visible). */
  checkNow(): void {
    if (this.#phase === 'open') this.#heartbeat.probe();
  }

  // ---- socket events ------------------------------------------------------------------------

  /** A new reconnecting socket, whose first attempt goes at once. */
  #connect(): void {
    this.#drop();
    this.#setPhase('opening');
    const socket = new ReconnectingWebSocket(
      // Called before each attempt, after partysocket's backoff: the moment an attempt starts.
      () => {
        this.#attemptStartedAt = Date.now();
        this.#setPhase('opening');
        return this.#options.wsUrl;
      },
      PROTOCOL_VERSION,
      {
        WebSocket: this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket,
        ...reconnectDelays(this.#options.backoff),
        connectionTimeout: OPEN_TIMEOUT_MS,
        maxEnqueuedMessages: 0,
        // Decided here, where the close's code is the real one (partysocket's copies of its own close
        // events lose it in browsers); the close listener then acts on it.
        shouldReconnectOnClose: (event) => (this.#verdict = this.#judge(event.code)) === 'retry',
      },
    );
    this.#socket = socket;
    socket.addEventListener('open', this.#handleOpen);
    socket.addEventListener('message', this.#handleMessage);
    socket.addEventListener('close', this.#handleClose);
  }

  /** The network came back or the tab is visible: cut the backoff short with a fresh socket. */
  #wakeUp(): void {
    if (this.#phase === 'waiting') this.#connect();
  }

  readonly #handleOpen = (): void => {
    const socket = this.#socket;
    if (!socket) return;
    this.#setPhase('authenticating');
    this.#authTimer = setTimeout(
      () => this.#fail(new PresenceError('timeout', 'the server did not answer auth in time')),
      this.#options.authTimeoutMs ?? 10_000,
    );
    this.#options.getToken(this.#tokenReason, this.#tokenReason === 'expired' ? this.#sentToken : undefined).then(
      (token) => {
        // The socket may have been replaced, stopped or reconnected while the token was fetched.
        if (this.#socket !== socket || this.#phase !== 'authenticating') return;
        const presence = this.#options.authPresence?.();
        this.#sentToken = token;
        socket.send(JSON.stringify({ type: 'auth', token, ...(presence ? { presence } : {}) } satisfies ClientMessageInput));
      },
      (cause: unknown) => {
        if (this.#socket !== socket) return;
        const error = cause instanceof PresenceError ? cause : new PresenceError('unauthorized', 'could not get a token', { cause });
        // Guests turned off, or a request the server refuses: asking again will not help.
        if (error.code === 'disabled' || error.code === 'forbidden' || error.code === 'invalid-input') this.#halt(error);
        else this.#fail(error);
      },
    );
  };

  readonly #handleMessage = (event: MessageEvent): void => {
    if (typeof event.data === 'string') this.#options.onText?.(event.data);
    const parsed = readServerMessage(event.data);
    if (!parsed.ok) {
      this.#options.onProblem(new PresenceError('bad-message', `invalid frame from the server: ${parsed.reason}`), event.data);
      return;
    }
    const message = parsed.value;
    // Any frame shows the link is alive, not only a pong: a busy connection is never called dead.
    this.#heartbeat.pong();
    if (message.type === 'pong') return;
    if (message.type === 'welcome') {
      clearTimeout(this.#authTimer);
      this.#attempt = 0;
      this.#tokenReason = 'connect';
      this.#unauthorizedInARow = 0;
      this.#everConnected = true;
      this.#lastError = null;
      this.#diagnosis = null;
      this.#failure = null;
      this.#setPhase('open');
      this.#heartbeat.start();
    }
    this.#options.onMessage(message);
  };

  /** A socket closed (the server, the network, partysocket's open timeout, or our own `#fail`). */
  readonly #handleClose = (): void => {
    const neverOpened = this.#phase === 'opening';
    const verdict = this.#verdict;
    this.#verdict = 'retry';
    this.#clearTimers();
    if (verdict === 'stop' || this.#phase === 'stopped') return;
    if (neverOpened && !this.#everConnected) this.#options.onNeverOpened?.();
    // partysocket gives an attempt up when its open timeout runs out, with a close of its own.
    const timedOut = neverOpened && Date.now() - this.#attemptStartedAt >= OPEN_TIMEOUT_MS;
    this.#lastError =
      this.#failure ??
      (timedOut ? new PresenceError('timeout', `could not connect to ${this.#options.wsUrl} in time`) : null) ??
      this.#closeError ??
      this.#diagnosis ??
      (this.#everConnected || this.#attempt > 0 ? new PresenceError('network', `the connection to ${this.#options.wsUrl} was lost; retrying`) : null);
    this.#failure = null;
    this.#closeError = null;
    this.#attempt += 1;
    this.#setPhase('waiting');
    // A fresh token is the fix, not waiting: the next attempt goes at once.
    if (verdict === 'now') this.#socket?.reconnect();
  };

  /** Decides, from a close code, whether and when to reconnect; stops for good on the codes that mean so. */
  #judge(code: number): Verdict {
    switch (code) {
      case CLOSE_CODES.tokenExpired:
        this.#tokenReason = 'expired';
        return 'now';
      case CLOSE_CODES.revoked:
        this.#halt(new PresenceError('revoked', 'the session was revoked'));
        this.#options.onRevoked();
        return 'stop';
      case CLOSE_CODES.unauthorized:
        this.#unauthorizedInARow += 1;
        this.#closeError = new PresenceError('unauthorized', 'the server refused the token');
        if (!this.#options.canRenewToken || this.#unauthorizedInARow >= 3) {
          this.#halt(this.#closeError);
          return 'stop';
        }
        this.#tokenReason = 'expired';
        return 'retry';
      default: {
        const known = RETRIED_CLOSES[code];
        this.#closeError = known ? new PresenceError(known[0], known[1]) : null;
        return 'retry';
      }
    }
  }

  /**
   * The network came back: skip the backoff. It went, or the tab is visible again: probe the link. The
   * page is put away (closed, or kept in the back/forward cache): say goodbye by closing the socket, so
   * the server starts the user's leave now rather than when its heartbeat gives up, and a page kept in
   * the cache does not hold the user online; it connects again when shown.
   */
  readonly #environmentListeners: Array<[string, () => void]> = [
    ['online', () => this.#wakeUp()],
    [
      'pagehide',
      () => {
        if (!this.#socket) return;
        this.#clearTimers();
        // 1000: a browser refuses to send 1001 (going away) itself.
        this.#drop(CLOSE_CODES.normal, 'page hidden');
        this.#setPhase('waiting');
      },
    ],
    ['pageshow', () => this.#phase === 'waiting' && !this.#socket && this.#connect()],
    ['offline', () => this.checkNow()],
    [
      'visibilitychange',
      () => {
        if (this.#options.isVisible?.() === false) return;
        this.#wakeUp();
        this.checkNow();
      },
    ],
  ];

  // ---- transitions ---------------------------------------------------------------------------

  /**
   * Ends the current attempt. A link that was up and died (no pong) is tried again at once (partysocket's
   * `reconnect`). An attempt that failed before the welcome (no token, no answer to auth) counts as a
   * failed attempt, so partysocket's backoff spaces the next: its public `reconnect` would start over at
   * no delay, and a token getter that fails at once would make that a loop of handshakes. So the attempt's
   * own WebSocket is closed, which partysocket handles as any other close.
   */
  #fail(error: PresenceError, linkDied = false): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#failure = error;
    const attempt = (socket as unknown as { _ws?: { close(code?: number, reason?: string): void } })._ws;
    if (linkDied || !attempt) socket.reconnect(CLOSE_CODES.normal, error.code);
    else attempt.close(CLOSE_CODES.normal, error.code);
  }

  /** Stops for good, keeping the reason. */
  #halt(error: PresenceError): void {
    this.#lastError = error;
    this.#clearTimers();
    this.#phase = 'stopped';
    this.#drop();
    this.#emit('disconnected', error);
  }

  #emit(status: PresenceConnectionStatus, error: PresenceError | null): void {
    if (this.#emitted.status === status && this.#emitted.error === error) return;
    this.#emitted = { status, error };
    this.#options.onStatus(status, error);
  }

  #setPhase(phase: Phase): void {
    if (this.#phase === 'stopped') return;
    this.#phase = phase;
    const status = this.status;
    this.#emit(status, status === 'connected' ? null : this.#lastError);
  }

  #clearTimers(): void {
    clearTimeout(this.#authTimer);
    this.#heartbeat.stop();
  }
}
