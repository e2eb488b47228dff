import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import {
  CLOSE_CODES,
  FRAME_LIMITS,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ClientMessage,
  type ErrorCode,
  type Presence,
  type PresencePatch,
  type ServerMessage,
  type User,
  type UserView,
} from '../core/protocol/index.ts';
import { randomBytes } from 'node:crypto';
import { ChangeLog } from './change-log.ts';
import { ConnectionRegistry } from './connection-registry.ts';
import { createMemoryLog, type LogCommand, type LogEntry, type PresenceLog } from './presence-log.ts';
import { applyPatch, expireStatus, isNewer, newPresenceRecord, ownPresence, pendingExpiries, republish, type PresenceRecord } from './presence-state.ts';
import { StatusExpiry } from './status-expiry.ts';
import { KeyedBuckets, TokenBucket } from './rate-limit.ts';
import { LatestPerKey } from './latest-per-key.ts';
import { inSlices } from './slices.ts';
import { addressKey } from './address-key.ts';
import type { SessionManager } from './sessions.ts';
import type { PresenceStore } from './store.ts';
import { hiddenFrom, visibility } from './visibility.ts';

/** Limits and timings of the WebSocket side; every one is a server option (see docs/protocol.md). */
export interface HubLimits {
  /** Frames of any kind per second per connection (burst: twice as many). */
  framesPerSecond: number;
  /**
   * `set-presence` frames per second per connection, and per user over all their connections on a node
   * (burst: twice as many): twenty tabs change a status no faster than one.
   */
  statusUpdatesPerSecond: number;
  /**
   * Failed authentications (no or an unknown token, a first frame that is not `auth`, an oversized auth
   * frame, no auth in time) per second per address (IPv6: per /64), burst ten times that; past it the
   * address's handshakes are refused with 503 until it refills. Expired tokens are not counted.
   */
  failedAuthsPerSecond: number;
  /** Refused frames in a row before the connection is closed with 4008. */
  floodCloseAfter: number;
  /** Users one connection may subscribe to. */
  subscriptionsPerConnection: number;
  /** Bytes queued for one connection before it counts as a slow consumer and is cut off (4009). */
  maxBufferedBytes: number;
  /** Time to send `auth` after connecting. */
  authTimeoutMs: number;
  /** The server pings every interval; a connection silent for two intervals is dropped. */
  heartbeatMs: number;
  /**
   * WebSocket handshakes accepted per second from one address; more are refused with HTTP 503 and
   * retried by the clients' jittered backoff, so a restart is not a stampede and one client cannot use
   * up everybody's admission.
   */
  handshakesPerSecond: number;
  /** Live WebSocket connections of one user; one more is closed with 4029. */
  connectionsPerUser: number;
  /**
   * Users listed in snapshots and catch-ups per second, per user (all their connections together; burst
   * the same). One snapshot larger than that is allowed when the budget is untouched; more are refused
   * with `rate-limited` and `retryAfterMs`, which the client waits out and retries.
   */
  snapshotUsersPerSecond: number;
  /**
   * The same budget for everyone together on a node (default ten users' worth): many accounts asking at
   * their own rate cannot take the node. A catch-up is charged the users it lists plus a tenth of the log
   * entries it reads, so an old cursor that makes the server read 100,000 entries costs what it causes.
   */
  snapshotUsersPerSecondTotal: number;
}

interface Connection {
  /** Unique on this node; with the node's id, names the connection in the shared log. */
  id: string;
  ws: WebSocket;
  userId: string | null;
  sessionId: string | null;
  users: Set<string>;
  online: boolean;
  alive: boolean;
  closing: boolean;
  frames: TokenBucket;
  statusUpdates: TokenBucket;
  refusedInARow: number;
  authTimer: ReturnType<typeof setTimeout> | undefined;
  /** The remote address's key for per-address limits (IPv6: its /64). */
  address: string;
}

/** Bytes of a snapshot answer counted as one user listed (a typical user view is 200–400 bytes). */
export const ANSWER_BYTES_PER_ROW = 512;

/** The hub's connection of a socket, kept on the socket so its listeners can be shared. */
const CONNECTION = Symbol('connection');
type Wired = WebSocket & { [CONNECTION]: Connection };

/** 1011: the server failed handling this connection's input; only it is closed (docs/protocol.md). */
const INTERNAL_ERROR = 1011;

const NO_METADATA: Record<string, never> = Object.freeze({});

/** Closes before authentication that count as a failed attempt against the address. */
const FAILED_AUTH_CODES: ReadonlySet<number> = new Set([CLOSE_CODES.unauthorized, CLOSE_CODES.badMessage, CLOSE_CODES.tooLarge]);

export interface HubOptions {
  store: PresenceStore;
  sessions: SessionManager;
  limits: HubLimits;
  catchUpWindowMs: number;
  /** Changes kept for catch-up at most; older cursors get a full answer. */
  catchUpMaxChanges: number;
  now: () => number;
  log: (line: string) => void;
  /** Where shared changes are ordered (default: this process alone). */
  presenceLog?: PresenceLog;
  /** True when `presenceLog` is shared by several nodes and numbers the changes. */
  sharedLog?: boolean;
  /** This node's name in the log (default: random). */
  node?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Live presence: connections, per-user presence, subscriptions, fan-out and catch-up.
 * Knows nothing of HTTP; the REST side calls into it when profiles or blocks change.
 *
 * @example
 * ```ts
 * const hub = new PresenceHub({ store, sessions, limits, catchUpWindowMs: 600_000, now: Date.now, log: console.log });
 * wss.on('connection', (ws, request) => hub.accept(ws, request));
 * ```
 */
export class PresenceHub {
  readonly changes: ChangeLog;
  /** This node's name in the shared log: new for every start, so a restarted node is a new one. */
  private nodeName: string;
  private readonly presenceLog: PresenceLog;
  /** Every live connection on every node, as the log says (local sockets are `connectionsByUser`). */
  private readonly registry = new ConnectionRegistry();
  /** Connections of this node whose `connect` is on its way through the log. */
  private readonly authenticating = new Map<string, Connection>();
  private readonly virtualKeys = new Map<string, string[]>();
  private nextConnection = 0;
  /** The log's clock while an entry is applied, so every node stamps the same times. */
  private applyingAt: number | null = null;
  private readonly records = new Map<string, PresenceRecord>();
  private readonly connectionsByUser = new Map<string, Set<Connection>>();
  private readonly watchers = new Map<string, Set<Connection>>();
  private readonly onlineWatchers = new Set<Connection>();
  private readonly publiclyOnline = new Set<string>();
  private readonly all = new Set<Connection>();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly snapshotBudget: KeyedBuckets;
  private readonly snapshotTotal: TokenBucket;
  private readonly statusBudget: KeyedBuckets;
  private readonly failedAuths: KeyedBuckets;
  private readonly expiry: StatusExpiry;
  /** Others' presence frames, the latest per user, held to the end of the turn (see {@link LatestPerKey}). */
  private readonly batch = new LatestPerKey<Connection>(
    (connection, frame) => this.transmit(connection, frame),
    () => this.cameOnlineThisTurn.clear(),
  );
  /** Users who came online while their frames are held: whichever frame wins carries their profile. */
  private readonly cameOnlineThisTurn = new Set<string>();

  constructor(private readonly options: HubOptions) {
    this.nodeName = options.node ?? newNodeName();
    this.changes = new ChangeLog(options.catchUpWindowMs, () => this.now(), options.catchUpMaxChanges, options.sharedLog ?? false);
    this.presenceLog = options.presenceLog ?? createMemoryLog(options.now);
    this.presenceLog.start((entry) => this.applyGuarded(entry));
    const perSecond = options.limits.snapshotUsersPerSecond;
    this.snapshotBudget = new KeyedBuckets(perSecond, perSecond, 10_000, options.now);
    const total = options.limits.snapshotUsersPerSecondTotal;
    this.snapshotTotal = new TokenBucket(total, total, options.now);
    const { statusUpdatesPerSecond, failedAuthsPerSecond } = options.limits;
    this.statusBudget = new KeyedBuckets(statusUpdatesPerSecond * 2, statusUpdatesPerSecond, 10_000, options.now);
    this.failedAuths = new KeyedBuckets(failedAuthsPerSecond * 10, failedAuthsPerSecond, 10_000, options.now);
    this.heartbeat = setInterval(() => this.checkHeartbeats(), options.limits.heartbeatMs);
    this.heartbeat.unref?.();
    this.expiry = new StatusExpiry(options.now, (userId, expiresAt) => this.fire({ type: 'expire-status', userId, expiresAt }));
  }

  // ---- state -------------------------------------------------------------------------------

  record(userId: string): PresenceRecord {
    let record = this.records.get(userId);
    if (!record) this.records.set(userId, (record = newPresenceRecord(this.now())));
    return record;
  }

  private now(): number {
    return this.applyingAt ?? this.options.now();
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
    this.authenticating.clear();
    this.virtualKeys.clear();
    for (const connection of this.all) this.closeConnection(connection, 1012, 'server restarting: reconnect');
    return this.nodeName;
  }

  /**
   * The presence part of the shared state as of the last applied entry, as JSON (N nodes snapshot it
   * so the log can be trimmed). Local things — sockets, subscriptions — are not in it.
   */
  exportShared(): SharedPresenceState {
    return {
      seq: this.changes.seq,
      records: [...this.records].map(([id, record]) => [id, { ...record, applied: [...record.applied] }]),
      connections: this.registry.export(),
    };
  }

  /**
   * Takes over a snapshot's presence state (a node starting up, before it reads the log on from it), in
   * slices of the event loop.
   */
  async restoreShared(state: SharedPresenceState): Promise<void> {
    await inSlices(state.records, ([id, record]) => {
      // Records saved before status emoji and expiry existed have neither.
      const restored: PresenceRecord = { ...record, applied: new Map(record.applied) };
      restored.statusEmoji ??= null;
      restored.statusExpiresAt ??= null;
      restored.published = {
        ...restored.published,
        statusEmoji: restored.published.statusEmoji ?? null,
        statusExpiresAt: restored.published.statusExpiresAt ?? null,
      };
      this.records.set(id, restored);
      this.expiry.track(id, pendingExpiries(restored));
      if (record.published.online) this.publiclyOnline.add(id);
    });
    this.registry.restore(state.connections);
    this.changes.advanceTo(state.seq);
  }

  /**
   * An entry that fails to apply (a bug its input reached) is logged and skipped rather than stopping the
   * node: the log goes on, and the next snapshot or catch-up puts every node back on the same state.
   */
  private applyGuarded(entry: LogEntry): void {
    try {
      this.apply(entry);
    } catch (error) {
      this.options.log(`internal error applying log entry ${entry.seq} (${entry.command.type}): ${(error as Error)?.message ?? String(error)}`);
    }
  }

  /** Applies one entry of the log, in log order: the only place shared state changes. */
  private apply(entry: LogEntry): void {
    if (entry.seq > 0) this.changes.advanceTo(entry.seq - 1);
    this.applyingAt = entry.at;
    try {
      const { command } = entry;
      switch (command.type) {
        case 'connect':
          return this.applyConnect(command);
        case 'disconnect':
          if (this.registry.remove(command.userId, command.node, command.connection)) this.addConnectionCount(command.userId, -1);
          return;
        case 'set-presence': {
          const record = this.record(command.userId);
          // A stale change (its client already sent a newer one) is dropped on every node alike.
          const fresh = command.origin === undefined || command.n === undefined || isNewer(record, command.origin, command.n);
          if (fresh && applyPatch(record, command.patch, this.now())) this.publishPresence(command.userId, record, true);
          return this.expiry.track(command.userId, pendingExpiries(record));
        }
        case 'expire-status': {
          const record = this.records.get(command.userId);
          if (!record) return;
          const wasOnline = record.published.online;
          const { own, published } = expireStatus(record, command.expiresAt, this.now());
          if (published) this.broadcastPublished(command.userId, record, wasOnline);
          // A visible user's public copy follows their own state.
          else if (own) this.publishPresence(command.userId, record, true);
          return this.expiry.track(command.userId, pendingExpiries(record));
        }
        case 'user-put':
          this.options.store.putUser(command.user);
          return this.userChanged(command.user, command.previous);
        case 'user-delete':
          if (!this.options.store.getUser(command.userId)) return;
          this.userRemoved(command.userId);
          this.options.store.deleteUser(command.userId);
          return;
        case 'relation':
          if (this.options.store.isBlocked(command.blockerId, command.blockedId) === command.blocked) return;
          this.options.store.setBlocked(command.blockerId, command.blockedId, command.blocked);
          return this.relationChanged(command.blockerId, command.blockedId);
        case 'node-down':
          return this.applyNodeDown(command.node);
        case 'session-put':
          return this.options.store.putSession(command.session);
        case 'avatar-put':
          return this.options.store.putAvatar(command.userId, { contentType: command.contentType, version: command.version, byteLength: command.byteLength });
        case 'avatar-delete':
          return this.options.store.deleteAvatar(command.userId);
      }
    } finally {
      this.applyingAt = null;
    }
  }

  private applyConnect(command: Extract<LogCommand, { type: 'connect' }>): void {
    const local = command.node === this.nodeName ? this.authenticating.get(command.connection) : undefined;
    if (local) this.authenticating.delete(command.connection);
    // A node declared down is fenced: nothing it says about connections counts any more.
    if (this.registry.isDown(command.node)) return;
    const { userId } = command;
    // The presence the client arrives with applies before the connection counts: someone arriving
    // invisible is never published as online, not even for a moment.
    const record = this.record(userId);
    const patched = command.presence !== undefined && applyPatch(record, command.presence, this.now());
    if (this.registry.add(userId, command.node, command.connection)) this.addConnectionCount(userId, +1, patched);
    else if (patched) this.publishPresence(userId, record, true);
    if (patched) this.expiry.track(userId, pendingExpiries(record));
    // Others hear of the new connection first; this one learns its state from the welcome, so the
    // welcome is the first frame it gets and its cursor starts clean.
    if (local && !local.closing && local.userId === userId) this.welcome(local, userId);
  }

  private applyNodeDown(node: string): void {
    for (const userId of this.registry.dropNode(node)) this.addConnectionCount(userId, -1);
  }

  /**
   * The profile `viewerId` sees of `user` (what {@link viewOf} puts in a view) without building the view:
   * a directory search filters on it first, so a query that matches nobody costs a string test per user.
   */
  profileFor(user: User, viewerId: string | null): User {
    const frozen = this.records.get(user.id)?.frozenProfile;
    if (!frozen || viewerId === null) return user;
    return visibility(this.options.store, viewerId, user.id) === 'public' ? frozen : user;
  }

  /** `viewer` null: an admin, who sees everyone's public presence and no relation. */
  viewOf(user: User, viewerId: string | null): UserView {
    const { store } = this.options;
    const seen = visibility(store, viewerId, user.id);
    const record = this.record(user.id);
    // Others see an invisible user's profile as it was; the user and the admin key see what is stored.
    const profile = seen === 'public' && viewerId !== null && record.frozenProfile ? record.frozenProfile : user;
    const presence: Presence | null = seen === 'hidden' ? null : seen === 'self' ? ownPresence(record) : record.published;
    const blockedByMe = seen === 'hidden' && store.isBlocked(viewerId!, user.id);
    const hasBlockedMe = seen === 'hidden' && store.isBlocked(user.id, viewerId!);
    // Application data is for signed-in people: an anonymous guest sees everyone else's as empty.
    const metadata = viewerId !== null && viewerId !== user.id && store.getUser(viewerId)?.isGuest ? NO_METADATA : profile.metadata;
    return { ...profile, metadata, presence, blockedByMe, hasBlockedMe };
  }

  /**
   * Spends `rows` of the snapshot budget of `key` (a user id, or 'admin'). Snapshots are the one request
   * whose answer grows with the number of users online.
   */
  private chargeSnapshot(key: string, rows: number): { ok: true } | { ok: false; retryAfterMs: number } {
    // The node's budget is looked at first and spent last, so a refusal there costs the caller nothing.
    if (!this.snapshotTotal.spend(0)) return { ok: false, retryAfterMs: this.snapshotTotal.retryAfterMs() };
    if (!this.snapshotBudget.spend(key, rows)) return { ok: false, retryAfterMs: this.snapshotBudget.retryAfterMs(key) };
    this.snapshotTotal.spend(rows);
    return { ok: true };
  }

  /**
   * Charges an answer's size once it is built: past {@link ANSWER_BYTES_PER_ROW} bytes a user, a snapshot
   * costs a row per that many bytes, so users with large profiles cost what they weigh. Charged whatever is
   * left (the answer is made); the debt delays the caller's next snapshot.
   *
   * @example
   * ```ts
   * const body = JSON.stringify(answer);
   * hub.chargeAnswerBytes(viewerId, answer.users.length, body.length);
   * ```
   */
  chargeAnswerBytes(viewerId: string | null, rows: number, bytes: number): void {
    const extra = Math.ceil(bytes / ANSWER_BYTES_PER_ROW) - rows;
    if (extra <= 0) return;
    this.snapshotBudget.charge(viewerId ?? 'admin', extra);
    this.snapshotTotal.charge(extra);
  }

  connectionCount(userId: string): number {
    return this.records.get(userId)?.connections ?? 0;
  }

  /**
   * Changes since a cursor, as one viewer may see them, charged to the viewer's snapshot budget
   * (`{ retryAfterMs }` when it is used up). A full answer lists everyone online in scope plus the explicitly named
   * users (the viewer's own state comes with `welcome`); a partial one also carries the viewer's own
   * changes. Someone hidden from the viewer by a block is in neither, except in a partial answer when
   * the block itself is the change, and, as `presence: null`, when named explicitly.
   */
  delta(
    viewerId: string | null,
    cursor: { seq?: number; time?: number },
    scope: { online: boolean; users: ReadonlySet<string> },
  ): { full: boolean; users: UserView[]; removed: string[]; seq: number } | { retryAfterMs: number } {
    const { store } = this.options;
    const seq = this.changes.seq;
    const changed = this.changes.changedSince(cursor, viewerId);
    const ids = new Set<string>();
    if (changed) {
      for (const id of changed.ids) {
        if (!(scope.online || scope.users.has(id) || id === viewerId)) continue;
        if (!changed.relations.has(id) && visibility(store, viewerId, id) === 'hidden') continue;
        ids.add(id);
      }
    } else {
      if (scope.online) for (const id of this.publiclyOnline) if (visibility(store, viewerId, id) !== 'hidden') ids.add(id);
      for (const id of scope.users) ids.add(id);
    }
    const cost = ids.size + Math.ceil((changed?.scanned ?? 0) / 10);
    if (cost > 0) {
      const charged = this.chargeSnapshot(viewerId ?? 'admin', cost);
      if (!charged.ok) return charged;
    }
    const users: UserView[] = [];
    const removed: string[] = [];
    for (const id of ids) {
      const user = store.getUser(id);
      if (user) users.push(this.viewOf(user, viewerId));
      // Gone: said only to those the deletion was not hidden from (the store no longer knows the blocks).
      else if (changed?.removed.has(id)) removed.push(id);
    }
    return { full: changed === null, users, removed, seq };
  }

  // ---- changes from outside the socket (REST, controls, simulation) ---------------------------

  setPresence(userId: string, patch: Parameters<typeof applyPatch>[1]): void {
    this.fire({ type: 'set-presence', userId, patch });
  }

  /** A connection that has no socket: simulated users and tests. */
  connectVirtual(userId: string): void {
    const connection = `v${this.nextConnection++}`;
    const mine = this.virtualKeys.get(userId) ?? [];
    mine.push(connection);
    this.virtualKeys.set(userId, mine);
    this.fire({ type: 'connect', node: this.nodeName, connection, userId });
  }

  disconnectVirtual(userId: string): void {
    const connection = this.virtualKeys.get(userId)?.pop();
    if (connection !== undefined) this.fire({ type: 'disconnect', node: this.nodeName, connection, userId });
  }

  /**
   * A profile was created or changed (`previous` is what it was). Edits to an invisible user's profile
   * reach only the user; everyone else keeps seeing the profile as it was until they are visible again.
   */
  private userChanged(user: User, previous?: User): void {
    const record = this.records.get(user.id);
    if (record?.chosen === 'invisible' && previous) {
      record.frozenProfile ??= previous;
      this.sendSelf(user.id);
      return;
    }
    if (record) delete record.frozenProfile;
    const seq = this.changes.record(user.id);
    this.fanOut(user.id, (viewer) => ({ type: 'user', seq, user: this.viewOf(user, viewer) }), true);
  }

  /** Before the store forgets the user: block partners are told nothing, now or in a delta. */
  private userRemoved(userId: string): void {
    const partners = hiddenFrom(this.options.store, userId);
    const seq = this.changes.record(userId, { hiddenFrom: new Set(partners), removal: true });
    const frame = JSON.stringify({ type: 'user-removed', seq, userId } satisfies ServerMessage);
    for (const connection of this.audienceOf(userId)) if (!partners.has(connection.userId!)) this.sendRaw(connection, frame);
    this.closeUser(userId, CLOSE_CODES.revoked, 'user deleted');
    this.records.delete(userId);
    this.expiry.track(userId, []);
    this.publiclyOnline.delete(userId);
    this.watchers.delete(userId);
    this.registry.forgetUser(userId);
    this.virtualKeys.delete(userId);
  }

  /**
   * After a block or unblock, both sides get each other's new view (presence hidden or shown). The
   * change is logged for those two only, so a party who was offline learns of it in their catch-up.
   */
  private relationChanged(a: string, b: string): void {
    const { store } = this.options;
    const userA = store.getUser(a);
    const userB = store.getUser(b);
    if (!userA || !userB) return;
    const seqA = this.changes.record(a, { onlyFor: b });
    const seqB = this.changes.record(b, { onlyFor: a });
    for (const connection of this.connectionsByUser.get(b) ?? []) {
      this.send(connection, { type: 'user', seq: seqA, user: this.viewOf(userA, b) });
    }
    for (const connection of this.connectionsByUser.get(a) ?? []) {
      this.send(connection, { type: 'user', seq: seqB, user: this.viewOf(userB, a) });
    }
  }

  closeSession(sessionId: string, code: number, reason: string): void {
    for (const connection of this.all) if (connection.sessionId === sessionId) this.closeConnection(connection, code, reason);
  }

  closeUser(userId: string, code: number, reason: string): void {
    for (const connection of [...(this.connectionsByUser.get(userId) ?? [])]) this.closeConnection(connection, code, reason);
  }

  /** Destroys the user's sockets with no close frame, as a network failure would. */
  dropConnections(userId: string): void {
    for (const connection of [...(this.connectionsByUser.get(userId) ?? [])]) connection.ws.terminate();
  }

  /** Closes every socket with 1001; their disconnects still go through the log (see {@link shutdown}). */
  close(): void {
    clearInterval(this.heartbeat);
    this.expiry.close();
    for (const connection of this.all) this.closeConnection(connection, CLOSE_CODES.goingAway, 'server shutting down');
  }

  /** Stops using the log, once the sockets closed by {@link close} are gone. */
  shutdown(): void {
    this.presenceLog.close();
  }

  /** Stops at once with no close frames, as a crashed process would. */
  kill(): void {
    clearInterval(this.heartbeat);
    this.expiry.close();
    this.presenceLog.close();
    for (const connection of this.all) connection.ws.terminate();
  }

  // ---- sockets ---------------------------------------------------------------------------

  /**
   * Whether an address (see {@link addressKey}) may open another socket: false while its failed
   * authentications are over budget. Checked before the upgrade, so a refused one costs no socket.
   */
  admits(address: string): { ok: true } | { ok: false; retryAfterMs: number } {
    return this.failedAuths.spend(address, 0) ? { ok: true } : { ok: false, retryAfterMs: this.failedAuths.retryAfterMs(address) };
  }

  accept(ws: WebSocket, request: IncomingMessage): void {
    const { limits } = this.options;
    const connection: Connection = {
      id: String(this.nextConnection++),
      ws,
      userId: null,
      sessionId: null,
      users: new Set(),
      online: false,
      alive: true,
      closing: false,
      frames: new TokenBucket(limits.framesPerSecond * 2, limits.framesPerSecond, this.options.now),
      statusUpdates: new TokenBucket(limits.statusUpdatesPerSecond * 2, limits.statusUpdatesPerSecond, this.options.now),
      refusedInARow: 0,
      authTimer: undefined,
      address: addressKey(request.socket.remoteAddress),
    };
    this.all.add(connection);
    connection.authTimer = setTimeout(() => {
      if (connection.userId === null) this.closeConnection(connection, CLOSE_CODES.unauthorized, 'no auth within the deadline');
    }, limits.authTimeoutMs);
    (ws as Wired)[CONNECTION] = connection;
    ws.on('pong', this.socketListeners.pong);
    ws.on('message', this.socketListeners.message);
    ws.on('close', this.socketListeners.close);
    // A socket error is followed by 'close'; listening keeps it from crashing the process.
    ws.on('error', this.socketListeners.error);
  }

  /**
   * One set of listeners for every socket (a listener gets its socket as `this`), rather than closures
   * per connection: they were a tenth of an idle connection's memory.
   */
  private readonly socketListeners = (() => {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listeners' own `this` is the socket
    const hub = this;
    return {
      pong(this: WebSocket) {
        (this as Wired)[CONNECTION].alive = true;
      },
      message(this: WebSocket, data: unknown, isBinary: boolean) {
        const connection = (this as Wired)[CONNECTION];
        hub.guard(connection, 'frame', () => hub.receive(connection, data as Buffer, isBinary));
      },
      close(this: WebSocket) {
        hub.forget((this as Wired)[CONNECTION]);
      },
      error(this: WebSocket, error: Error) {
        hub.options.log(`socket error: ${error.message}`);
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
      this.options.log(`internal error handling a ${what} of connection ${connection.id}: ${(error as Error)?.message ?? String(error)}`);
      try {
        this.closeConnection(connection, INTERNAL_ERROR, 'internal error');
      } catch {
        connection.ws.terminate();
      }
    }
  }

  private receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    connection.alive = true;
    if (connection.closing) return;
    // Before authentication a frame is an auth frame: its size is checked before anything reads it.
    if (connection.userId === null && data.length > FRAME_LIMITS.authBytes) {
      this.closeConnection(connection, CLOSE_CODES.tooLarge, `the auth frame may be at most ${FRAME_LIMITS.authBytes} bytes`);
      return;
    }
    if (!connection.frames.take()) {
      this.refuse(connection, ridHint(data, isBinary), 'rate-limited', 'too many frames', connection.frames.retryAfterMs());
      return;
    }
    const parsed = parseClientMessage(isBinary ? data : data.toString('utf8'));
    if (!parsed.ok) {
      if (connection.userId !== null) this.refuse(connection, parsed.claimed?.rid, parsed.code, parsed.reason);
      // An auth frame without a usable token is an authentication failure; anything else first is a protocol one.
      else if (parsed.claimed?.type === 'auth') this.closeConnection(connection, CLOSE_CODES.unauthorized, 'no token');
      else this.closeConnection(connection, CLOSE_CODES.badMessage, 'expected an auth frame');
      return;
    }
    const message = parsed.value;
    if (connection.userId === null) {
      if (message.type !== 'auth') this.closeConnection(connection, CLOSE_CODES.badMessage, 'expected an auth frame');
      else this.authenticate(connection, message.token, message.presence);
      return;
    }
    this.handle(connection, connection.userId, message);
  }

  private authenticate(connection: Connection, token: string, presence: Parameters<typeof applyPatch>[1] | undefined, synced = false): void {
    const verdict = this.options.sessions.verifyAccessToken(token);
    if (!verdict.ok && verdict.code === 'unauthorized' && !synced && this.options.sharedLog) {
      // A session minted on another node a moment ago may not have reached this one yet.
      this.presenceLog.sync().then(
        () => !connection.closing && this.authenticate(connection, token, presence, true),
        () => this.closeConnection(connection, CLOSE_CODES.goingAway, 'presence is unavailable: retry shortly'),
      );
      return;
    }
    if (!verdict.ok) {
      const code = verdict.code === 'token-expired' ? CLOSE_CODES.tokenExpired : verdict.code === 'revoked' ? CLOSE_CODES.revoked : CLOSE_CODES.unauthorized;
      this.closeConnection(connection, code, verdict.code);
      return;
    }
    clearTimeout(connection.authTimer);
    connection.authTimer = undefined;
    const { userId, id: sessionId } = verdict.session;
    // Counted over every node: the log holds all of a user's connections.
    if (this.registry.count(userId) >= this.options.limits.connectionsPerUser) {
      this.closeConnection(connection, CLOSE_CODES.tooManyConnections, `at most ${this.options.limits.connectionsPerUser} connections per user`);
      return;
    }
    connection.userId = userId;
    connection.sessionId = sessionId;
    this.authenticating.set(connection.id, connection);
    this.presenceLog.append(
      { type: 'connect', node: this.nodeName, connection: connection.id, userId, ...(presence === undefined ? {} : { presence }) },
      undefined,
      () => this.closeConnection(connection, CLOSE_CODES.goingAway, 'presence is unavailable: retry shortly'),
    );
  }

  private welcome(connection: Connection, userId: string): void {
    const user = this.options.store.getUser(userId);
    if (!user) return this.closeConnection(connection, CLOSE_CODES.revoked, 'user deleted');
    let mine = this.connectionsByUser.get(userId);
    if (!mine) this.connectionsByUser.set(userId, (mine = new Set()));
    mine.add(connection);
    this.send(connection, {
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      sessionId: connection.sessionId!,
      me: this.viewOf(user, userId),
      seq: this.changes.seq,
      serverTime: iso(this.options.now()),
      heartbeatMs: this.options.limits.heartbeatMs,
    });
  }

  private handle(connection: Connection, userId: string, message: ClientMessage): void {
    switch (message.type) {
      case 'auth':
        this.refuse(connection, undefined, 'bad-message', 'already authenticated');
        return;
      case 'ping':
        this.send(connection, message.t === undefined ? { type: 'pong' } : { type: 'pong', t: message.t });
        break;
      case 'subscribe': {
        const ids = message.users ?? [];
        const fresh = ids.filter((id) => !connection.users.has(id));
        if (connection.users.size + fresh.length > this.options.limits.subscriptionsPerConnection) {
          this.refuse(connection, message.rid, 'limit-exceeded', `at most ${this.options.limits.subscriptionsPerConnection} subscriptions per connection`);
          return;
        }
        const wantsOnline = message.online === true && !connection.online;
        // With a cursor the answer covers the whole scope; without, only what this frame adds. The
        // answer is built (and charged) first: a refused subscribe subscribes to nothing, so its retry
        // is answered in full.
        const scope =
          message.from !== undefined
            ? { online: connection.online || wantsOnline, users: fresh.length === 0 ? connection.users : new Set([...connection.users, ...fresh]) }
            : { online: wantsOnline, users: new Set(fresh) };
        const delta = this.delta(userId, message.from === undefined ? {} : { seq: message.from }, scope);
        if (!('retryAfterMs' in delta)) {
          for (const id of fresh) {
            connection.users.add(id);
            let set = this.watchers.get(id);
            if (!set) this.watchers.set(id, (set = new Set()));
            set.add(connection);
          }
          if (wantsOnline) {
            connection.online = true;
            this.onlineWatchers.add(connection);
          }
        }
        this.answerSnapshot(connection, message.rid, delta);
        break;
      }
      case 'unsubscribe':
        for (const id of message.users ?? []) {
          connection.users.delete(id);
          this.watchers.get(id)?.delete(connection);
          if (this.watchers.get(id)?.size === 0) this.watchers.delete(id);
        }
        if (message.online === true) {
          connection.online = false;
          this.onlineWatchers.delete(connection);
        }
        if (message.rid !== undefined) this.send(connection, { type: 'ack', rid: message.rid });
        break;
      case 'catch-up': {
        const delta = message.users
          ? this.delta(userId, {}, { online: false, users: new Set(message.users) })
          : this.delta(userId, message.from === undefined ? {} : { seq: message.from }, { online: connection.online, users: connection.users });
        this.answerSnapshot(connection, message.rid, delta);
        break;
      }
      case 'set-presence': {
        if (!connection.statusUpdates.take()) {
          this.refuse(connection, message.rid, 'rate-limited', 'too many status updates', connection.statusUpdates.retryAfterMs());
          return;
        }
        if (!this.statusBudget.spend(userId)) {
          this.refuse(connection, message.rid, 'rate-limited', 'too many status updates from this user', this.statusBudget.retryAfterMs(userId));
          return;
        }
        // Acknowledged once applied. A stale frame (its sender already sent something newer) is
        // acknowledged too, and not applied.
        const { rid } = message;
        const command: LogCommand = { type: 'set-presence', userId, patch: message.patch };
        if (message.origin !== undefined && message.n !== undefined) Object.assign(command, { origin: message.origin, n: message.n });
        // Callbacks, not a promise: on one node the ack goes out in the same turn, before the next frame.
        this.presenceLog.append(
          command,
          () => rid !== undefined && this.send(connection, { type: 'ack', rid }),
          () => this.refuse(connection, rid, 'server-error', 'the change could not be stored: send it again'),
        );
        break;
      }
    }
    connection.refusedInARow = 0;
  }

  private answerSnapshot(connection: Connection, rid: number | undefined, delta: ReturnType<PresenceHub['delta']>): void {
    if ('retryAfterMs' in delta) return this.refuse(connection, rid, 'rate-limited', 'too many snapshots: retry later', delta.retryAfterMs);
    const frame = JSON.stringify({ type: 'snapshot', ...ridField(rid), ...delta } satisfies ServerMessage);
    this.chargeAnswerBytes(connection.userId, delta.users.length, frame.length);
    this.sendRaw(connection, frame);
  }

  private refuse(connection: Connection, rid: number | undefined, code: ErrorCode, message: string, retryAfterMs?: number): void {
    connection.refusedInARow += 1;
    if (connection.refusedInARow > this.options.limits.floodCloseAfter) {
      this.closeConnection(connection, CLOSE_CODES.rateLimited, 'too many refused frames');
      return;
    }
    this.send(connection, {
      type: 'error',
      ...ridField(rid),
      code,
      message,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  private forget(connection: Connection): void {
    clearTimeout(connection.authTimer);
    this.batch.drop(connection);
    this.all.delete(connection);
    this.onlineWatchers.delete(connection);
    for (const id of connection.users) {
      const set = this.watchers.get(id);
      set?.delete(connection);
      if (set?.size === 0) this.watchers.delete(id);
    }
    const { userId } = connection;
    if (userId === null) return;
    this.authenticating.delete(connection.id);
    const mine = this.connectionsByUser.get(userId);
    mine?.delete(connection);
    if (mine?.size === 0) this.connectionsByUser.delete(userId);
    this.fire({ type: 'disconnect', node: this.nodeName, connection: connection.id, userId });
  }

  private checkHeartbeats(): void {
    for (const connection of this.all) {
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

  // ---- fan-out -----------------------------------------------------------------------------

  private addConnectionCount(userId: string, delta: number, ownerChanged = false): void {
    const record = this.record(userId);
    const before = record.connections;
    record.connections = Math.max(0, before + delta);
    this.publishPresence(userId, record, ownerChanged || (before === 0) !== (record.connections === 0));
  }

  /** The owner's own view, to the owner only, with no sequence number: nobody else can count it. */
  private sendSelf(userId: string): void {
    const connections = this.connectionsByUser.get(userId);
    const user = this.options.store.getUser(userId);
    if (!connections || !user) return;
    const frame = JSON.stringify({ type: 'self', me: this.viewOf(user, userId) } satisfies ServerMessage);
    for (const connection of connections) this.sendRaw(connection, frame);
  }

  /**
   * Broadcasts a presence change: one frame for everyone allowed to see it, another for the owner.
   * `ownerChanged` says the owner's own view changed even if the public one did not (invisible edits).
   */
  private publishPresence(userId: string, record: PresenceRecord, ownerChanged: boolean): void {
    const now = this.now();
    const wasOnline = record.published.online;
    const publicChanged = republish(record, now);
    if (!publicChanged) {
      // Only the owner can see this change (an invisible user's tab or status edit): it takes no
      // sequence number and enters no log others' deltas are built from.
      if (ownerChanged) this.sendSelf(userId);
      return;
    }
    this.broadcastPublished(userId, record, wasOnline);
  }

  /** Sends what others see of the user (`record.published`, just changed) to them and the owner's view to the owner. */
  private broadcastPublished(userId: string, record: PresenceRecord, wasOnline: boolean): void {
    if (record.published.online) this.publiclyOnline.add(userId);
    else this.publiclyOnline.delete(userId);
    const seq = this.changes.record(userId);
    const own = JSON.stringify({ type: 'presence', seq, userId, presence: ownPresence(record) } satisfies ServerMessage);
    for (const connection of this.connectionsByUser.get(userId) ?? []) this.sendRaw(connection, own);
    // Someone coming online may be new to an online-list watcher: their profile comes along, with
    // any edit they made while invisible.
    const user = this.options.store.getUser(userId);
    if (record.published.online && !wasOnline) {
      delete record.frozenProfile;
      this.cameOnlineThisTurn.add(userId);
    }
    const publicFrame = JSON.stringify({
      type: 'presence',
      seq,
      userId,
      presence: record.published,
      ...(this.cameOnlineThisTurn.has(userId) && user ? { user } : {}),
    } satisfies ServerMessage);
    const hidden = hiddenFrom(this.options.store, userId);
    for (const connection of this.audienceOf(userId)) {
      if (connection.userId === userId || hidden.has(connection.userId!)) continue;
      // A watcher needs only the latest: a burst within one turn reaches it as one frame.
      this.batch.offer(connection, userId, publicFrame);
    }
  }

  /** Everyone who watches the user, explicitly or through the online list, plus the user's own connections. */
  private *audienceOf(userId: string): Iterable<Connection> {
    const seen = new Set<Connection>();
    for (const group of [this.connectionsByUser.get(userId), this.watchers.get(userId), this.onlineWatchers]) {
      for (const connection of group ?? []) {
        if (connection.userId === null || seen.has(connection)) continue;
        seen.add(connection);
        yield connection;
      }
    }
  }

  private fanOut(userId: string, frameFor: (viewerId: string) => ServerMessage, includeOwner: boolean): void {
    const hidden = hiddenFrom(this.options.store, userId);
    let shared: string | undefined;
    for (const connection of this.audienceOf(userId)) {
      const viewer = connection.userId!;
      if (hidden.has(viewer) || (!includeOwner && viewer === userId)) continue;
      if (viewer === userId) {
        this.send(connection, frameFor(viewer));
        continue;
      }
      shared ??= JSON.stringify(frameFor(viewer));
      this.sendRaw(connection, shared);
    }
  }

  private send(connection: Connection, message: ServerMessage): void {
    this.sendRaw(connection, JSON.stringify(message));
  }

  /** Sends a frame after what is held for the connection, so sequence numbers arrive in order. */
  private sendRaw(connection: Connection, frame: string): void {
    this.batch.flush(connection);
    this.transmit(connection, frame);
  }

  private transmit(connection: Connection, frame: string): void {
    if (connection.closing || connection.ws.readyState !== connection.ws.OPEN) return;
    if (connection.ws.bufferedAmount > this.options.limits.maxBufferedBytes) {
      // The close frame queues behind what the peer is not reading, so cut the socket now: memory
      // held for one slow reader must not grow with everyone else's traffic.
      this.closeConnection(connection, CLOSE_CODES.slowConsumer, 'slow consumer');
      connection.ws.terminate();
      return;
    }
    connection.ws.send(frame);
  }

  private closeConnection(connection: Connection, code: number, reason: string): void {
    if (connection.closing) return;
    connection.closing = true;
    if (connection.userId === null && FAILED_AUTH_CODES.has(code)) this.failedAuths.spend(connection.address);
    clearTimeout(connection.authTimer);
    connection.ws.close(code, reason);
    // A peer that does not answer the close handshake (it may not be reading at all) is cut off.
    const cutOff = setTimeout(() => connection.ws.terminate(), 1000);
    cutOff.unref?.();
    connection.ws.once('close', () => clearTimeout(cutOff));
  }
}

/** The shared presence state, as JSON (see {@link PresenceHub.exportShared}). */
export interface SharedPresenceState {
  seq: number;
  records: Array<[string, Omit<PresenceRecord, 'applied'> & { applied: Array<[string, number]> }]>;
  connections: ReturnType<ConnectionRegistry['export']>;
}

function newNodeName(): string {
  return randomBytes(6).toString('base64url');
}

function ridField(rid: number | undefined): { rid?: number } {
  return rid === undefined ? {} : { rid };
}

/** The request id near the start of a frame refused unread (rate-limited), found without parsing it. */
function ridHint(data: Buffer, isBinary: boolean): number | undefined {
  if (isBinary) return undefined;
  const match = /"rid"\s*:\s*(\d{1,15})[,}\s]/.exec(data.toString('latin1', 0, 256));
  return match ? Number(match[1]) : undefined;
}

export type { PresencePatch };
