// Loaded on demand, only in a browser with Web Locks and BroadcastChannel and sharing on. It imports no
// code from the rest of the client, only types (see tab-hub.ts for why).
import type { EnvironmentEvents, SocketLike, WebSocketLike } from './connection.ts';
import { TabHub, type LanePort, type Upstream } from './tab-hub.ts';

/** What the tab's link needs from its client. */
export interface TabLinkOptions {
  /** The lock and channel name: one per server URL and user. */
  name: string;
  /** The real connection, opened by whichever tab leads, with where its frames and status go. */
  upstream(hooks: { onText(text: string): void; onStatus(status: string, error: { code: string; message: string } | null): void }): Upstream;
  /** Page events: the link lets go of the lead when the page is put away, and takes part again when shown. */
  environment: EnvironmentEvents | null;
  /** The leader's connection stopped for good (refused, misconfigured): this tab's stops too, with the reason. */
  onHalt(error: { code: string; message: string }): void;
}

/** Which tab leads, as devtools show it. */
export interface TabLinkInspection {
  /** This tab holds the socket (`leader`) or reaches it through another tab (`follower`). */
  role: 'leader' | 'follower';
  /** This tab's id, and the leader's as last heard (null between leaders). */
  tab: string;
  leader: string | null;
  /** Lanes the leader serves (its own included); 0 in a follower. */
  lanes: number;
  /** Frames handed on by this tab while it led. */
  forwarded: number;
}

/** A tab's part in the shared socket. */
export interface TabLink {
  /** The WebSocket class the tab's own connection opens: a lane to whichever tab leads. */
  readonly Socket: WebSocketLike;
  /** Takes part: holds the tab's life lock, and queues for the lead. */
  start(): void;
  /** Lets go: of the lead (another tab takes over) and of the tab's lanes. */
  stop(): void;
  inspect(): TabLinkInspection;
}

/** Messages between tabs, on the channel. `sid` names one lane (one socket of one tab's connection). */
type Wire =
  | { k: 'leader'; tab: string }
  | { k: 'open'; tab: string; sid: string }
  | { k: 'opened'; sid: string; leader: string }
  | { k: 'up'; sid: string; text: string }
  | { k: 'close'; sid: string }
  | { k: 'down'; to: string[]; text: string }
  | { k: 'closed'; sid: string; code: number; reason: string }
  | { k: 'halt'; error: { code: string; message: string } };

type Locks = {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<unknown> | unknown): Promise<unknown>;
};

const id = () => Math.random().toString(36).slice(2, 12);

/**
 * One socket for the tabs of a browser: each tab's connection opens its sockets here (`Socket`), and
 * they are lanes of the one real socket, held by the tab that holds the Web Lock `<name>:leader`. The
 * others reach it over the BroadcastChannel `<name>`. When the leader goes (closed, crashed, discarded,
 * put in the back/forward cache), the lock passes to another tab, which opens the socket; every lane
 * closes and its connection comes back to the new leader after its backoff, catching up by delta: the
 * server's offline and room-leave graces cover the gap, so nobody sees the user leave. Each tab holds a
 * lock of its own (`<name>:tab:<id>`) while it takes part, so the leader learns of a tab gone without a word.
 *
 * @example
 * ```ts
 * const link = createTabLink({ name: 'presence-kit:socket:wss://presence.example.com/ws:ada', upstream, environment: window, onHalt });
 * link.start();
 * const client = createPresenceClient({ url, session, WebSocket: link.Socket });
 * ```
 */
export function createTabLink(options: TabLinkOptions): TabLink {
  const { name, environment } = options;
  const locks = (navigator as unknown as { locks: Locks }).locks;
  const tab = id();
  const channel = new BroadcastChannel(name);
  const post = (message: Wire) => channel.postMessage(message);
  /** This tab's lane sockets by id (one at a time, but a closing one may still be heard of). */
  const sockets = new Map<string, LaneSocket>();
  let hub: TabHub | null = null;
  let leader: string | null = null;
  let forwarded = 0;
  /** Set while taking part: aborting it lets go of the locks held or queued for. */
  let taking: AbortController | null = null;
  /** Settles once this tab holds its life lock: only then may its lanes ask the leader (who waits on that lock). */
  let alive: Promise<void> = Promise.resolve();
  /** Tabs whose life lock the leader waits on. */
  const watched = new Set<string>();

  function lead(): Promise<void> {
    return new Promise<void>((resolve) => {
      const signal = taking?.signal;
      if (!signal || signal.aborted) return resolve();
      const release = () => {
        const ended = hub;
        hub = null;
        watched.clear();
        if (ended) {
          forwarded += ended.forwarded;
          ended.close();
        }
        resolve();
      };
      signal.addEventListener('abort', release);
      const upstream = options.upstream({
        onText: (text) => hub?.fromUpstream(text),
        onStatus: (status, error) => {
          hub?.upstreamStatus(status, error);
          if (status === 'disconnected' && error && error.code !== 'revoked') {
            post({ k: 'halt', error });
            options.onHalt(error);
          }
        },
      });
      hub = new TabHub(upstream, deliver);
      leader = tab;
      post({ k: 'leader', tab });
      for (const socket of sockets.values()) socket.leaderIs(tab);
      upstream.start();
    });
  }

  /** Hands a frame to lanes: this tab's at once, the others' in one message. */
  function deliver(ports: LanePort[], text: string): void {
    const remote: string[] = [];
    for (const port of ports) {
      if (sockets.has(port.id)) port.deliver(text);
      else remote.push(port.id);
    }
    if (remote.length > 0) post({ k: 'down', to: remote, text });
  }

  /** A lane of another tab, as this (leading) tab's hub holds it. */
  function remotePort(sid: string, from: string): LanePort {
    if (!watched.has(from) && taking) {
      watched.add(from);
      // Granted once that tab lets go of its life lock: closed, crashed or discarded, said goodbye or not.
      locks.request(`${name}:tab:${from}`, { signal: taking.signal }, () => hub?.tabGone(from)).catch(() => {});
    }
    return {
      id: sid,
      tab: from,
      deliver: (text) => post({ k: 'down', to: [sid], text }),
      close: (code, reason) => post({ k: 'closed', sid, code, reason }),
    };
  }

  channel.onmessage = ({ data: message }: MessageEvent<Wire>) => {
    if (!message || typeof message !== 'object') return;
    switch (message.k) {
      case 'leader':
        leader = message.tab;
        for (const socket of sockets.values()) socket.leaderIs(message.tab);
        return;
      case 'open':
        if (!hub) return;
        hub.open(remotePort(message.sid, message.tab));
        post({ k: 'opened', sid: message.sid, leader: tab });
        return;
      case 'up':
        return hub?.fromLane(message.sid, message.text);
      case 'close':
        return hub?.closed(message.sid);
      case 'opened':
        if (!sockets.has(message.sid)) return;
        // A tab that came after the leader's word learns here who leads.
        leader = message.leader;
        return sockets.get(message.sid)!.opened(message.leader);
      case 'down':
        if (Array.isArray(message.to)) for (const sid of message.to) sockets.get(sid)?.receive(message.text);
        return;
      case 'closed':
        return sockets.get(message.sid)?.ended(message.code, message.reason);
      case 'halt':
        return options.onHalt(message.error);
    }
  };

  /**
   * A WebSocket as partysocket drives it, whose far end is the leader's hub: in this tab when it leads,
   * else over the channel. Its events come asynchronously, as a real socket's do.
   */
  class LaneSocket extends EventTarget implements SocketLike {
    readyState = 0;
    binaryType = 'blob';
    readonly sid = id();
    /** The tab whose hub this lane is open at. */
    #at: string | null = null;

    constructor() {
      super();
      sockets.set(this.sid, this);
      this.#open();
    }

    #open(): void {
      // Asked before this tab held its life lock, the leader would take the tab for gone at once.
      if (!hub) return void alive.then(() => this.readyState === 0 && !hub && post({ k: 'open', tab, sid: this.sid }));
      hub.open({
        id: this.sid,
        tab,
        deliver: (text) => queueMicrotask(() => this.receive(text)),
        close: (code, reason) => this.ended(code, reason),
      });
      queueMicrotask(() => this.opened(tab));
    }

    opened(at: string): void {
      if (this.readyState !== 0) return;
      this.#at = at;
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
    }

    receive(text: string): void {
      if (this.readyState === 1) this.dispatchEvent(new MessageEvent('message', { data: text }));
    }

    send(text: string): void {
      if (this.readyState !== 1) return;
      if (this.#at === tab) return hub?.fromLane(this.sid, text);
      // The hub answers `auth` with the leader's welcome and reads nothing else of it: the token stays in
      // this tab, off the channel every page of the origin can listen to.
      post({ k: 'up', sid: this.sid, text: text.startsWith('{"type":"auth"') ? '{"type":"auth"}' : text });
    }

    close(code = 1000, reason = ''): void {
      if (this.readyState > 1) return;
      if (this.#at === tab) hub?.closed(this.sid);
      else if (this.#at !== null) post({ k: 'close', sid: this.sid });
      this.ended(code, reason);
    }

    /** Another tab leads now: a lane still opening asks it; an open lane at the old one closes, to reconnect. */
    leaderIs(next: string): void {
      if (this.readyState === 0) this.#open();
      else if (this.readyState === 1 && this.#at !== next) this.ended(1012, 'the tab holding the connection changed');
    }

    ended(code: number, reason: string): void {
      if (this.readyState > 1) return;
      this.readyState = 3;
      sockets.delete(this.sid);
      setTimeout(() => this.dispatchEvent(closeEvent(code, reason)));
    }
  }

  /** Queues for the lead and holds the tab's life lock, until `leave`. */
  function join(): void {
    if (taking) return;
    const taken = (taking = new AbortController());
    alive = new Promise((held) => {
      locks
        .request(`${name}:tab:${tab}`, { signal: taken.signal }, () => {
          held();
          return new Promise((resolve) => taken.signal.addEventListener('abort', resolve));
        })
        .catch(() => {});
    });
    locks.request(`${name}:leader`, { signal: taken.signal }, lead).catch(() => {});
  }
  function leave(): void {
    taking?.abort();
    taking = null;
    // Lanes opened meanwhile wait until the tab takes part again.
    alive = new Promise(() => {});
    if (leader === tab) leader = null;
  }
  // Put away (closed, or kept in the back/forward cache), the page lets go, so another tab leads at
  // once; shown again, it takes part again.
  const onPageShow = () => join();
  const link: TabLink = {
    Socket: LaneSocket as unknown as WebSocketLike,
    start() {
      environment?.addEventListener('pagehide', leave);
      environment?.addEventListener('pageshow', onPageShow);
      join();
    },
    stop() {
      environment?.removeEventListener('pagehide', leave);
      environment?.removeEventListener('pageshow', onPageShow);
      leave();
    },
    inspect: () => ({ role: hub ? 'leader' : 'follower', tab, leader, lanes: hub?.lanes.size ?? 0, forwarded: forwarded + (hub?.forwarded ?? 0) }),
  };
  return link;
}

/** A close event with its code: the browser's CloseEvent, or an Event carrying the fields (Node has none). */
function closeEvent(code: number, reason: string): Event {
  return typeof CloseEvent === 'function' ? new CloseEvent('close', { code, reason }) : Object.assign(new Event('close'), { code, reason });
}
