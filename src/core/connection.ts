import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { PresenceError } from './errors.ts';
import { createHeartbeat, type HeartbeatOptions } from './heartbeat.ts';
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ClientMessageInput,
  type ErrorCode,
  type PresencePatch,
  type ServerMessage,
} from './protocol/index.ts';
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
  getToken: (reason: TokenReason) => Promise<string>;
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
}

type Phase = 'idle' | 'waiting' | 'opening' | 'authenticating' | 'open' | 'stopped';

/** Close codes after which the connection retries, and what it tells the app meanwhile. */
const RETRIED_CLOSES: Record<number, [ErrorCode, string]> = {
  [CLOSE_CODES.rateLimited]: ['rate-limited', 'the server closed the connection for flooding'],
  [CLOSE_CODES.tooManyConnections]: ['limit-exceeded', 'this user has too many open connections'],
  [CLOSE_CODES.slowConsumer]: ['slow-consumer', 'the server cut the connection: frames were not read fast enough'],
};

/** Ignores a socket's error events: each is followed by a close, where the decision is made. */
const ignore = (): void => {};

/**
 * One logical connection to the presence server: one WebSocket at a time, and one reconnect policy
 * (jittered exponential backoff, skipped when the network comes back or the tab becomes visible);
 * authentication by first frame (never in the URL), app-level ping/pong, and close codes that mean
 * "refresh the token" or "stop".
 *
 * @example
 * ```ts
 * const connection = new Connection({ wsUrl, getToken: async () => token, canRenewToken: false,
 *   onStatus: console.log, onMessage: handle, onProblem: console.warn, onRevoked: logOut });
 * connection.start();
 * ```
 */
export class Connection {
  #socket: SocketLike | null = null;
  /** True between start() and stop(): a closed socket is followed by another. */
  #running = false;
  #phase: Phase = 'idle';
  #attempt = 0;
  #everConnected = false;
  #tokenReason: TokenReason = 'connect';
  #unauthorizedInARow = 0;
  #backoffTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bounds each step before the welcome: opening the socket, then authenticating. */
  #stepTimer: ReturnType<typeof setTimeout> | undefined;
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
      () => this.#fail(new PresenceError('timeout', 'no pong from the server: the connection is dead')),
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
    if (this.#phase !== 'open' || !this.#socket) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  start(): void {
    if (this.#running && this.#phase !== 'stopped') return;
    this.#teardown();
    this.#running = true;
    this.#attempt = 0;
    this.#unauthorizedInARow = 0;
    this.#lastError = null;
    for (const [type, listener] of this.#environmentListeners) this.#options.environment?.addEventListener(type, listener);
    this.#open();
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

  /** Closes the current socket without hearing from it again. */
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

  #open(): void {
    this.#setPhase('opening');
    const Socket = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;
    let socket: SocketLike;
    try {
      if (!Socket) throw new TypeError("no global WebSocket: pass the `WebSocket` option (`ws`'s class in Node)");
      socket = new Socket(this.#options.wsUrl, PROTOCOL_VERSION);
    } catch (cause) {
      // A URL the WebSocket class refuses will never work: say so instead of retrying forever.
      this.#halt(new PresenceError('invalid-input', `cannot open a WebSocket to ${this.#options.wsUrl}: ${String(cause)}`, { cause }));
      return;
    }
    this.#socket = socket;
    socket.addEventListener('error', ignore);
    socket.addEventListener('open', this.#handleOpen);
    socket.addEventListener('message', this.#handleMessage);
    socket.addEventListener('close', this.#handleClose);
    this.#stepTimer = setTimeout(() => this.#fail(new PresenceError('timeout', `could not connect to ${this.#options.wsUrl} in time`)), 10_000);
  }

  /** Waits out the backoff (an 'online' or visibility event ends it early), then opens the next socket. */
  #retry(): void {
    this.#attempt += 1;
    // A fresh token is the fix after an expired one, not waiting (attempt 0): the next socket opens at once.
    if (this.#attempt <= 0) return this.#open();
    this.#setPhase('waiting');
    this.#backoffTimer = setTimeout(() => this.#open(), backoffDelay(this.#attempt, this.#options.backoff));
  }

  #wakeUp(): void {
    if (this.#phase !== 'waiting') return;
    clearTimeout(this.#backoffTimer);
    this.#open();
  }

  readonly #handleOpen = (): void => {
    const socket = this.#socket;
    if (!socket) return;
    clearTimeout(this.#stepTimer);
    this.#setPhase('authenticating');
    this.#stepTimer = setTimeout(
      () => this.#fail(new PresenceError('timeout', 'the server did not answer auth in time')),
      this.#options.authTimeoutMs ?? 10_000,
    );
    const reason = this.#tokenReason;
    this.#options.getToken(reason).then(
      (token) => {
        // The socket may have been replaced or stopped while the token was fetched.
        if (this.#socket !== socket || this.#phase !== 'authenticating') return;
        const presence = this.#options.authPresence?.();
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
    const parsed = parseServerMessage(event.data);
    if (!parsed.ok) {
      this.#options.onProblem(new PresenceError('bad-message', `invalid frame from the server: ${parsed.reason}`), event.data);
      return;
    }
    const message = parsed.value;
    if (message.type === 'pong') {
      this.#heartbeat.pong();
      return;
    }
    if (message.type === 'welcome') {
      clearTimeout(this.#stepTimer);
      this.#attempt = 0;
      this.#tokenReason = 'connect';
      this.#unauthorizedInARow = 0;
      this.#everConnected = true;
      this.#lastError = null;
      this.#diagnosis = null;
      this.#setPhase('open');
      this.#heartbeat.start();
    }
    this.#options.onMessage(message);
  };

  readonly #handleClose = (event: CloseEvent): void => {
    this.#socket = null;
    if (this.#phase === 'opening' && !this.#everConnected) this.#options.onNeverOpened?.();
    this.#closed(event.code);
  };

  /** The socket is gone: reconnect unless its close code says not to. */
  #closed(code: number, failure: PresenceError | null = null): void {
    this.#clearTimers();
    if (this.#phase !== 'stopped' && this.#shouldReconnect(code, failure)) this.#retry();
  }

  /** Decides, from the close code (or the failure we caused), whether to reconnect. */
  #shouldReconnect(code: number, failure: PresenceError | null): boolean {
    switch (code) {
      case CLOSE_CODES.tokenExpired:
        this.#tokenReason = 'expired';
        // A fresh token is the fix, not waiting: the next attempt goes at once.
        this.#attempt = -1;
        return true;
      case CLOSE_CODES.revoked:
        this.#halt(new PresenceError('revoked', 'the session was revoked'));
        this.#options.onRevoked();
        return false;
      case CLOSE_CODES.unauthorized:
        this.#unauthorizedInARow += 1;
        this.#lastError = new PresenceError('unauthorized', 'the server refused the token');
        if (!this.#options.canRenewToken || this.#unauthorizedInARow >= 3) {
          this.#halt(this.#lastError);
          return false;
        }
        this.#tokenReason = 'expired';
        return true;
      default: {
        const known = RETRIED_CLOSES[code];
        this.#lastError = known
          ? new PresenceError(known[0], known[1])
          : (failure ??
            this.#diagnosis ??
            (this.#everConnected || this.#attempt > 0 ? new PresenceError('network', `the connection to ${this.#options.wsUrl} was lost; retrying`) : null));
        return true;
      }
    }
  }

  /** The network came back: skip the backoff. It went, or the tab is visible again: probe the link. */
  readonly #environmentListeners: Array<[string, () => void]> = [
    ['online', () => this.#wakeUp()],
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

  /** Drops the current socket and tries again (with backoff). */
  #fail(error: PresenceError): void {
    if (!this.#socket) return;
    this.#drop(CLOSE_CODES.normal, error.code);
    this.#closed(CLOSE_CODES.normal, error);
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
    clearTimeout(this.#stepTimer);
    this.#heartbeat.stop();
    clearTimeout(this.#backoffTimer);
  }
}
