import type { JsonValue, PresencePatchSchema, User } from '../core/protocol/index.ts';
import type { StoredSession } from './store.ts';
import type * as v from 'valibot';

type Patch = v.InferOutput<typeof PresencePatchSchema>;

/**
 * A change to the state every server node shares. Nodes never change that state directly: they append a
 * command to the log, and every node — the one that appended it included — applies the commands in log
 * order. So every node holds the same presence, blocks and profiles, gives each change the same sequence
 * number, and a client's cursor means the same on any node.
 */
export type LogCommand =
  /** A connection authenticated on node `node`; `presence` applies before it counts (invisible on arrival). */
  | { type: 'connect'; node: string; connection: string; userId: string; presence?: Patch }
  | { type: 'disconnect'; node: string; connection: string; userId: string }
  | { type: 'set-presence'; userId: string; patch: Patch; origin?: string; n?: number }
  /** A status message set to clear at `expiresAt` does so, unless it was changed meanwhile. */
  | { type: 'expire-status'; userId: string; expiresAt: string }
  | { type: 'user-put'; user: User; previous?: User }
  | { type: 'user-delete'; userId: string }
  | { type: 'relation'; blockerId: string; blockedId: string; blocked: boolean }
  /** A session minted, rotated or revoked (token hashes only). */
  | { type: 'session-put'; session: StoredSession }
  /** An uploaded picture (base64), so every node serves it. */
  /** A picture was uploaded (its bytes are in the picture store, never in the log). */
  | { type: 'avatar-put'; userId: string; contentType: string; version: number; byteLength: number }
  | { type: 'avatar-delete'; userId: string }
  /** A node stopped without saying so (its lease ran out): every connection it held is gone. */
  | { type: 'node-down'; node: string }
  /** A persistent room membership added or removed (the app's backend, through admin REST). */
  | { type: 'room-member'; room: string; userId: string; member: boolean }
  /** A connection entered a room with write access (or entered again: its presence is replaced). */
  | { type: 'room-enter'; node: string; connection: string; userId: string; room: string; presence: JsonValue | null }
  | { type: 'room-presence'; node: string; connection: string; userId: string; room: string; presence: JsonValue | null }
  | { type: 'room-leave'; node: string; connection: string; room: string }
  /** A member's leave grace ran out (every node sends it; the first applies, the rest find nothing to do). */
  | { type: 'room-expire'; room: string; userId: string; since: number }
  /** An event for the room's other connections: applied by sending it, never stored in any state. */
  | { type: 'room-broadcast'; node: string; connection: string; userId: string; room: string; event: JsonValue };

/** A command as the log ordered it. */
export interface LogEntry {
  /** The entry's place in the one global order; the changes it makes are numbered from here. */
  seq: number;
  /** The log's clock when it was appended: every node stamps times (`lastOnline`) with it. */
  at: number;
  command: LogCommand;
}

/**
 * Where commands are ordered. The in-memory log (one node) applies each at once; the Redis log (N nodes)
 * appends it to a stream every node reads.
 *
 * @example
 * ```ts
 * const log = createMemoryLog(Date.now);
 * log.start((entry) => hub.apply(entry));
 * log.append({ type: 'set-presence', userId: 'ada', patch: { status: 'busy' } }, () => ack());
 * ```
 */
export interface PresenceLog {
  /** Starts delivering entries, in order, to `apply`. */
  start(apply: (entry: LogEntry) => void): void;
  /**
   * Appends a command; `applied` runs on this node right after the entry is applied here (to answer the
   * client that asked). A command the log refuses or loses is reported to `failed`.
   */
  append(command: LogCommand, applied?: () => void, failed?: (error: Error) => void): void;
  /** Resolves once this node has applied everything appended anywhere before the call. */
  sync(): Promise<void>;
  close(): void;
}

/**
 * The embedded log of a single node: commands apply at once, in call order.
 *
 * @example
 * ```ts
 * const log = createMemoryLog(Date.now);
 * ```
 */
export function createMemoryLog(now: () => number): PresenceLog {
  let apply: ((entry: LogEntry) => void) | null = null;
  return {
    start: (handler) => void (apply = handler),
    append(command, applied, failed) {
      // Before start or after close (a socket closing during shutdown): nothing to apply it to.
      if (!apply) {
        failed?.(new Error('the presence log is closed'));
        return;
      }
      // seq 0: the single node numbers its changes itself.
      apply({ seq: 0, at: now(), command });
      applied?.();
    },
    sync: () => Promise.resolve(),
    close: () => void (apply = null),
  };
}
