import type { OnlineCounts } from '../core/protocol/index.ts';
import type { Audience } from './audience.ts';
import type { Connection } from './connection.ts';
import { SECTIONS, type OnlineOrder } from './online-order.ts';
import { ROOM_LIMITS } from '../core/protocol/index.ts';
import type { Outbox } from './outbox.ts';
import type { PresenceStore } from './store.ts';
import type { Views } from './views.ts';
import { audienceRule } from './visibility.ts';

/** A connection's window on the online list (one per lane: each tab sharing the socket has its own), and what it was last sent. */
export interface OnlineWindow {
  connection: Connection;
  /** '' for the socket itself. */
  lane: string;
  from: number;
  count: number;
  /** Lower case; '' for none. */
  query: string;
  ids: readonly string[];
  /** The counts last sent, as JSON. */
  counts: string;
  countsSentAt: number;
  /** Counts changed and were held back by the once-a-second limit. */
  pending: boolean;
}

/** Windows one socket may hold: one per lane (tab) sharing it, as in rooms. */
const MAX_WINDOWS = ROOM_LIMITS.lanes;

const joinedIds = new WeakMap<readonly string[], string>();
/** A list of rows as one string, kept per list (windows showing the same rows share the array). */
function joined(ids: readonly string[]): string {
  let text = joinedIds.get(ids);
  if (text === undefined) joinedIds.set(ids, (text = ids.join(',')));
  return text;
}

/** Windows checked in one slice of the event loop. */
const SWEEP_SLICE = 500;

/** Timing and threshold of {@link OnlineListFanOut}. */
export interface OnlineListOptions {
  /** Above this many people online, online-list watchers get counts instead of every change. */
  announceMax: number;
  /** Windows changed within this long reach their watchers in one frame. */
  tickMs: number;
  /** Counts reach a watcher at most this often. */
  countIntervalMs: number;
  now: () => number;
}

/**
 * The online list at scale, on one node. Up to `announceMax` people online, a watcher hears of every change
 * as before. Above it (and until the list is back under nine tenths of it, so a list at the threshold does
 * not flap) the list is `large`: its watchers hear the counts, at most once a second, and only the changes
 * of users they watch by name or in their window. Windows (rows of the list in its stable order) are
 * re-sent at most once a tick when their rows change, with the counts; frames that several watchers share
 * are built once. Nobody hidden from a viewer (a block, the audience rule) is counted or listed for them.
 *
 * @example
 * ```ts
 * const online = new OnlineListFanOut(order, audience, outbox, views, store, { announceMax: 100, tickMs: 100, countIntervalMs: 1000, now: Date.now });
 * online.changed(); // after the order changed: switches mode when the size crossed the threshold
 * online.setWindow(connection, 'ada', { from: 0, count: 60, query: '', lane: '' }, 3);
 * ```
 */
export class OnlineListFanOut {
  private large = false;
  /** A sweep of the windows is under way (see {@link sweep}): the next tick waits for it. */
  private sweeping = false;
  /** Counts held back for some window by the once-a-second limit. */
  private pendingCounts = false;
  /** Every window must be checked at the next tick (what viewers may see changed). */
  private forceAll = false;
  private readonly windows = new Set<OnlineWindow>();
  private readonly timer: ReturnType<typeof setInterval>;
  private countsDirty = false;
  private lastCountsAt = 0;

  constructor(
    private readonly order: OnlineOrder,
    private readonly audience: Audience,
    private readonly outbox: Outbox,
    private readonly views: Views,
    private readonly store: PresenceStore,
    private readonly options: OnlineListOptions,
  ) {
    this.timer = setInterval(() => this.tick(), options.tickMs);
    this.timer.unref?.();
  }

  /** Whether the list is past its threshold (its watchers get counts, not every change). */
  get isLarge(): boolean {
    return this.large;
  }

  /**
   * The order changed (someone came, went or changed section). Crossing the threshold switches the mode at
   * once, before the change that crossed it goes out: every online-list watcher is told first.
   */
  changed(): void {
    this.countsDirty = true;
    const { announceMax } = this.options;
    const large = this.large ? this.order.size > announceMax - Math.max(1, Math.floor(announceMax / 10)) : this.order.size > announceMax;
    if (large === this.large) return;
    this.large = large;
    this.audience.announceOnline(!large);
    for (const connection of this.audience.onlineList()) this.sendCount(connection);
  }

  /** A block, unblock or shared room changed what some viewers may see: counts and windows are checked again. */
  viewsChanged(): void {
    this.countsDirty = true;
    this.forceAll = true;
  }

  /** The counts `viewerId` may see, of the rows matching `query` (lower case; '' for all). */
  countsFor(viewerId: string, query = ''): OnlineCounts {
    const seen = this.visibleTo(viewerId);
    if (query === '' && seen.ids === undefined) {
      const counts = this.order.counts();
      for (const id of seen.hidden ?? []) {
        const section = this.order.sectionOf(id);
        if (section) counts[section]--;
      }
      return counts;
    }
    const counts: OnlineCounts = { online: 0, away: 0, busy: 0 };
    for (const id of this.candidates(seen)) {
      const section = this.order.sectionOf(id);
      if (section && (query === '' || this.order.matches(id, query))) counts[section]++;
    }
    return counts;
  }

  /** Tells a connection the counts and the mode (an online-list watcher; see `online-count`). */
  sendCount(connection: Connection, counts = JSON.stringify(this.countsFor(connection.userId!))): void {
    connection.sentCounts = counts;
    this.outbox.sendRaw(connection, `{"type":"online-count","counts":${counts},"large":${this.large}}`);
  }

  /**
   * Sets (or, with `count` 0, ends) the window of a connection's lane, answered at once with its rows
   * (`rid`). The users in it are watched as if by name until they leave it. False: the connection has as
   * many windows as lanes allow and this would be one more.
   */
  setWindow(connection: Connection, viewerId: string, request: { from: number; count: number; query: string; lane: string }, rid: number | undefined): boolean {
    const windows = (connection.windows ??= new Map());
    const previous = windows.get(request.lane);
    if (request.count === 0) {
      if (previous) this.end(previous);
      if (rid !== undefined) this.outbox.sendRaw(connection, this.rowsFrame(request.lane, request.from, [], [], JSON.stringify(this.countsFor(viewerId)), rid));
      return true;
    }
    if (!previous && windows.size >= MAX_WINDOWS) return false;
    const window: OnlineWindow = previous ?? {
      connection,
      lane: request.lane,
      from: 0,
      count: 0,
      query: '',
      ids: [],
      counts: '',
      countsSentAt: 0,
      pending: false,
    };
    Object.assign(window, { from: request.from, count: request.count, query: request.query });
    windows.set(request.lane, window);
    this.windows.add(window);
    this.sendRows(window, viewerId, this.rowsFor(viewerId, window), this.countsFor(viewerId, window.query), rid);
    return true;
  }

  /** A connection gone: its windows end. */
  endWindows(connection: Connection): void {
    for (const window of [...(connection.windows?.values() ?? [])]) this.end(window);
  }

  private end(window: OnlineWindow): void {
    this.audience.watchWindow(window, []);
    window.connection.windows?.delete(window.lane);
    this.windows.delete(window);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.sweeping) return;
    const touched = this.order.takeTouched();
    const force = this.forceAll;
    this.forceAll = false;
    const now = this.options.now();
    const countsDue = this.countsDirty && now - this.lastCountsAt >= this.options.countIntervalMs;
    if (touched === Infinity && !force && !countsDue && !this.pendingCounts) return;
    this.pendingCounts = false;
    if (countsDue) {
      this.countsDirty = false;
      this.lastCountsAt = now;
      if (this.large) for (const connection of this.audience.onlineList()) if (!connection.windows?.size) this.countIfChanged(connection);
    }
    this.sweeping = true;
    void this.sweep([...this.windows], touched, force, now).finally(() => (this.sweeping = false));
  }

  /**
   * Checks each window and sends what changed, in slices of the event loop: ten thousand windows told of
   * the same rows must not hold up a presence change arriving meanwhile. Frames that several windows get
   * (the same rows, the same counts) are built and encoded once.
   */
  private async sweep(windows: OnlineWindow[], touched: number, force: boolean, now: number): Promise<void> {
    const rows = new Map<string, readonly string[]>();
    const frames = new Map<string, Buffer>();
    const globalCounts = JSON.stringify(this.order.counts());
    for (let index = 0; index < windows.length; index++) {
      if (index > 0 && index % SWEEP_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const window = windows[index]!;
      if (!this.windows.has(window)) continue;
      const viewerId = window.connection.userId!;
      const seen = this.visibleTo(viewerId);
      const plain = window.query === '' && seen.hidden === undefined && seen.ids === undefined;
      const rowsMayDiffer = force || (touched !== Infinity && (!plain || touched < window.from + window.count));
      const countsMayDiffer = plain ? globalCounts !== window.counts : touched !== Infinity || force || window.pending;
      if (!rowsMayDiffer && !countsMayDiffer) continue;
      let ids = window.ids;
      if (rowsMayDiffer) {
        const key = `${window.from}:${window.count}`;
        ids = plain ? (rows.get(key) ?? rows.set(key, this.rowsFor(viewerId, window)).get(key)!) : this.rowsFor(viewerId, window);
      }
      const idsChanged = ids.length !== window.ids.length || ids.some((id, at) => window.ids[at] !== id);
      const counts = plain ? this.order.counts() : this.countsFor(viewerId, window.query);
      const countsText = plain ? globalCounts : JSON.stringify(counts);
      const countsChanged = countsText !== window.counts;
      if (idsChanged) this.sendRows(window, viewerId, ids, counts, undefined, plain ? frames : undefined);
      else if (countsChanged && now - window.countsSentAt >= this.options.countIntervalMs) {
        if (window.query !== '') this.sendRows(window, viewerId, ids, counts);
        else {
          // Only the counts: the small frame, the same for every window without a search.
          window.counts = window.connection.sentCounts = countsText;
          window.countsSentAt = now;
          window.pending = false;
          const frame = `{"type":"online-count","counts":${countsText},"large":${this.large}}`;
          this.outbox.sendShared(window.connection, frames.get(frame) ?? frames.set(frame, Buffer.from(frame)).get(frame)!);
        }
      }
      // Counts held back by the once-a-second limit go at a later tick.
      else if (countsChanged) this.pendingCounts = window.pending = true;
    }
  }

  private countIfChanged(connection: Connection): void {
    const counts = JSON.stringify(this.countsFor(connection.userId!));
    if (counts !== connection.sentCounts) this.sendCount(connection, counts);
  }

  /** `shared`: frames built this sweep, for windows whose frame depends only on their rows and whether the viewer is a guest. */
  private sendRows(window: OnlineWindow, viewerId: string, ids: readonly string[], counts: OnlineCounts, rid?: number, shared?: Map<string, Buffer>): void {
    const countsText = JSON.stringify(counts);
    const key = shared && `${this.store.getUser(viewerId)?.isGuest === true}|${window.lane}|${window.from}|${joined(window.ids)}|${joined(ids)}|${countsText}`;
    let frame = key === undefined ? undefined : shared!.get(key);
    if (!frame) {
      const before = new Set(window.ids);
      const users: string[] = [];
      for (const id of ids) {
        const user = before.has(id) ? undefined : this.store.getUser(id);
        if (user) users.push(this.views.viewJson(user, viewerId));
      }
      const text = this.rowsFrame(window.lane, window.from, ids, users, countsText, rid);
      if (key === undefined) {
        this.place(window, ids, countsText);
        return this.outbox.sendRaw(window.connection, text);
      }
      shared!.set(key, (frame = Buffer.from(text)));
    }
    this.place(window, ids, countsText);
    this.outbox.sendShared(window.connection, frame);
  }

  /** What a window was sent: its rows (watched from now on) and counts. */
  private place(window: OnlineWindow, ids: readonly string[], countsText: string): void {
    this.audience.watchWindow(window, ids);
    window.ids = ids;
    window.counts = countsText;
    window.countsSentAt = this.options.now();
    window.pending = false;
  }

  /** What JSON.stringify({ type: 'online-rows', rid, lane, from, ids, users, counts }) writes, with each view serialized once (see Views.viewJson). */
  private rowsFrame(lane: string, from: number, ids: readonly string[], users: string[], counts: string, rid: number | undefined): string {
    return `{"type":"online-rows",${rid === undefined ? '' : `"rid":${rid},`}${lane === '' ? '' : `"lane":${JSON.stringify(lane)},`}"from":${from},"ids":${JSON.stringify(ids)},"users":[${users.join(',')}],"counts":${counts}}`;
  }

  /** The rows of a window as `viewerId` sees the list. */
  private rowsFor(viewerId: string, window: { from: number; count: number; query: string }): string[] {
    const seen = this.visibleTo(viewerId);
    const end = window.from + window.count;
    const rows: string[] = [];
    if (seen.hidden === undefined && seen.ids === undefined && window.query === '') {
      let offset = 0;
      for (const section of SECTIONS) {
        const list = this.order.section(section);
        if (offset + list.length > window.from && offset < end) rows.push(...list.slice(Math.max(0, window.from - offset), end - offset));
        offset += list.length;
        if (offset >= end) break;
      }
      return rows;
    }
    let index = 0;
    for (const id of this.candidates(seen)) {
      if (window.query !== '' && !this.order.matches(id, window.query)) continue;
      if (index >= window.from) rows.push(id);
      if (++index >= end) break;
    }
    return rows;
  }

  /** The online users a viewer may see, in the list's order. */
  private *candidates(seen: Seen): Iterable<string> {
    if (seen.ids !== undefined) {
      yield* [...seen.ids].sort((a, b) => this.order.compare(a, b));
      return;
    }
    for (const section of SECTIONS) for (const id of this.order.section(section)) if (!seen.hidden?.has(id)) yield id;
  }

  /**
   * What `viewerId` may see of the list: everyone (`{}`, the common case, served from the shared order), all
   * but the users a block hides (`hidden`), or, under the `shared-rooms` audience, only `ids` (online users
   * sharing a room with them: a few, found from their rooms rather than from everyone online).
   */
  private visibleTo(viewerId: string): Seen {
    const { store } = this;
    const partners = store.blockPartners(viewerId);
    if (audienceRule(store) === 'everyone') return partners.size === 0 ? {} : { hidden: partners };
    const ids = new Set<string>();
    if (this.order.sectionOf(viewerId)) ids.add(viewerId);
    for (const room of store.membershipsOf(viewerId)) {
      for (const id of store.roomMembers(room)) if (!partners.has(id) && this.order.sectionOf(id)) ids.add(id);
    }
    return { ids };
  }
}

/** What one viewer may see of the online list (see {@link OnlineListFanOut.visibleTo}). */
interface Seen {
  hidden?: ReadonlySet<string>;
  ids?: ReadonlySet<string>;
}
