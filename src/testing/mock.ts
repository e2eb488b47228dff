import { createPresenceClient, type PresenceClient, type PresenceClientOptions } from '../core/index.ts';
import type { WebSocketLike } from '../core/connection.ts';
import { PROTOCOL_VERSION, type Presence, type ServerMessage, type UserView } from '../core/protocol/index.ts';
import { makePresence, makeUserView } from './fixtures.ts';

/** Options of {@link createMockPresence}. */
export interface MockPresenceOptions {
  /** The people the fake server knows (ids, or full views). */
  users: Array<string | UserView>;
  /** Who the client is signed in as; created if not among `users`. */
  me: string;
  /** 'down' makes every connection attempt fail, as with no network (default 'up'). */
  network?: 'up' | 'down';
  /** Delay of every REST answer in ms, to show loading states (default 0). */
  latencyMs?: number;
  /** Fail every REST request with this HTTP status, to show error states. */
  failRequestsWith?: number;
  /**
   * Above this many people online the fake online list is "large", as the real server's past its
   * `announceMax`: counts and windows instead of every change (default: never).
   */
  announceMax?: number;
  /** Above this many members a fake room is "large", as the real server's past its `roomAnnounceMax` (default: never). */
  roomAnnounceMax?: number;
  /** More client options (the mock sets url, token, fetch and WebSocket). */
  client?: Partial<PresenceClientOptions>;
}

/** What a story or test drives on the fake server. */
export interface MockPresenceControls {
  /** Changes a user's presence and tells every connected client, as the real server would. */
  setPresence(userId: string, change: Partial<Presence>): void;
  /** 'down' drops every connection and refuses new ones; 'up' lets the client back in. */
  setNetwork(state: 'up' | 'down'): void;
  /** The fake server's view of a user. */
  get(userId: string): UserView | undefined;
  /** Puts a user in a room (or changes their room presence there), as if they had entered from elsewhere. */
  setRoomPresence(roomId: string, userId: string, presence: Record<string, unknown>): void;
  /** Takes a user out of a room. */
  leaveRoom(roomId: string, userId: string): void;
}

/**
 * A real presence client wired to an in-memory fake of the presence server (its `fetch` and WebSocket
 * are replaced), for stories and browser tests that must render the same every time and need no server.
 * It speaks the real protocol, so the client validates every frame as usual.
 *
 * @example
 * ```tsx
 * const { client, controls } = createMockPresence({ users: ['ada', 'grace'], me: 'ada' });
 * <PresenceProvider client={client}><OnlineBadge userId="grace" /></PresenceProvider>;
 * controls.setPresence('grace', { status: 'busy' });
 * ```
 */
export function createMockPresence(options: MockPresenceOptions): { client: PresenceClient; controls: MockPresenceControls } {
  const users = new Map<string, UserView>();
  for (const user of options.users) {
    const view = typeof user === 'string' ? makeUserView(user, { presence: makePresence('offline') }) : user;
    users.set(view.id, view);
  }
  if (!users.has(options.me)) users.set(options.me, makeUserView(options.me));
  users.set(options.me, {
    ...users.get(options.me)!,
    presence: { ...(users.get(options.me)!.presence ?? makePresence('online')), online: true, status: 'online' },
  });
  let network = options.network ?? 'up';
  let seq = 1;
  const sockets = new Set<FakeSocket>();
  /** Room → user → their one connection's room presence and when they entered. */
  const rooms = new Map<string, Map<string, { presence: unknown; enteredAt: string }>>();
  const memberWire = (userId: string, entry: { presence: unknown; enteredAt: string }) => ({
    userId,
    presence: entry.presence,
    connections: [{ id: `mock/${userId}`, presence: entry.presence, enteredAt: entry.enteredAt }],
  });

  const largeRooms = new Set<string>();
  const isLarge = (roomId: string) => (rooms.get(roomId)?.size ?? 0) > (options.roomAnnounceMax ?? Infinity);
  /** A room's members in its order (name, then id), those matching `query`. */
  function roomOrder(roomId: string, query = ''): string[] {
    const name = (id: string) => users.get(id)?.displayName || users.get(id)?.username || id;
    const ids = [...(rooms.get(roomId)?.keys() ?? [])].filter((id) => !query || `${name(id)}\n${users.get(id)?.username ?? ''}`.toLowerCase().includes(query));
    return ids.sort((a, b) => collator.compare(name(a), name(b)) || (a < b ? -1 : 1));
  }

  /** Tells every socket in the room what changed about `userId`: in a large room, only its window and itself. */
  function roomChanged(roomId: string, userId: string): void {
    const members = rooms.get(roomId);
    const entry = members?.get(userId);
    const large = isLarge(roomId);
    const switched = large !== largeRooms.has(roomId);
    if (large) largeRooms.add(roomId);
    else largeRooms.delete(roomId);
    const count = JSON.stringify({ type: 'room-count', room: roomId, count: members?.size ?? 0, large });
    const frame =
      switched && !large
        ? JSON.stringify({ type: 'room-update', room: roomId, members: [...(members ?? [])].map(([id, e]) => memberWire(id, e)), left: [], full: true })
        : JSON.stringify({ type: 'room-update', room: roomId, members: entry ? [memberWire(userId, entry)] : [], left: entry ? [] : [userId] });
    for (const socket of sockets) {
      if (!socket.rooms.has(roomId)) continue;
      if (large) {
        socket.deliverRaw(count);
        socket.sendRoomWindow(roomId);
        if (userId === options.me) socket.deliverRaw(frame);
      } else {
        socket.deliverRaw(frame);
        if (switched) socket.deliverRaw(count);
      }
    }
  }

  const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
  const SECTIONS = ['online', 'away', 'busy'] as const;
  /** Everyone online in the list's order (section, name, id), with the counts of those matching `query`. */
  function ordered(query = '') {
    const online = [...users.values()].map((view) => (view.id === options.me ? view : publicView(view))).filter((view) => view.presence?.online);
    const rank = (view: UserView) => Math.max(0, SECTIONS.indexOf(view.presence!.status as never));
    online.sort((a, b) => rank(a) - rank(b) || collator.compare(a.displayName || a.username, b.displayName || b.username) || (a.id < b.id ? -1 : 1));
    const matching = query ? online.filter((view) => `${view.displayName}\n${view.username}`.toLowerCase().includes(query)) : online;
    const counts = { online: 0, away: 0, busy: 0 };
    for (const view of matching) counts[SECTIONS[rank(view)]!]++;
    return { rows: matching, counts, large: online.length > (options.announceMax ?? Infinity) };
  }

  const publicView = (view: UserView): UserView =>
    view.presence?.status === 'invisible' ? { ...view, presence: { ...view.presence, online: false, status: 'offline' } } : view;

  function broadcast(userId: string): void {
    const view = users.get(userId);
    if (!view) return;
    seq += 1;
    const { large } = ordered();
    for (const socket of sockets) {
      socket.sendWindow();
      // A large list tells only whom a socket shows (and its own user).
      if (large && userId !== options.me && !socket.inWindow.has(userId)) continue;
      const shown = userId === options.me ? view : publicView(view);
      socket.deliver({ type: 'presence', seq, userId, presence: shown.presence, ...(shown.presence?.online ? { user: stripPresence(shown) } : {}) });
    }
  }

  class FakeSocket extends EventTarget {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;
    readyState = 0;
    /** Rooms this socket entered. */
    readonly rooms = new Set<string>();
    /** Its window on the online list, and the ids it was last sent. */
    window: { from: number; count: number; query: string } | null = null;
    inWindow = new Set<string>();
    /** Per room, the window it asked for. */
    roomWindows = new Map<string, { from: number; count: number; query: string }>();
    sentRows = '';
    protocol = '';
    binaryType = 'blob';
    bufferedAmount = 0;
    extensions = '';

    constructor(readonly url: string) {
      super();
      setTimeout(() => {
        if (network === 'down') {
          this.dispatchEvent(new Event('error'));
          this.finish(1006, 'network down');
          return;
        }
        this.readyState = 1;
        this.protocol = PROTOCOL_VERSION;
        sockets.add(this);
        this.dispatchEvent(new Event('open'));
      }, 0);
    }

    send(data: string): void {
      const frame = JSON.parse(data) as {
        type: string;
        rid?: number;
        users?: string[];
        online?: boolean;
        patch?: Partial<Presence>;
        t?: number;
        from?: number;
        count?: number;
        query?: string;
        room?: string;
        presence?: unknown;
      };
      switch (frame.type) {
        case 'room-enter':
        case 'room-presence': {
          const roomId = frame.room!;
          let members = rooms.get(roomId);
          if (!members) rooms.set(roomId, (members = new Map()));
          members.set(options.me, { presence: frame.presence ?? {}, enteredAt: members.get(options.me)?.enteredAt ?? new Date().toISOString() });
          if (frame.type === 'room-enter') {
            this.rooms.add(roomId);
            const large = isLarge(roomId);
            if (large) largeRooms.add(roomId);
            const listed = [...members].filter(([id]) => !large || id === options.me).map(([id, entry]) => memberWire(id, entry));
            this.deliverRaw(
              JSON.stringify({
                type: 'room',
                rid: frame.rid,
                room: roomId,
                access: 'write',
                self: `mock/${options.me}`,
                members: listed,
                ...(large ? { large: true, count: members.size } : {}),
              }),
            );
          } else roomChanged(roomId, options.me);
          return;
        }
        case 'room-leave':
          this.rooms.delete(frame.room!);
          this.roomWindows.delete(frame.room!);
          rooms.get(frame.room!)?.delete(options.me);
          return;
        case 'room-window':
          if (frame.count) this.roomWindows.set(frame.room!, { from: frame.from ?? 0, count: frame.count, query: (frame.query ?? '').trim().toLowerCase() });
          else this.roomWindows.delete(frame.room!);
          this.sendRoomWindow(frame.room!, frame.rid);
          return;
        case 'room-broadcast':
          return;
        case 'auth':
          this.deliver({
            type: 'welcome',
            protocol: PROTOCOL_VERSION,
            sessionId: 'mock',
            me: users.get(options.me)!,
            seq,
            serverTime: new Date().toISOString(),
            heartbeatMs: 15_000,
          });
          return;
        case 'online-window':
          this.window = frame.count ? { from: frame.from ?? 0, count: frame.count, query: (frame.query ?? '').trim().toLowerCase() } : null;
          this.sentRows = '';
          this.sendWindow(frame.rid);
          return;
        case 'subscribe': {
          const ids = new Set(frame.users ?? []);
          const list = ordered();
          if (frame.online) this.deliver({ type: 'online-count', counts: list.counts, large: list.large });
          if (frame.online && !list.large) for (const [id, view] of users) if (publicView(view).presence?.online) ids.add(id);
          const listed = [...ids].flatMap((id) => (users.has(id) ? [id === options.me ? users.get(id)! : publicView(users.get(id)!)] : []));
          this.deliver({ type: 'snapshot', ...(frame.rid === undefined ? {} : { rid: frame.rid }), seq, full: true, users: listed, removed: [] });
          return;
        }
        case 'set-presence': {
          const me = users.get(options.me)!;
          const presence = { ...me.presence!, ...frame.patch, updatedAt: new Date().toISOString() } as Presence;
          presence.online = true;
          users.set(options.me, { ...me, presence });
          if (frame.rid !== undefined) this.deliver({ type: 'ack', rid: frame.rid });
          broadcast(options.me);
          return;
        }
        case 'unsubscribe':
          if (frame.rid !== undefined) this.deliver({ type: 'ack', rid: frame.rid });
          return;
        case 'ping':
          this.deliver(frame.t === undefined ? { type: 'pong' } : { type: 'pong', t: frame.t });
          return;
      }
    }

    /** Sends its window's rows when they changed (or, with `rid`, as the answer to asking for them). */
    sendWindow(rid?: number): void {
      if (!this.window) {
        this.inWindow.clear();
        if (rid !== undefined) this.deliver({ type: 'online-rows', rid, from: 0, ids: [], users: [], counts: ordered().counts });
        return;
      }
      const { from, count, query } = this.window;
      const list = ordered(query);
      const rows = list.rows.slice(from, from + count);
      const key = JSON.stringify([rows.map((view) => [view.id, view.presence?.status]), list.counts]);
      if (rid === undefined && key === this.sentRows) return;
      this.sentRows = key;
      this.inWindow = new Set(rows.map((view) => view.id));
      this.deliver({ type: 'online-rows', ...(rid === undefined ? {} : { rid }), from, ids: rows.map((view) => view.id), users: rows, counts: list.counts });
    }

    /** Sends its window on a room (every row's member whole: the mock keeps no record of what it sent). */
    sendRoomWindow(roomId: string, rid?: number): void {
      const window = this.roomWindows.get(roomId);
      if (!window && rid === undefined) return;
      const { from = 0, count = 0, query = '' } = window ?? {};
      const all = roomOrder(roomId, query);
      const ids = all.slice(from, from + count);
      const members = rooms.get(roomId)!;
      this.deliverRaw(
        JSON.stringify({
          type: 'room-rows',
          ...(rid === undefined ? {} : { rid }),
          room: roomId,
          from,
          ids,
          members: ids.map((id) => memberWire(id, members.get(id)!)),
          total: all.length,
          count: members.size,
        }),
      );
    }

    deliver(message: ServerMessage): void {
      this.deliverRaw(JSON.stringify(message));
    }

    deliverRaw(data: string): void {
      if (this.readyState !== 1) return;
      queueMicrotask(() => this.readyState === 1 && this.dispatchEvent(new MessageEvent('message', { data })));
    }

    close(code = 1000, reason = ''): void {
      if (this.readyState >= 2) return;
      this.finish(code, reason);
    }

    finish(code: number, reason: string): void {
      this.readyState = 3;
      sockets.delete(this);
      const event =
        typeof CloseEvent === 'function' ? new CloseEvent('close', { code, reason }) : Object.assign(new Event('close'), { code, reason, wasClean: false });
      this.dispatchEvent(event);
    }
  }

  async function fakeFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (network === 'down') throw new TypeError('Failed to fetch');
    if (options.failRequestsWith) return json(options.failRequestsWith, { error: { code: 'server-error', message: 'the mock was told to fail' } });
    const url = new URL(String(input instanceof Request ? input.url : input));
    const method = init.method ?? 'GET';
    const path = url.pathname;
    const userMatch = /^\/api\/v1\/users\/([^/]+)$/.exec(path);
    if (method === 'GET' && userMatch) {
      const view = users.get(decodeURIComponent(userMatch[1]!));
      return view ? json(200, view.id === options.me ? view : publicView(view)) : json(404, { error: { code: 'not-found', message: 'no such user' } });
    }
    if (method === 'GET' && path === '/api/v1/users') {
      const search = url.searchParams.get('search')?.toLowerCase() ?? '';
      const online = url.searchParams.get('online');
      const limit = Number(url.searchParams.get('limit') ?? 25);
      const after = url.searchParams.get('cursor');
      const all = [...users.values()]
        .map((view) => (view.id === options.me ? view : publicView(view)))
        .filter((view) => !search || view.displayName.toLowerCase().includes(search) || view.username.toLowerCase().includes(search))
        .filter((view) => online === null || (view.presence?.online === true) === (online === 'true'))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const start = after ? all.findIndex((view) => view.id > after) : 0;
      const page = start === -1 ? [] : all.slice(start, start + limit);
      const more = start !== -1 && start + limit < all.length;
      return json(200, { users: page, nextCursor: more ? page.at(-1)!.id : null });
    }
    if (path === '/api/v1/me' && method === 'GET') return json(200, users.get(options.me));
    if (path === '/api/v1/me' && method === 'PATCH') {
      const next = { ...users.get(options.me)!, ...(JSON.parse(String(init.body)) as Partial<UserView>), updatedAt: new Date().toISOString() };
      users.set(options.me, next);
      seq += 1;
      for (const socket of sockets) socket.deliver({ type: 'user', seq, user: next });
      return json(200, next);
    }
    if (path === '/api/v1/me/blocks' && method === 'GET') return json(200, { users: [] });
    if (path === '/api/v1/auth/logout') return json(200, { ok: true });
    return json(404, { error: { code: 'not-found', message: `the mock has no ${method} ${path}` } });
  }

  const client = createPresenceClient({
    url: 'http://presence.mock',
    token: 'mock-token',
    fetch: fakeFetch as typeof fetch,
    WebSocket: FakeSocket as unknown as WebSocketLike,
    environment: null,
    offlineGraceMs: 0,
    autoAway: false,
    backoff: { minMs: 200, maxMs: 1000 },
    // A mock is a world of its own: it never shares a socket with another page's client.
    shareConnection: false,
    ...options.client,
  });

  return {
    client,
    controls: {
      setPresence(userId, change) {
        const view = users.get(userId);
        if (!view) throw new Error(`the mock has no user "${userId}"`);
        const previous = view.presence ?? makePresence('offline');
        const presence = { ...previous, ...change, updatedAt: new Date().toISOString() };
        if (change.status !== undefined && change.online === undefined) presence.online = change.status !== 'offline';
        if (previous.online && !presence.online && change.lastOnline === undefined) presence.lastOnline = new Date().toISOString();
        users.set(userId, { ...view, presence });
        broadcast(userId);
      },
      setNetwork(state) {
        network = state;
        if (state === 'down') for (const socket of [...sockets]) socket.finish(1006, 'network down');
      },
      get: (userId) => users.get(userId),
      setRoomPresence(roomId, userId, presence) {
        let members = rooms.get(roomId);
        if (!members) rooms.set(roomId, (members = new Map()));
        members.set(userId, { presence, enteredAt: members.get(userId)?.enteredAt ?? new Date().toISOString() });
        roomChanged(roomId, userId);
      },
      leaveRoom(roomId, userId) {
        if (rooms.get(roomId)?.delete(userId)) roomChanged(roomId, userId);
      },
    },
  };
}

function stripPresence(view: UserView) {
  const { presence: _presence, blockedByMe: _blockedByMe, hasBlockedMe: _hasBlockedMe, ...user } = view;
  return user;
}
