import type { User } from '../core/protocol/index.ts';
import type { ChangeLog } from './change-log.ts';
import type { Connection } from './connection.ts';
import { ConnectionRegistry } from './connection-registry.ts';
import type { FanOut } from './fan-out.ts';
import type { LogCommand, LogEntry } from './presence-log.ts';
import { applyPatch, expireStatus, isNewer, newPresenceRecord, ownPresence, pendingExpiries, republish, type PresenceRecord } from './presence-state.ts';
import { OnlineOrder } from './online-order.ts';
import type { RoomState, SharedRoomState } from './room-state.ts';
import { inSlices } from './slices.ts';
import { StatusExpiry } from './status-expiry.ts';
import type { PresenceStore } from './store.ts';
import { audienceRule, sharesRoom } from './visibility.ts';

/** The shared presence state, as JSON (see {@link SharedState.export}). */
export interface SharedPresenceState {
  seq: number;
  records: Array<[string, Omit<PresenceRecord, 'applied'> & { applied: Array<[string, number]> }]>;
  connections: ReturnType<ConnectionRegistry['export']>;
  /** Absent in snapshots from before rooms. */
  rooms?: SharedRoomState;
}

/** What applying the log asks of the node's sockets. */
export interface SharedStateHooks {
  /** Sends a command through the log (an expiry due). */
  fire(command: LogCommand): void;
  /** The node's own connection waiting for this `connect`, taken out of waiting; undefined for others'. */
  claimLocal(node: string, connection: string): Connection | undefined;
  /** Its `connect` applied: the connection gets its welcome. */
  welcome(connection: Connection, userId: string): void;
  /** A user deleted: their sockets close, their simulated connections are forgotten. */
  userDeleted(userId: string): void;
  /** A block or unblock applied between `a` and `b`. */
  relationChanged(a: string, b: string): void;
}

/**
 * The state every node holds alike: users' presence records, every connection on every node, and who is
 * publicly online. It changes only here, by applying the log's entries in order, with the log's clock,
 * so every node computes the same numbers and times; each change goes to this node's sockets through
 * {@link FanOut}.
 *
 * @example
 * ```ts
 * const state = new SharedState({ store, changes, fanOut, hooks, now: Date.now, log: console.log });
 * presenceLog.start((entry) => state.apply(entry));
 * ```
 */
export class SharedState {
  readonly registry = new ConnectionRegistry();
  /** Everyone publicly online in the list's order (see {@link OnlineOrder}). */
  readonly order: OnlineOrder;
  readonly publiclyOnline = new Set<string>();
  private readonly records = new Map<string, PresenceRecord>();
  private readonly expiry: StatusExpiry;
  /** The log's clock while an entry is applied, so every node stamps the same times. */
  private applyingAt: number | null = null;

  constructor(
    private readonly options: {
      store: PresenceStore;
      changes: ChangeLog;
      fanOut: FanOut;
      rooms: RoomState;
      /** Told when the online list's order changed, and when what viewers may see of it did. */
      onlineList: { changed(): void; viewsChanged(): void };
      hooks: SharedStateHooks;
      now: () => number;
      log: (line: string) => void;
    },
  ) {
    this.order = new OnlineOrder(
      (id) => options.store.getUser(id),
      (id) => this.records.get(id)?.published,
    );
    this.expiry = new StatusExpiry(options.now, (userId, expiresAt) => options.hooks.fire({ type: 'expire-status', userId, expiresAt }));
  }

  record(userId: string): PresenceRecord {
    let record = this.records.get(userId);
    if (!record) this.records.set(userId, (record = newPresenceRecord(this.now())));
    return record;
  }

  existing(userId: string): PresenceRecord | undefined {
    return this.records.get(userId);
  }

  now(): number {
    return this.applyingAt ?? this.options.now();
  }

  connectionCount(userId: string): number {
    return this.records.get(userId)?.connections ?? 0;
  }

  close(): void {
    this.expiry.close();
    this.options.rooms.close();
  }

  /**
   * Applies one entry of the log. One that fails to apply (a bug its input reached) is logged and skipped
   * rather than stopping the node: the log goes on, and the next snapshot or catch-up puts every node back
   * on the same state.
   */
  apply(entry: LogEntry): void {
    try {
      this.applyEntry(entry);
    } catch (error) {
      this.options.log(`internal error applying log entry ${entry.seq} (${entry.command.type}): ${(error as Error)?.message ?? String(error)}`);
    }
  }

  /** The presence part of the shared state as of the last applied entry (sockets and subscriptions are not in it). */
  export(): SharedPresenceState {
    return {
      seq: this.options.changes.seq,
      records: [...this.records].map(([id, record]) => [id, { ...record, applied: [...record.applied] }]),
      connections: this.registry.export(),
      rooms: this.options.rooms.export(),
    };
  }

  /** Takes over a snapshot's state (a node starting up, before it reads the log on from it), in slices of the event loop. */
  async restore(state: SharedPresenceState): Promise<void> {
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
      this.order.place(id);
    });
    this.options.onlineList.changed();
    this.registry.restore(state.connections);
    this.options.rooms.restore(state.rooms);
    this.options.changes.advanceTo(state.seq);
  }

  /** In log order: the only place shared state changes. */
  private applyEntry(entry: LogEntry): void {
    const { store, changes } = this.options;
    if (entry.seq > 0) changes.advanceTo(entry.seq - 1);
    this.applyingAt = entry.at;
    const { command } = entry;
    // Someone turning invisible (or visible again) leaves (or re-enters) every room they are in, for others.
    const subject = command.type === 'connect' || command.type === 'set-presence' || command.type === 'expire-status' ? command.userId : null;
    const wasInvisible = subject !== null && this.records.get(subject)?.chosen === 'invisible';
    try {
      switch (command.type) {
        case 'connect':
          return this.connect(command);
        case 'disconnect':
          this.options.rooms.dropConnection(entry.at, command.node, command.connection);
          if (this.registry.remove(command.userId, command.node, command.connection)) this.addConnectionCount(command.userId, -1);
          return;
        case 'room-enter':
        case 'room-presence':
        case 'room-leave':
        case 'room-expire':
        case 'room-broadcast':
          return this.options.rooms.apply(command, entry.at);
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
          store.putUser(command.user);
          return this.userChanged(command.user, command.previous);
        case 'user-delete':
          if (!store.getUser(command.userId)) return;
          this.userRemoved(command.userId);
          store.deleteUser(command.userId);
          return;
        case 'relation':
          if (store.isBlocked(command.blockerId, command.blockedId) === command.blocked) return;
          store.setBlocked(command.blockerId, command.blockedId, command.blocked);
          return this.relationChanged(command.blockerId, command.blockedId);
        case 'room-member':
          return this.membershipChanged(command.room, command.userId, command.member);
        case 'node-down':
          this.options.rooms.dropNode(entry.at, command.node);
          for (const userId of this.registry.dropNode(command.node)) this.addConnectionCount(userId, -1);
          return;
        case 'session-put':
          return store.putSession(command.session);
        case 'avatar-put':
          return store.putAvatar(command.userId, { contentType: command.contentType, version: command.version, byteLength: command.byteLength });
        case 'avatar-delete':
          return store.deleteAvatar(command.userId);
      }
    } finally {
      this.applyingAt = null;
      if (subject !== null && (this.records.get(subject)?.chosen === 'invisible') !== wasInvisible) this.options.rooms.touchUser(subject);
    }
  }

  private connect(command: Extract<LogCommand, { type: 'connect' }>): void {
    const local = this.options.hooks.claimLocal(command.node, command.connection);
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
    if (local && !local.closing && local.userId === userId) this.options.hooks.welcome(local, userId);
  }

  /**
   * A profile was created or changed (`previous` is what it was). Edits to an invisible user's profile
   * reach only the user; everyone else keeps seeing the profile as it was until they are visible again.
   */
  private userChanged(user: User, previous?: User): void {
    const record = this.records.get(user.id);
    if (record?.chosen === 'invisible' && previous) {
      record.frozenProfile ??= previous;
      this.options.fanOut.self(user.id);
      return;
    }
    if (record) delete record.frozenProfile;
    this.placeInOrder(user.id);
    // Rooms order their members by name too.
    if (previous && (previous.displayName !== user.displayName || previous.username !== user.username)) this.options.rooms.touchUser(user.id);
    this.options.fanOut.user(user, this.options.changes.record(user.id));
  }

  /** Before the store forgets the user: block partners are told nothing, now or in a delta. */
  private userRemoved(userId: string): void {
    // Blocks only: a deletion says nothing of presence, so the audience rule does not hide it.
    const partners = this.options.store.blockPartners(userId);
    const seq = this.options.changes.record(userId, { hiddenFrom: new Set(partners), removal: true });
    this.options.fanOut.removed(userId, seq, partners);
    this.options.hooks.userDeleted(userId);
    this.records.delete(userId);
    this.expiry.track(userId, []);
    this.publiclyOnline.delete(userId);
    this.order.forget(userId);
    this.options.onlineList.changed();
    this.registry.forgetUser(userId);
  }

  /**
   * After a block or unblock, both sides get each other's new view (presence hidden or shown). The
   * change is logged for those two only, so a party who was offline learns of it in their catch-up.
   */
  private relationChanged(a: string, b: string, blocks = true): void {
    const { store, changes, fanOut } = this.options;
    const userA = store.getUser(a);
    const userB = store.getUser(b);
    if (!userA || !userB) return;
    const seqA = changes.record(a, { onlyFor: b });
    const seqB = changes.record(b, { onlyFor: a });
    fanOut.relation(b, userA, seqA);
    fanOut.relation(a, userB, seqB);
    this.options.onlineList.viewsChanged();
    if (blocks) this.options.hooks.relationChanged(a, b);
  }

  /**
   * A persistent membership added or removed. Under the `shared-rooms` audience it may start or end what
   * two users see of each other: each pair whose first (or last) room in common this is hears of it as of a
   * block or unblock (their new view of each other, logged for them only).
   */
  private membershipChanged(room: string, userId: string, member: boolean): void {
    const { store } = this.options;
    if (member === store.roomMembers(room).has(userId) || (member && !store.getUser(userId))) return;
    const shared = audienceRule(store) === 'shared-rooms';
    // Joining concerns the members who shared nothing with the user yet; leaving, every member.
    const others = shared ? [...store.roomMembers(room)].filter((id) => id !== userId && (!member || !sharesRoom(store, id, userId))) : [];
    store.setRoomMember(room, userId, member);
    for (const other of others) if (sharesRoom(store, other, userId) === member) this.relationChanged(userId, other, false);
  }

  private placeInOrder(userId: string): void {
    const version = this.order.version;
    this.order.place(userId);
    if (this.order.version !== version) this.options.onlineList.changed();
  }

  private addConnectionCount(userId: string, delta: number, ownerChanged = false): void {
    const record = this.record(userId);
    const before = record.connections;
    record.connections = Math.max(0, before + delta);
    this.publishPresence(userId, record, ownerChanged || (before === 0) !== (record.connections === 0));
  }

  /**
   * Publishes a presence change if others can see it. `ownerChanged` says the owner's own view changed
   * even if the public one did not (invisible edits).
   */
  private publishPresence(userId: string, record: PresenceRecord, ownerChanged: boolean): void {
    const wasOnline = record.published.online;
    if (republish(record, this.now())) return this.broadcastPublished(userId, record, wasOnline);
    // Only the owner can see this change (an invisible user's tab or status edit): it takes no
    // sequence number and enters no log others' deltas are built from.
    if (ownerChanged) this.options.fanOut.self(userId);
  }

  /** `record.published` just changed: numbered, and sent to the owner and to everyone who may see it. */
  private broadcastPublished(userId: string, record: PresenceRecord, wasOnline: boolean): void {
    if (record.published.online) this.publiclyOnline.add(userId);
    else this.publiclyOnline.delete(userId);
    // Before the change goes out: a list that just crossed its threshold tells its watchers first.
    this.placeInOrder(userId);
    const seq = this.options.changes.record(userId);
    // Someone coming online shows any edit they made while invisible.
    const cameOnline = record.published.online && !wasOnline;
    if (cameOnline) delete record.frozenProfile;
    this.options.fanOut.presence(userId, seq, ownPresence(record), record.published, cameOnline);
  }
}
