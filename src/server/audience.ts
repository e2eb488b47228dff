import { NO_USERS, type Connection } from './connection.ts';
import type { OnlineWindow } from './online-list-fan-out.ts';

/**
 * Who on this node hears of whom: every connection, each user's own connections, the connections that
 * watch a user by name, and those that watch the online list.
 *
 * @example
 * ```ts
 * const audience = new Audience();
 * audience.add(connection);
 * audience.watch(connection, ['ada']);
 * for (const listener of audience.of('ada')) send(listener, frame);
 * ```
 */
export class Audience {
  /** Every live connection of this node, authenticated or not. */
  readonly all = new Set<Connection>();
  private readonly own = new Map<string, Set<Connection>>();
  private readonly watchers = new Map<string, Set<Connection>>();
  private readonly onlineWatchers = new Set<Connection>();
  /** Per user, the windows on the online list that hold them. */
  private readonly windowWatchers = new Map<string, Set<OnlineWindow>>();
  /** Whether online-list watchers hear of every change (false while the list is large). */
  private announcing = true;

  add(connection: Connection): void {
    this.all.add(connection);
  }

  /** A connection that was welcomed as `userId`'s. */
  addOwn(userId: string, connection: Connection): void {
    let mine = this.own.get(userId);
    if (!mine) this.own.set(userId, (mine = new Set()));
    mine.add(connection);
  }

  /** The user's own connections on this node. */
  ownOf(userId: string): ReadonlySet<Connection> {
    return this.own.get(userId) ?? NONE;
  }

  watch(connection: Connection, userIds: Iterable<string>): void {
    for (const id of userIds) {
      if (connection.users === NO_USERS) connection.users = new Set();
      connection.users.add(id);
      let set = this.watchers.get(id);
      if (!set) this.watchers.set(id, (set = new Set()));
      set.add(connection);
    }
  }

  unwatch(connection: Connection, userIds: Iterable<string>): void {
    for (const id of userIds) {
      connection.users.delete(id);
      this.watchers.get(id)?.delete(connection);
      if (this.watchers.get(id)?.size === 0) this.watchers.delete(id);
    }
  }

  watchOnline(connection: Connection, on: boolean): void {
    connection.online = on;
    if (on) this.onlineWatchers.add(connection);
    else this.onlineWatchers.delete(connection);
  }

  /** Online-list watchers hear of every change (true), or only of those they watch by name or in a window. */
  announceOnline(on: boolean): void {
    this.announcing = on;
  }

  /** The connections that watch the online list. */
  onlineList(): ReadonlySet<Connection> {
    return this.onlineWatchers;
  }

  /** The users in a window on the online list (replacing those it held). */
  watchWindow(window: OnlineWindow, userIds: readonly string[]): void {
    const next = new Set(userIds);
    for (const id of window.ids) {
      if (next.has(id)) continue;
      const set = this.windowWatchers.get(id);
      set?.delete(window);
      if (set?.size === 0) this.windowWatchers.delete(id);
    }
    for (const id of next) {
      let set = this.windowWatchers.get(id);
      if (!set) this.windowWatchers.set(id, (set = new Set()));
      set.add(window);
    }
  }

  /** A connection gone: it hears of nobody any more. */
  remove(connection: Connection): void {
    this.all.delete(connection);
    this.onlineWatchers.delete(connection);
    for (const id of connection.users) {
      const set = this.watchers.get(id);
      set?.delete(connection);
      if (set?.size === 0) this.watchers.delete(id);
    }
    if (connection.userId === null) return;
    const mine = this.own.get(connection.userId);
    mine?.delete(connection);
    if (mine?.size === 0) this.own.delete(connection.userId);
  }

  /** A user deleted: nobody watches them by name any more. */
  forgetUser(userId: string): void {
    this.watchers.delete(userId);
    this.windowWatchers.delete(userId);
  }

  /**
   * Everyone who watches the user, explicitly, in a window or through the online list (while it announces
   * every change), plus the user's own connections.
   */
  *of(userId: string): Iterable<Connection> {
    const seen = new Set<Connection>();
    const windows = [...(this.windowWatchers.get(userId) ?? [])].map((window) => window.connection);
    for (const group of [this.own.get(userId), this.watchers.get(userId), windows, this.announcing ? this.onlineWatchers : undefined]) {
      for (const connection of group ?? []) {
        if (connection.userId === null || seen.has(connection)) continue;
        seen.add(connection);
        yield connection;
      }
    }
  }
}

const NONE: ReadonlySet<Connection> = new Set();
