// Loaded with tab-link.ts, only where tabs share a socket. It imports no code from the rest of the client
// (types only): a chunk loaded on demand that shares modules with the main one makes bundlers split them
// out, which costs every app more than it saves.

/** One tab's socket, as the hub sees it: a lane of the leader's socket. */
export interface LanePort {
  /** The lane's id: the tab's socket, and its name in rooms (`lane` in room frames). */
  readonly id: string;
  /** The tab that holds it. */
  readonly tab: string;
  /** Hands frames to the lane. */
  deliver(text: string): void;
  /** Closes the lane (the tab's connection reconnects, to whichever tab leads then). */
  close(code: number, reason: string): void;
}

/** The leader's real connection, as the hub uses it. */
export interface Upstream {
  start(): void;
  stop(): void;
  /** Sends when authenticated; false otherwise. */
  send(frame: object): boolean;
  readonly status: string;
}

interface Lane {
  port: LanePort;
  /** Sent `auth`, waiting for the leader's welcome. */
  waiting: boolean;
  /** Has the welcome: hears the frames every lane hears. */
  admitted: boolean;
  users: Set<string>;
  online: boolean;
  rooms: Set<string>;
  /** Has a window on the online list (the server keeps one per lane). */
  window: boolean;
}

type Frame = { [key: string]: unknown; type?: unknown; rid?: unknown };
type Me = { id: string; presence: Record<string, unknown> | null } & Record<string, unknown>;

/** Close codes the lanes hear (docs/protocol.md): 1012, try again (soon, at another tab); 4003, revoked. */
const RETRY = 1012;
const REVOKED = 4003;

const parse = (text: string): Frame | null => {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Frame) : null;
  } catch {
    return null;
  }
};

/**
 * What the tab holding the socket (the leader) does for every tab's connection: it answers each lane's
 * `auth` with its own welcome and its pings with pongs; sends the rest on, with request ids of its own so
 * each answer goes back to the lane that asked; subscribes to the union of what the lanes watch (a user
 * or the online list stays watched while any lane watches it); names each lane in room frames, so each
 * tab is in a room as a connection of its own; and hands every other frame once to every lane.
 *
 * @example
 * ```ts
 * const hub = new TabHub(upstream, (lanes, text) => post(lanes, text));
 * hub.open(port);
 * hub.fromLane(port.id, '{"type":"auth","token":"…"}');
 * ```
 */
export class TabHub {
  readonly lanes = new Map<string, Lane>();
  /** Frames handed on, both ways: what devtools show. */
  forwarded = 0;
  #rids = new Map<number, { lane: Lane; rid: number; status: boolean }>();
  #nextRid = 1;
  #welcome: Frame | null = null;
  /** The user as the server last said, and as shown to the lanes (with status changes not yet acknowledged). */
  #me: Me | null = null;
  #shown: Me | null = null;

  constructor(
    readonly upstream: Upstream,
    /** Hands `text` to these lanes (one message for all of them where they are in other tabs). */
    private readonly deliver: (lanes: LanePort[], text: string) => void,
  ) {}

  /** A lane opens (asked again, it stays as it is). */
  open(port: LanePort): void {
    if (this.lanes.has(port.id)) return;
    this.lanes.set(port.id, { port, waiting: false, admitted: false, users: new Set(), online: false, rooms: new Set(), window: false });
  }

  /** A lane closed (its tab's connection stopped or went away): what only it watched is let go. */
  closed(id: string): void {
    const lane = this.lanes.get(id);
    if (!lane) return;
    this.lanes.delete(id);
    if (!lane.admitted) return;
    this.#unwatch(lane, [...lane.users], lane.online);
    for (const room of lane.rooms) this.#send({ type: 'room-leave', rid: this.#nextRid++, room, lane: id });
    if (lane.window) this.#send({ type: 'online-window', from: 0, count: 0, lane: id });
    for (const [rid, asked] of this.#rids) if (asked.lane === lane) this.#rids.delete(rid);
  }

  /** Every lane of a tab that is gone without a word (closed, crashed, discarded; or, alive after all, told so). */
  tabGone(tab: string): void {
    for (const lane of [...this.lanes.values()]) {
      if (lane.port.tab !== tab) continue;
      this.closed(lane.port.id);
      lane.port.close(RETRY, 'the tab was taken for gone');
    }
  }

  fromLane(id: string, text: string): void {
    const lane = this.lanes.get(id);
    const frame = lane && parse(text);
    if (!lane || !frame) return;
    if (frame.type === 'auth') {
      lane.waiting = true;
      return this.#admit();
    }
    if (frame.type === 'ping') return lane.port.deliver(JSON.stringify({ type: 'pong', t: frame.t }));
    // As the server would: nothing before the welcome.
    if (!lane.admitted) return;
    let status = false;
    switch (frame.type) {
      case 'subscribe':
        for (const user of strings(frame.users)) lane.users.add(user);
        if (frame.online === true) lane.online = true;
        break;
      case 'unsubscribe':
        return this.#unwatch(lane, strings(frame.users), frame.online === true);
      case 'set-presence':
        status = true;
        this.#showStatus(frame.patch);
        break;
      case 'online-window':
        lane.window = frame.count !== 0;
        frame.lane = id;
        break;
      case 'room-enter':
      case 'room-leave':
      case 'room-presence':
      case 'room-broadcast':
      case 'room-window': {
        // Not a string: the server refuses it; nothing to keep here.
        const room = typeof frame.room === 'string' ? frame.room : '';
        if (frame.type === 'room-enter' && room) lane.rooms.add(room);
        if (frame.type === 'room-leave') lane.rooms.delete(room);
        frame.lane = id;
        // The server sends a broadcast to every socket in the room but this one: the other lanes here hear it from us.
        if (frame.type === 'room-broadcast' && this.#me) {
          const others = [...this.lanes.values()].filter((other) => other !== lane && other.admitted && other.rooms.has(room));
          if (others.length > 0)
            this.deliver(
              others.map((other) => other.port),
              JSON.stringify({ type: 'room-event', room, userId: this.#me.id, event: frame.event }),
            );
        }
        break;
      }
    }
    if (typeof frame.rid === 'number') {
      const rid = this.#nextRid++;
      this.#rids.set(rid, { lane, rid: frame.rid, status });
      frame.rid = rid;
    }
    this.#send(frame);
  }

  /** A frame from the server. */
  fromUpstream(text: string): void {
    const frame = parse(text);
    if (!frame) return;
    switch (frame.type) {
      case 'pong':
        return;
      case 'welcome':
        this.#welcome = frame;
        this.#me = this.#shown = frame.me as Me;
        return this.#admit();
      case 'self':
        this.#me = this.#shown = frame.me as Me;
        break;
      case 'presence':
        if (this.#me && frame.userId === this.#me.id && frame.presence) this.#me = this.#shown = { ...this.#me, presence: frame.presence as Me['presence'] };
        break;
    }
    this.forwarded++;
    if (typeof frame.rid === 'number') {
      const asked = this.#rids.get(frame.rid);
      if (!asked) return;
      this.#rids.delete(frame.rid);
      frame.rid = asked.rid;
      asked.lane.port.deliver(JSON.stringify(frame));
      // Refused: every tab goes back from what it was shown to what the server holds.
      if (asked.status && frame.type === 'error' && this.#me) {
        this.#shown = this.#me;
        this.#toAll(JSON.stringify({ type: 'self', me: this.#me }));
      }
      return;
    }
    // A lane's window rows are that lane's alone.
    const lane = typeof frame.lane === 'string' && (frame.type === 'online-rows' || frame.type === 'room-rows') ? this.lanes.get(frame.lane) : undefined;
    if (lane) return lane.admitted ? lane.port.deliver(text) : undefined;
    this.#toAll(text);
  }

  /**
   * The real connection's status changed. Once it is not connected, the lanes it had admitted are closed
   * (the server forgot what they watched: each tab's connection says it is reconnecting, and comes back
   * through the hub after its backoff); revoked, they are closed as revoked, so every tab ends its session.
   */
  upstreamStatus(status: string, error: { code: string } | null): void {
    if (status === 'connected') return;
    this.#welcome = null;
    this.#rids.clear();
    const code = error?.code === 'revoked' ? REVOKED : RETRY;
    // Lanes still waiting for a welcome wait for the next one, unless there will be none.
    const over = status === 'disconnected' || status === 'idle';
    for (const lane of [...this.lanes.values()]) {
      if (!lane.admitted && !(over && lane.waiting)) continue;
      this.lanes.delete(lane.port.id);
      lane.port.close(code, 'the connection of the tab holding it was lost');
    }
  }

  /** This tab stops leading: every lane is closed, to come back at the next leader. */
  close(): void {
    this.upstream.stop();
    for (const lane of this.lanes.values()) lane.port.close(RETRY, 'the tab holding the connection let it go');
    this.lanes.clear();
  }

  #send(frame: Frame): void {
    this.forwarded++;
    this.upstream.send(frame);
  }

  #toAll(text: string): void {
    const admitted = [...this.lanes.values()].filter((lane) => lane.admitted).map((lane) => lane.port);
    if (admitted.length > 0) this.deliver(admitted, text);
  }

  /** Lanes waiting for auth get the welcome, once there is one: the user as now, not as at the welcome. */
  #admit(): void {
    if (!this.#welcome) return;
    for (const lane of this.lanes.values()) {
      if (!lane.waiting) continue;
      lane.waiting = false;
      lane.admitted = true;
      lane.port.deliver(JSON.stringify({ ...this.#welcome, me: this.#shown }));
    }
  }

  /** The lane lets go of these users (and the online list): the server is told of those no other lane watches. */
  #unwatch(lane: Lane, users: string[], online: boolean): void {
    const others = [...this.lanes.values()].filter((other) => other !== lane && other.admitted);
    const gone = users.filter((user) => lane.users.delete(user) && !others.some((other) => other.users.has(user)));
    const onlineGone = online && lane.online && !others.some((other) => other.online);
    if (online) lane.online = false;
    if (gone.length > 0) this.#send({ type: 'unsubscribe', users: gone });
    if (onlineGone) this.#send({ type: 'unsubscribe', online: true });
  }

  /**
   * A status change reaches every tab at once, before the server acknowledges it (a refusal puts back
   * what the server holds). Applied as the server applies a patch: a new message or emoji without an
   * expiry has none, and an empty one is none.
   */
  #showStatus(patch: unknown): void {
    const shown = this.#shown;
    if (!shown?.presence || patch === null || typeof patch !== 'object') return;
    const presence: Record<string, unknown> = { ...shown.presence };
    for (const [key, value] of Object.entries(patch)) {
      if (!(key in presence) || (key === 'statusExpiresAt' && value !== null && typeof value !== 'string')) continue;
      presence[key] = value === '' ? null : value;
      if ((key === 'statusMessage' || key === 'statusEmoji') && !('statusExpiresAt' in patch)) presence.statusExpiresAt = null;
    }
    this.#shown = { ...shown, presence };
    this.#toAll(JSON.stringify({ type: 'self', me: this.#shown }));
  }
}

/** The strings of a frame's list (a lane's frame is not trusted: `String()` of an object can throw). */
function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}
