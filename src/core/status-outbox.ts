import { PresenceError } from './errors.ts';
import { checkPresencePatch } from './presence-patch.ts';
import type { ClientMessageInput } from './protocol/client-messages.ts';
import type { PresencePatch } from './protocol/model.ts';
import type { PresenceStatus } from './protocol/statuses.ts';

interface PendingStatus {
  rid: number | null;
  patch: PresencePatch;
  waiters: Array<{ resolve: () => void; reject: (error: PresenceError) => void }>;
}

interface OutboxDeps {
  /** Sends a frame when connected; false when not (the patch then waits for the next welcome). */
  send: (message: ClientMessageInput) => boolean;
  nextRid: () => number;
  isLoggedIn: () => boolean;
}

/** The client's own status changes, in order, until the server acknowledges each. */
export interface StatusOutbox {
  /** Validates and sends a patch (or queues it until connected); settles when acknowledged or refused. */
  send(patch: PresencePatch): Promise<void>;
  /** After a welcome: what waited, or was sent on a connection that died, goes again as one merged patch. */
  flush(): void;
  /** Settles the change the server answered; false when `rid` is not one of ours. */
  settle(rid: number, error?: PresenceError): boolean;
  /** The connection dropped: nothing sent is acknowledged any more, so everything goes again. */
  unsend(): void;
  /** Fails every waiting change (the session ended, or the client was stopped). */
  rejectAll(error: PresenceError): void;
  /** The newest status asked for and not yet acknowledged. */
  pendingStatus(): PresenceStatus | undefined;
  /** Changes not yet acknowledged, oldest first, each with whether it is on the wire. */
  pending(): Array<{ patch: PresencePatch; sent: boolean }>;
}

/**
 * Creates the status outbox. Patches hold absolute values, so sending one again is harmless; each frame
 * names this client instance (`origin`) and a counter, so the server drops a stale repeat.
 *
 * @example
 * ```ts
 * const outbox = createStatusOutbox({ send: (m) => connection.send(m), nextRid, isLoggedIn });
 * await outbox.send({ status: 'busy' });
 * ```
 */
export function createStatusOutbox(deps: OutboxDeps): StatusOutbox {
  let queue: PendingStatus[] = [];
  const origin = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  let changeCounter = 0;

  function transmit(pending: PendingStatus): void {
    pending.rid = deps.nextRid();
    if (!deps.send({ type: 'set-presence', rid: pending.rid, patch: pending.patch, origin, n: ++changeCounter })) pending.rid = null;
  }

  return {
    send(patch) {
      const refused = checkPresencePatch(patch);
      if (refused) return Promise.reject(new PresenceError('invalid-input', refused));
      if (!deps.isLoggedIn()) return Promise.reject(new PresenceError('revoked', 'the session has ended'));
      return new Promise<void>((resolve, reject) => {
        const pending: PendingStatus = { rid: null, patch, waiters: [{ resolve, reject }] };
        queue.push(pending);
        transmit(pending);
      });
    },
    flush() {
      const unsent = queue.filter((pending) => pending.rid === null);
      if (unsent.length === 0) return;
      const merged: PendingStatus = {
        rid: null,
        patch: unsent.reduce<PresencePatch>((merged, { patch }) => {
          const next = { ...merged, ...patch };
          // As the server applies them one by one: a new message or emoji without an expiry has none.
          if ((patch.statusMessage !== undefined || patch.statusEmoji !== undefined) && patch.statusExpiresAt === undefined) next.statusExpiresAt = null;
          return next;
        }, {}),
        waiters: unsent.flatMap((pending) => pending.waiters),
      };
      transmit(merged);
      if (merged.rid !== null) queue = [...queue.filter((pending) => pending.rid !== null), merged];
    },
    settle(rid, error) {
      const index = queue.findIndex((pending) => pending.rid === rid);
      if (index === -1) return false;
      const [done] = queue.splice(index, 1);
      for (const waiter of done!.waiters) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      return true;
    },
    unsend() {
      for (const pending of queue) pending.rid = null;
    },
    rejectAll(error) {
      const abandoned = queue;
      queue = [];
      for (const pending of abandoned) for (const waiter of pending.waiters) waiter.reject(error);
    },
    pending: () => queue.map((item) => ({ patch: item.patch, sent: item.rid !== null })),
    pendingStatus: () => [...queue].reverse().find((pending) => pending.patch.status !== undefined)?.patch.status,
  };
}
