import type { User, UserView } from '../core/protocol/index.ts';
import type { ChangeLog } from './change-log.ts';
import type { HubLimits } from './hub-options.ts';
import { KeyedBuckets, TokenBucket } from './rate-limit.ts';
import type { PresenceStore } from './store.ts';
import type { Views } from './views.ts';
import { visibility } from './visibility.ts';

/** Bytes of a snapshot answer counted as one user listed (a typical user view is 200–400 bytes). */
export const ANSWER_BYTES_PER_ROW = 512;

/** A catch-up's answer, or how long to wait when the budget is spent. */
export type DeltaAnswer = { full: boolean; users: UserView[]; removed: string[]; seq: number } | { retryAfterMs: number };

/**
 * Snapshots and catch-ups: the one request whose answer grows with the number of users online, so each is
 * charged what it causes (users listed, log entries read, bytes answered) to the caller and to the node.
 *
 * @example
 * ```ts
 * const catchUp = new CatchUp(store, changes, publiclyOnline, views, limits, Date.now);
 * const answer = catchUp.delta('ada', { seq: 1234 }, { online: true, users: new Set() });
 * ```
 */
export class CatchUp {
  private readonly perUser: KeyedBuckets;
  private readonly total: TokenBucket;

  constructor(
    private readonly store: PresenceStore,
    private readonly changes: ChangeLog,
    private readonly publiclyOnline: ReadonlySet<string>,
    private readonly views: Views,
    limits: Pick<HubLimits, 'snapshotUsersPerSecond' | 'snapshotUsersPerSecondTotal'>,
    now: () => number,
  ) {
    const perSecond = limits.snapshotUsersPerSecond;
    this.perUser = new KeyedBuckets(perSecond, perSecond, 10_000, now);
    const total = limits.snapshotUsersPerSecondTotal;
    this.total = new TokenBucket(total, total, now);
  }

  /**
   * Changes since a cursor, as one viewer may see them, charged to the viewer's snapshot budget
   * (`{ retryAfterMs }` when it is used up). A full answer lists everyone online in scope plus the explicitly named
   * users (the viewer's own state comes with `welcome`); a partial one also carries the viewer's own
   * changes. Someone hidden from the viewer by a block is in neither, except in a partial answer when
   * the block itself is the change, and, as `presence: null`, when named explicitly.
   */
  delta(viewerId: string | null, cursor: { seq?: number; time?: number }, scope: { online: boolean; users: ReadonlySet<string> }): DeltaAnswer {
    const selected = this.select(viewerId, cursor, scope);
    if ('retryAfterMs' in selected) return selected;
    const users: UserView[] = [];
    for (const user of selected.users) users.push(this.views.viewOf(user, viewerId));
    return { full: selected.full, users, removed: selected.removed, seq: selected.seq };
  }

  /**
   * {@link delta} as the socket's `snapshot` frame, built from each user's view as JSON (cached while it
   * does not change: see `Views.viewJson`) and charged for its bytes too.
   *
   * @example
   * ```ts
   * const answer = catchUp.snapshotFrame('ada', {}, { online: true, users: new Set() }, 7);
   * if ('frame' in answer) socket.send(answer.frame);
   * ```
   */
  snapshotFrame(
    viewerId: string,
    cursor: { seq?: number; time?: number },
    scope: { online: boolean; users: ReadonlySet<string> },
    rid: number | undefined,
  ): { frame: string } | { retryAfterMs: number } {
    const selected = this.select(viewerId, cursor, scope);
    if ('retryAfterMs' in selected) return selected;
    const parts: string[] = [];
    for (const user of selected.users) parts.push(this.views.viewJson(user, viewerId));
    // What JSON.stringify({ type: 'snapshot', rid, full, users, removed, seq }) writes.
    const frame = `{"type":"snapshot",${rid === undefined ? '' : `"rid":${rid},`}"full":${selected.full},"users":[${parts.join(',')}],"removed":${JSON.stringify(selected.removed)},"seq":${selected.seq}}`;
    this.chargeAnswerBytes(viewerId, parts.length, frame.length);
    return { frame };
  }

  /** The users an answer lists, charged to the caller and the node (see {@link delta}). */
  private select(
    viewerId: string | null,
    cursor: { seq?: number; time?: number },
    scope: { online: boolean; users: ReadonlySet<string> },
  ): { full: boolean; users: User[]; removed: string[]; seq: number } | { retryAfterMs: number } {
    const { store } = this;
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
      const charged = this.charge(viewerId ?? 'admin', cost);
      if (!charged.ok) return charged;
    }
    const users: User[] = [];
    const removed: string[] = [];
    for (const id of ids) {
      const user = store.getUser(id);
      if (user) users.push(user);
      // Gone: said only to those the deletion was not hidden from (the store no longer knows the blocks).
      else if (changed?.removed.has(id)) removed.push(id);
    }
    return { full: changed === null, users, removed, seq };
  }

  /**
   * Charges an answer's size once it is built: past {@link ANSWER_BYTES_PER_ROW} bytes a user, a snapshot
   * costs a row per that many bytes, so users with large profiles cost what they weigh. Charged whatever is
   * left (the answer is made); the debt delays the caller's next snapshot.
   */
  chargeAnswerBytes(viewerId: string | null, rows: number, bytes: number): void {
    const extra = Math.ceil(bytes / ANSWER_BYTES_PER_ROW) - rows;
    if (extra <= 0) return;
    this.perUser.charge(viewerId ?? 'admin', extra);
    this.total.charge(extra);
  }

  /** Spends `rows` of the budget of `key` (a user id, or 'admin') and of the node's. */
  private charge(key: string, rows: number): { ok: true } | { ok: false; retryAfterMs: number } {
    // The node's budget is looked at first and spent last, so a refusal there costs the caller nothing.
    if (!this.total.spend(0)) return { ok: false, retryAfterMs: this.total.retryAfterMs() };
    if (!this.perUser.spend(key, rows)) return { ok: false, retryAfterMs: this.perUser.retryAfterMs(key) };
    this.total.spend(rows);
    return { ok: true };
  }
}
