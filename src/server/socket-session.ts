import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { CLOSE_CODES, FRAME_LIMITS, PROTOCOL_VERSION, parseClientMessage } from '../core/protocol/index.ts';
import { addressKey } from './address-key.ts';
import type { Audience } from './audience.ts';
import type { ChangeLog } from './change-log.ts';
import type { ClientFrames } from './client-frames.ts';
import { INTERNAL_ERROR, newConnection, type Connection } from './connection.ts';
import type { ConnectionRegistry } from './connection-registry.ts';
import type { HubOptions } from './hub-options.ts';
import type { Outbox } from './outbox.ts';
import type { PresenceLog } from './presence-log.ts';
import type { OnlineListFanOut } from './online-list-fan-out.ts';
import type { RoomFanOut } from './room-fan-out.ts';
import type { applyPatch } from './presence-state.ts';
import type { KeyedBuckets } from './rate-limit.ts';
import type { Views } from './views.ts';

/** The hub's connection of a socket, kept on the socket so its listeners can be shared. */
const CONNECTION = Symbol('connection');
type Wired = WebSocket & { [CONNECTION]: Connection };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A socket's life on this node: accepted, authenticated within a deadline (its `connect` goes through the
 * log, and the welcome comes once it is applied), its frames read under guard, kept alive by heartbeats,
 * and its `disconnect` sent through the log when it closes.
 *
 * @example
 * ```ts
 * wss.on('connection', (ws, request) => sessions.accept(ws, request));
 * ```
 */
export class SocketSessions {
  /** Connections of this node whose `connect` is on its way through the log. */
  private readonly authenticating = new Map<string, Connection>();
  private nextConnection = 0;
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: {
      options: HubOptions;
      presenceLog: PresenceLog;
      /** This node's name in the log (it changes when the node is fenced). */
      node: () => string;
      audience: Audience;
      roomFanOut: RoomFanOut;
      onlineList: OnlineListFanOut;
      outbox: Outbox;
      frames: ClientFrames;
      views: Views;
      changes: ChangeLog;
      registry: ConnectionRegistry;
      /** Failed authentications per address (see `HubLimits.failedAuthsPerSecond`). */
      failedAuths: KeyedBuckets;
    },
  ) {
    this.heartbeat = setInterval(() => this.checkHeartbeats(), deps.options.limits.heartbeatMs);
    this.heartbeat.unref?.();
  }

  accept(ws: WebSocket, request: IncomingMessage): void {
    const { limits, now } = this.deps.options;
    const connection = newConnection(String(this.nextConnection++), ws, addressKey(request.socket.remoteAddress), limits, now);
    this.deps.audience.add(connection);
    connection.authTimer = setTimeout(() => {
      if (connection.userId === null) this.deps.outbox.close(connection, CLOSE_CODES.unauthorized, 'no auth within the deadline');
    }, limits.authTimeoutMs);
    (ws as Wired)[CONNECTION] = connection;
    ws.on('pong', this.socketListeners.pong);
    ws.on('message', this.socketListeners.message);
    ws.on('close', this.socketListeners.close);
    // A socket error is followed by 'close'; listening keeps it from crashing the process.
    ws.on('error', this.socketListeners.error);
  }

  /** The node's own connection waiting for this `connect` (see `SharedStateHooks.claimLocal`). */
  claimLocal(node: string, id: string): Connection | undefined {
    if (node !== this.deps.node()) return undefined;
    const local = this.authenticating.get(id);
    if (local) this.authenticating.delete(id);
    return local;
  }

  welcome(connection: Connection, userId: string): void {
    const { options, audience, outbox } = this.deps;
    const user = options.store.getUser(userId);
    if (!user) return outbox.close(connection, CLOSE_CODES.revoked, 'user deleted');
    audience.addOwn(userId, connection);
    outbox.send(connection, {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      sessionId: connection.sessionId!,
      me: this.deps.views.viewOf(user, userId),
      seq: this.deps.changes.seq,
      serverTime: iso(options.now()),
      heartbeatMs: options.limits.heartbeatMs,
    });
  }

  /** The node was fenced: nothing waiting for a `connect` under its old name will be welcomed. */
  fenced(): void {
    this.authenticating.clear();
  }

  stopHeartbeats(): void {
    clearInterval(this.heartbeat);
  }

  /**
   * One set of listeners for every socket (a listener gets its socket as `this`), rather than closures
   * per connection: they were a tenth of an idle connection's memory.
   */
  private readonly socketListeners = (() => {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listeners' own `this` is the socket
    const sessions = this;
    return {
      pong(this: WebSocket) {
        (this as Wired)[CONNECTION].alive = true;
      },
      message(this: WebSocket, data: unknown, isBinary: boolean) {
        const connection = (this as Wired)[CONNECTION];
        sessions.guard(connection, 'frame', () => sessions.receive(connection, data as Buffer, isBinary));
      },
      close(this: WebSocket) {
        sessions.forget((this as Wired)[CONNECTION]);
      },
      error(this: WebSocket, error: Error) {
        sessions.deps.options.log(`socket error: ${error.message}`);
      },
    };
  })();

  /**
   * Runs a handler of one client's input: whatever it throws closes that connection with 1011 and is
   * logged by name and message only (never the frame, which may hold a token); the process goes on.
   */
  private guard(connection: Connection, what: string, handle: () => void): void {
    try {
      handle();
    } catch (error) {
      this.deps.options.log(`internal error handling a ${what} of connection ${connection.id}: ${(error as Error)?.message ?? String(error)}`);
      try {
        this.deps.outbox.close(connection, INTERNAL_ERROR, 'internal error');
      } catch {
        connection.ws.terminate();
      }
    }
  }

  private receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    const { outbox, frames } = this.deps;
    connection.alive = true;
    if (connection.closing) return;
    // Before authentication a frame is an auth frame: its size is checked before anything reads it.
    if (connection.userId === null && data.length > FRAME_LIMITS.authBytes) {
      outbox.close(connection, CLOSE_CODES.tooLarge, `the auth frame may be at most ${FRAME_LIMITS.authBytes} bytes`);
      return;
    }
    if (!connection.frames.take()) {
      frames.refuse(connection, ridHint(data, isBinary), 'rate-limited', 'too many frames', connection.frames.retryAfterMs());
      return;
    }
    const parsed = parseClientMessage(isBinary ? data : data.toString('utf8'));
    if (!parsed.ok) {
      if (connection.userId !== null) frames.refuse(connection, parsed.claimed?.rid, parsed.code, parsed.reason);
      // An auth frame without a usable token is an authentication failure; anything else first is a protocol one.
      else if (parsed.claimed?.type === 'auth') outbox.close(connection, CLOSE_CODES.unauthorized, 'no token');
      else outbox.close(connection, CLOSE_CODES.badMessage, 'expected an auth frame');
      return;
    }
    const message = parsed.value;
    if (connection.userId === null) {
      if (message.type !== 'auth') outbox.close(connection, CLOSE_CODES.badMessage, 'expected an auth frame');
      else this.authenticate(connection, message.token, message.presence);
      return;
    }
    frames.handle(connection, connection.userId, message);
  }

  private authenticate(connection: Connection, token: string, presence: Parameters<typeof applyPatch>[1] | undefined, synced = false): void {
    const { options, presenceLog, outbox } = this.deps;
    const verdict = options.sessions.verifyAccessToken(token);
    if (!verdict.ok && verdict.code === 'unauthorized' && !synced && options.sharedLog) {
      // A session minted on another node a moment ago may not have reached this one yet.
      presenceLog.sync().then(
        () => !connection.closing && this.authenticate(connection, token, presence, true),
        () => outbox.close(connection, CLOSE_CODES.goingAway, 'presence is unavailable: retry shortly'),
      );
      return;
    }
    if (!verdict.ok) {
      const code = verdict.code === 'token-expired' ? CLOSE_CODES.tokenExpired : verdict.code === 'revoked' ? CLOSE_CODES.revoked : CLOSE_CODES.unauthorized;
      outbox.close(connection, code, verdict.code);
      return;
    }
    clearTimeout(connection.authTimer);
    connection.authTimer = undefined;
    const { userId, id: sessionId } = verdict.session;
    // Counted over every node: the log holds all of a user's connections.
    if (this.deps.registry.count(userId) >= options.limits.connectionsPerUser) {
      outbox.close(connection, CLOSE_CODES.tooManyConnections, `at most ${options.limits.connectionsPerUser} connections per user`);
      return;
    }
    connection.userId = userId;
    connection.sessionId = sessionId;
    this.authenticating.set(connection.id, connection);
    presenceLog.append(
      { type: 'connect', node: this.deps.node(), connection: connection.id, userId, ...(presence === undefined ? {} : { presence }) },
      undefined,
      () => outbox.close(connection, CLOSE_CODES.goingAway, 'presence is unavailable: retry shortly'),
    );
  }

  private forget(connection: Connection): void {
    clearTimeout(connection.authTimer);
    this.deps.outbox.drop(connection);
    this.deps.onlineList.endWindows(connection);
    this.deps.audience.remove(connection);
    this.deps.roomFanOut.remove(connection);
    const { userId } = connection;
    if (userId === null) return;
    this.authenticating.delete(connection.id);
    this.deps.presenceLog.append({ type: 'disconnect', node: this.deps.node(), connection: connection.id, userId });
  }

  private checkHeartbeats(): void {
    for (const connection of this.deps.audience.all) {
      if (!connection.alive) {
        // No pong and no frame for a whole interval: the peer is gone without a close frame.
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      try {
        connection.ws.ping();
      } catch {
        connection.ws.terminate();
      }
    }
  }
}

/** The request id near the start of a frame refused unread (rate-limited), found without parsing it. */
function ridHint(data: Buffer, isBinary: boolean): number | undefined {
  if (isBinary) return undefined;
  const match = /"rid"\s*:\s*(\d{1,15})[,}\s]/.exec(data.toString('latin1', 0, 256));
  return match ? Number(match[1]) : undefined;
}
