import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CLOSE_CODES, type JsonValue, type PresencePatch, type RoomMemberWire, type User, type UserView } from '../core/protocol/index.ts';
import { Audience } from './audience.ts';
import { CatchUp, type DeltaAnswer } from './catch-up.ts';
import { ChangeLog } from './change-log.ts';
import { ClientFrames } from './client-frames.ts';
import { FanOut } from './fan-out.ts';
import type { HubOptions } from './hub-options.ts';
import { OnlineListFanOut } from './online-list-fan-out.ts';
import { Outbox } from './outbox.ts';
import { RoomFanOut } from './room-fan-out.ts';
import { RoomFrames } from './room-frames.ts';
import { RoomState } from './room-state.ts';
import { createMemoryLog, type LogCommand, type PresenceLog } from './presence-log.ts';
import type { applyPatch, PresenceRecord } from './presence-state.ts';
import { KeyedBuckets } from './rate-limit.ts';
import { SharedState, type SharedPresenceState } from './shared-state.ts';
import { SocketSessions } from './socket-session.ts';
import { Views } from './views.ts';

export type { HubLimits, HubOptions } from './hub-options.ts';
export type { SharedPresenceState } from './shared-state.ts';
export { ANSWER_BYTES_PER_ROW } from './catch-up.ts';

/** Closes before authentication that count as a failed attempt against the address. */
const FAILED_AUTH_CODES: ReadonlySet<number> = new Set([CLOSE_CODES.unauthorized, CLOSE_CODES.badMessage, CLOSE_CODES.tooLarge]);

/**
 * Live presence on one node: sockets ({@link SocketSessions}, {@link ClientFrames}), the shared state
 * every node applies from the log ({@link SharedState}), who hears of whom ({@link Audience}) and the
 * frames they get ({@link FanOut}, {@link Outbox}), catch-ups ({@link CatchUp}), rooms ({@link RoomState},
 * {@link RoomFanOut}, {@link RoomFrames}). Knows nothing of HTTP;
 * the REST side calls into it when profiles or blocks change.
 *
 * @example
 * ```ts
 * const hub = new PresenceHub({ store, sessions, limits, catchUpWindowMs: 600_000, catchUpMaxChanges: 100_000, now: Date.now, log: console.log });
 * wss.on('connection', (ws, request) => hub.accept(ws, request));
 * ```
 */
export class PresenceHub {
  readonly changes: ChangeLog;
  /** This node's name in the shared log: new for every start, so a restarted node is a new one. */
  private nodeName: string;
  private readonly presenceLog: PresenceLog;
  private readonly virtualKeys = new Map<string, string[]>();
  private nextVirtual = 0;
  private readonly failedAuths: KeyedBuckets;
  private readonly audience = new Audience();
  private readonly outbox: Outbox;
  private readonly views: Views;
  private readonly state: SharedState;
  private readonly catchUp: CatchUp;
  private readonly sessions: SocketSessions;
  private readonly rooms: RoomState;
  private readonly roomFanOut: RoomFanOut;
  private readonly onlineList: OnlineListFanOut;

  constructor(options: HubOptions) {
    this.nodeName = options.node ?? newNodeName();
    // The log's clock once the state applies entries (the change log starts its numbers before that).
    const now = () => (this.state as SharedState | undefined)?.now() ?? options.now();
    this.changes = new ChangeLog(options.catchUpWindowMs, now, options.catchUpMaxChanges, options.sharedLog ?? false);
    this.presenceLog = options.presenceLog ?? createMemoryLog(options.now);
    const { limits } = options;
    this.failedAuths = new KeyedBuckets(limits.failedAuthsPerSecond * 10, limits.failedAuthsPerSecond, 10_000, options.now);
    this.outbox = new Outbox(
      limits.maxBufferedBytes,
      (connection, code) => connection.userId === null && FAILED_AUTH_CODES.has(code) && this.failedAuths.spend(connection.address),
      () => fanOut.turnFlushed(),
    );
    this.views = new Views(
      options.store,
      (id) => this.state.record(id),
      (id) => this.state.existing(id),
    );
    const fanOut = new FanOut(options.store, this.audience, this.outbox, this.views);
    this.rooms = new RoomState(options.roomLeaveGraceMs ?? 5_000, {
      changed: (room, userId) => this.roomFanOut.touch(room, userId),
      event: (room, from, userId, event) => this.roomFanOut.event(room, from, userId, event),
      fire: (command) => this.fire(command),
      now: options.now,
    });
    this.roomFanOut = new RoomFanOut(
      this.rooms,
      options.store,
      (userId) => this.state.existing(userId)?.chosen === 'invisible',
      this.outbox,
      () => this.nodeName,
      { tickMs: options.roomTickMs ?? 50, announceMax: options.roomAnnounceMax ?? 100, countIntervalMs: 1000, now: options.now },
    );
    this.state = new SharedState({
      store: options.store,
      changes: this.changes,
      fanOut,
      rooms: this.rooms,
      onlineList: { changed: () => this.onlineList.changed(), viewsChanged: () => this.onlineList.viewsChanged() },
      now: options.now,
      log: options.log,
      hooks: {
        fire: (command) => this.fire(command),
        claimLocal: (node, connection) => this.sessions.claimLocal(node, connection),
        welcome: (connection, userId) => this.sessions.welcome(connection, userId),
        userDeleted: (userId) => {
          this.closeUser(userId, CLOSE_CODES.revoked, 'user deleted');
          this.audience.forgetUser(userId);
          this.virtualKeys.delete(userId);
        },
        relationChanged: (a, b) => this.roomFanOut.relationChanged(a, b),
      },
    });
    this.onlineList = new OnlineListFanOut(this.state.order, this.audience, this.outbox, this.views, options.store, {
      announceMax: options.announceMax ?? 100,
      tickMs: options.onlineTickMs ?? 100,
      countIntervalMs: 1000,
      now: options.now,
    });
    this.catchUp = new CatchUp(options.store, this.changes, this.state.publiclyOnline, this.views, limits, options.now);
    const frames = new ClientFrames({
      audience: this.audience,
      outbox: this.outbox,
      catchUp: this.catchUp,
      presenceLog: this.presenceLog,
      limits,
      now: options.now,
      onlineList: this.onlineList,
      rooms: new RoomFrames({
        fanOut: this.roomFanOut,
        outbox: this.outbox,
        presenceLog: this.presenceLog,
        store: options.store,
        limits,
        node: () => this.nodeName,
        refuse: (...args) => frames.refuse(...args),
        now: options.now,
      }),
    });
    this.sessions = new SocketSessions({
      options,
      presenceLog: this.presenceLog,
      node: () => this.nodeName,
      audience: this.audience,
      roomFanOut: this.roomFanOut,
      onlineList: this.onlineList,
      outbox: this.outbox,
      frames,
      views: this.views,
      changes: this.changes,
      registry: this.state.registry,
      failedAuths: this.failedAuths,
    });
    this.presenceLog.start((entry) => this.state.apply(entry));
  }

  record(userId: string): PresenceRecord {
    return this.state.record(userId);
  }

  /**
   * Sends a change of shared state through the log; it takes effect when applied, on every node. The
   * promise settles once this node has applied it (at once on a single node).
   *
   * @example
   * ```ts
   * await hub.commit({ type: 'relation', blockerId: 'ada', blockedId: 'eve', blocked: true });
   * ```
   */
  commit(command: LogCommand): Promise<void> {
    return new Promise((resolve, reject) => this.presenceLog.append(command, resolve, reject));
  }

  /**
   * Commits with nobody waiting for the outcome (a socket closed, a session saved): the log keeps
   * trying until it is stored, so an outage never loses it.
   */
  fire(command: LogCommand): void {
    this.presenceLog.append(command);
  }

  /** This node's name in the log. */
  get node(): string {
    return this.nodeName;
  }

  /**
   * The log declared this node down while it was alive (cut off from the others too long): its
   * connections no longer count anywhere. It takes a new name and closes its sockets so their clients
   * reconnect and register again; nothing it said under the old name can resurrect them.
   */
  fence(): string {
    this.nodeName = newNodeName();
    this.sessions.fenced();
    this.virtualKeys.clear();
    for (const connection of this.audience.all) this.outbox.close(connection, 1012, 'server restarting: reconnect');
    return this.nodeName;
  }

  /**
   * The presence part of the shared state as of the last applied entry, as JSON (N nodes snapshot it
   * so the log can be trimmed). Local things — sockets, subscriptions — are not in it.
   */
  exportShared(): SharedPresenceState {
    return this.state.export();
  }

  /** Takes over a snapshot's presence state (a node starting up, before it reads the log on from it), in slices of the event loop. */
  restoreShared(state: SharedPresenceState): Promise<void> {
    return this.state.restore(state);
  }

  /** See {@link Views.profileFor}. */
  profileFor(user: User, viewerId: string | null): User {
    return this.views.profileFor(user, viewerId);
  }

  /** `viewer` null: an admin, who sees everyone's public presence and no relation. */
  viewOf(user: User, viewerId: string | null): UserView {
    return this.views.viewOf(user, viewerId);
  }

  /** See {@link CatchUp.delta}. */
  delta(viewerId: string | null, cursor: { seq?: number; time?: number }, scope: { online: boolean; users: ReadonlySet<string> }): DeltaAnswer {
    return this.catchUp.delta(viewerId, cursor, scope);
  }

  /**
   * See {@link CatchUp.chargeAnswerBytes}.
   *
   * @example
   * ```ts
   * const body = JSON.stringify(answer);
   * hub.chargeAnswerBytes(viewerId, answer.users.length, body.length);
   * ```
   */
  chargeAnswerBytes(viewerId: string | null, rows: number, bytes: number): void {
    this.catchUp.chargeAnswerBytes(viewerId, rows, bytes);
  }

  /** Who is in a room now, as an admin sees it (everyone shown there; invisible users are not). */
  roomOccupants(roomId: string): RoomMemberWire[] {
    return this.roomFanOut.members(roomId, null);
  }

  connectionCount(userId: string): number {
    return this.state.connectionCount(userId);
  }

  // ---- changes from outside the socket (REST, controls, simulation) ---------------------------

  setPresence(userId: string, patch: Parameters<typeof applyPatch>[1]): void {
    this.fire({ type: 'set-presence', userId, patch });
  }

  /** A connection that has no socket: simulated users and tests. */
  connectVirtual(userId: string): void {
    const connection = `v${this.nextVirtual++}`;
    const mine = this.virtualKeys.get(userId) ?? [];
    mine.push(connection);
    this.virtualKeys.set(userId, mine);
    this.fire({ type: 'connect', node: this.nodeName, connection, userId });
  }

  /** A simulated connection of the user (the newest) enters a room or changes its room presence there. */
  roomVirtual(type: 'room-enter' | 'room-presence', userId: string, room: string, presence: JsonValue): void {
    const connection = this.virtualKeys.get(userId)?.at(-1);
    if (connection !== undefined) this.fire({ type, node: this.nodeName, connection, userId, room, presence });
  }

  disconnectVirtual(userId: string): void {
    const connection = this.virtualKeys.get(userId)?.pop();
    if (connection !== undefined) this.fire({ type: 'disconnect', node: this.nodeName, connection, userId });
  }

  closeSession(sessionId: string, code: number, reason: string): void {
    for (const connection of this.audience.all) if (connection.sessionId === sessionId) this.outbox.close(connection, code, reason);
  }

  closeUser(userId: string, code: number, reason: string): void {
    for (const connection of [...this.audience.ownOf(userId)]) this.outbox.close(connection, code, reason);
  }

  /** Destroys the user's sockets with no close frame, as a network failure would. */
  dropConnections(userId: string): void {
    for (const connection of [...this.audience.ownOf(userId)]) connection.ws.terminate();
  }

  /** Closes every socket with 1001; their disconnects still go through the log (see {@link shutdown}). */
  close(): void {
    this.sessions.stopHeartbeats();
    this.state.close();
    this.roomFanOut.close();
    this.onlineList.close();
    for (const connection of this.audience.all) this.outbox.close(connection, CLOSE_CODES.goingAway, 'server shutting down');
  }

  /** Stops using the log, once the sockets closed by {@link close} are gone. */
  shutdown(): void {
    this.presenceLog.close();
  }

  /** Stops at once with no close frames, as a crashed process would. */
  kill(): void {
    this.sessions.stopHeartbeats();
    this.state.close();
    this.roomFanOut.close();
    this.onlineList.close();
    this.presenceLog.close();
    for (const connection of this.audience.all) connection.ws.terminate();
  }

  // ---- sockets ---------------------------------------------------------------------------

  /**
   * Whether an address (see `addressKey`) may open another socket: false while its failed
   * authentications are over budget. Checked before the upgrade, so a refused one costs no socket.
   */
  admits(address: string): { ok: true } | { ok: false; retryAfterMs: number } {
    return this.failedAuths.spend(address, 0) ? { ok: true } : { ok: false, retryAfterMs: this.failedAuths.retryAfterMs(address) };
  }

  accept(ws: WebSocket, request: IncomingMessage): void {
    this.sessions.accept(ws, request);
  }
}

function newNodeName(): string {
  return randomBytes(6).toString('base64url');
}

export type { PresencePatch };
