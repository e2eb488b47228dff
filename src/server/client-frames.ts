import { CLOSE_CODES, ROOM_LIMITS, type ClientMessage, type ErrorCode, type RoomClientMessage } from '../core/protocol/index.ts';
import type { Audience } from './audience.ts';
import type { CatchUp } from './catch-up.ts';
import type { Connection } from './connection.ts';
import type { HubLimits } from './hub-options.ts';
import type { Outbox } from './outbox.ts';
import type { OnlineListFanOut } from './online-list-fan-out.ts';
import type { LogCommand, PresenceLog } from './presence-log.ts';
import { KeyedBuckets, TokenBucket } from './rate-limit.ts';

/**
 * What an authenticated connection may ask: ping, subscribe and unsubscribe, catch up, set its presence;
 * room frames are handed to `RoomFrames`.
 * Each refusal is an `error` frame with the request's `rid`; too many in a row close the connection.
 *
 * @example
 * ```ts
 * const frames = new ClientFrames({ audience, outbox, catchUp, presenceLog, limits, now: Date.now });
 * frames.handle(connection, 'ada', { type: 'subscribe', rid: 1, online: true });
 * ```
 */
export class ClientFrames {
  /** Status changes per user over all their connections on this node. */
  private readonly statusBudget: KeyedBuckets;

  constructor(
    private readonly deps: {
      audience: Audience;
      outbox: Outbox;
      catchUp: CatchUp;
      presenceLog: PresenceLog;
      limits: HubLimits;
      now: () => number;
      /** The online list's counts and windows. */
      onlineList: OnlineListFanOut;
      /** Room frames go there (see `RoomFrames`). */
      rooms: { handle(connection: Connection, userId: string, message: RoomClientMessage): void };
    },
  ) {
    const { statusUpdatesPerSecond } = deps.limits;
    this.statusBudget = new KeyedBuckets(statusUpdatesPerSecond * 2, statusUpdatesPerSecond, 10_000, deps.now);
  }

  handle(connection: Connection, userId: string, message: ClientMessage): void {
    const { audience, outbox, catchUp, limits } = this.deps;
    switch (message.type) {
      case 'auth':
        this.refuse(connection, undefined, 'bad-message', 'already authenticated');
        return;
      case 'ping':
        outbox.send(connection, message.t === undefined ? { type: 'pong' } : { type: 'pong', t: message.t });
        break;
      case 'subscribe': {
        const ids = message.users ?? [];
        const fresh = ids.filter((id) => !connection.users.has(id));
        if (connection.users.size + fresh.length > limits.subscriptionsPerConnection) {
          this.refuse(connection, message.rid, 'limit-exceeded', `at most ${limits.subscriptionsPerConnection} subscriptions per connection`);
          return;
        }
        const wantsOnline = message.online === true && !connection.online;
        // A large list is not listed: its watcher is told so (and the counts) first, and gets the rest.
        const { onlineList } = this.deps;
        const listed = !onlineList.isLarge;
        // With a cursor the answer covers the whole scope; without, only what this frame adds. The
        // answer is built (and charged) first: a refused subscribe subscribes to nothing, so its retry
        // is answered in full.
        const scope =
          message.from !== undefined
            ? {
                online: listed && (connection.online || wantsOnline),
                users: fresh.length === 0 ? connection.users : new Set([...connection.users, ...fresh]),
              }
            : { online: listed && wantsOnline, users: new Set(fresh) };
        const answer = catchUp.snapshotFrame(userId, message.from === undefined ? {} : { seq: message.from }, scope, message.rid);
        if (!('retryAfterMs' in answer)) {
          audience.watch(connection, fresh);
          if (wantsOnline) audience.watchOnline(connection, true);
          // Told the mode (and counts) first in either mode: a client back after the list shrank learns it is small again.
          if (message.online === true) onlineList.sendCount(connection);
        }
        this.answerSnapshot(connection, message.rid, answer);
        break;
      }
      case 'unsubscribe':
        audience.unwatch(connection, message.users ?? []);
        if (message.online === true) audience.watchOnline(connection, false);
        if (message.rid !== undefined) outbox.send(connection, { type: 'ack', rid: message.rid });
        break;
      case 'catch-up': {
        const answer = message.users
          ? catchUp.snapshotFrame(userId, {}, { online: false, users: new Set(message.users) }, message.rid)
          : catchUp.snapshotFrame(
              userId,
              message.from === undefined ? {} : { seq: message.from },
              { online: connection.online && !this.deps.onlineList.isLarge, users: connection.users },
              message.rid,
            );
        this.answerSnapshot(connection, message.rid, answer);
        break;
      }
      case 'set-presence': {
        const perSecond = limits.statusUpdatesPerSecond;
        const statusUpdates = (connection.statusUpdates ??= new TokenBucket(perSecond * 2, perSecond, this.deps.now));
        if (!statusUpdates.take()) {
          this.refuse(connection, message.rid, 'rate-limited', 'too many status updates', statusUpdates.retryAfterMs());
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
        this.deps.presenceLog.append(
          command,
          () => rid !== undefined && outbox.send(connection, { type: 'ack', rid }),
          () => this.refuse(connection, rid, 'server-error', 'the change could not be stored: send it again'),
        );
        break;
      }
      case 'online-window': {
        const request = { from: message.from, count: message.count, query: (message.query ?? '').trim().toLowerCase(), lane: message.lane ?? '' };
        if (!this.deps.onlineList.setWindow(connection, userId, request, message.rid)) {
          this.refuse(connection, message.rid, 'limit-exceeded', `at most ${ROOM_LIMITS.lanes} windows per connection (one per tab sharing it)`);
          return;
        }
        break;
      }
      case 'room-enter':
      case 'room-leave':
      case 'room-presence':
      case 'room-broadcast':
      case 'room-window': {
        const refused = connection.refusedInARow;
        this.deps.rooms.handle(connection, userId, message);
        // Only a frame that was not refused ends a run of refusals.
        if (connection.refusedInARow !== refused) return;
        break;
      }
    }
    connection.refusedInARow = 0;
  }

  /** An `error` frame for a request refused; past `floodCloseAfter` in a row, the connection is closed with 4008. */
  refuse(connection: Connection, rid: number | undefined, code: ErrorCode, message: string, retryAfterMs?: number): void {
    connection.refusedInARow += 1;
    if (connection.refusedInARow > this.deps.limits.floodCloseAfter) {
      this.deps.outbox.close(connection, CLOSE_CODES.rateLimited, 'too many refused frames');
      return;
    }
    this.deps.outbox.send(connection, {
      type: 'error',
      ...ridField(rid),
      code,
      message,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  private answerSnapshot(connection: Connection, rid: number | undefined, answer: { frame: string } | { retryAfterMs: number }): void {
    if ('retryAfterMs' in answer) return this.refuse(connection, rid, 'rate-limited', 'too many snapshots: retry later', answer.retryAfterMs);
    this.deps.outbox.sendRaw(connection, answer.frame);
  }
}

function ridField(rid: number | undefined): { rid?: number } {
  return rid === undefined ? {} : { rid };
}
