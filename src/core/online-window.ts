import { readRowsMessage } from './decode/online-list.ts';
import { PresenceError } from './errors.ts';
import { kernelOf, type Kernel, type Unsubscribe } from './kernel.ts';
import type { PresenceCore } from './presence-core.ts';
import type { OnlineCounts } from './protocol/online-list-limits.ts';
import { ONLINE_LIST_LIMITS } from './protocol/online-list-limits.ts';

/** Which rows of the online list to watch: `count` rows from `from`, among those matching `query`. */
export interface OnlineWindowRequest {
  from: number;
  /** At most {@link ONLINE_LIST_LIMITS.windowRows}; more are clamped. */
  count: number;
  /** Searched on the server, in display names and usernames (any case). */
  query?: string;
}

/**
 * What a window shows: `ids` are the rows from `from` in the list's order (online, away, busy; each by
 * name), `counts` the rows matching per section (every row, without a query).
 */
export interface OnlineWindowState {
  status: 'loading' | 'ready' | 'refused';
  from: number;
  ids: readonly string[];
  counts: OnlineCounts | null;
  error: PresenceError | null;
}

/** A window on the online list, made by {@link watchOnlineWindow}. */
export interface OnlineWindow {
  /** The rows as the server last sent them (a stable object between changes). */
  get(): OnlineWindowState;
  /** Moves the window (scrolled) or changes its search: the latest request of a microtask is sent. */
  set(request: OnlineWindowRequest): void;
  subscribe(listener: () => void): Unsubscribe;
  /** Ends the window. */
  close(): void;
}

interface Registry {
  active: WindowCore | null;
}

interface WindowCore {
  request: OnlineWindowRequest;
  state: OnlineWindowState;
  inView: Set<string>;
  /** The request id of the answer awaited: rows sent for an earlier request are not this one's. */
  rid: number | null;
  scheduled: boolean;
  listeners: Set<() => void>;
}

const registries = new WeakMap<Kernel, Registry>();
let nextRid = 2_000_000_000;

/**
 * Watches rows of the online list, kept by the server in a stable order, with exact counts: what a list of
 * thousands shows without holding everyone (the server tells the window of changes to its rows only). The
 * users in it are watched while they are in it. One window per client: a second one takes over from the first.
 *
 * @example
 * ```ts
 * const window = watchOnlineWindow(client, { from: 0, count: 60 });
 * window.subscribe(() => render(window.get().ids, window.get().counts));
 * onScroll((first) => window.set({ from: Math.max(0, first - 20), count: 60 }));
 * ```
 */
export function watchOnlineWindow(client: PresenceCore, request: OnlineWindowRequest): OnlineWindow {
  const kernel = kernelOf(client);
  const registry = registryOf(kernel);
  const core: WindowCore = {
    request,
    state: { status: 'loading', from: request.from, ids: [], counts: null, error: null },
    inView: new Set(),
    rid: null,
    scheduled: false,
    listeners: new Set(),
  };
  registry.active = core;
  schedule(kernel, core);
  return {
    get: () => core.state,
    set(next) {
      if (next.from === core.request.from && next.count === core.request.count && (next.query ?? '') === (core.request.query ?? '')) return;
      core.request = next;
      schedule(kernel, core);
    },
    subscribe(listener) {
      core.listeners.add(listener);
      return () => void core.listeners.delete(listener);
    },
    close() {
      if (registry.active !== core) return;
      registry.active = null;
      leave(kernel, core, []);
      if (kernel.store.state.getState().status === 'connected') kernel.send({ type: 'online-window', from: 0, count: 0 });
    },
  };
}

function registryOf(kernel: Kernel): Registry {
  let registry = registries.get(kernel);
  if (registry) return registry;
  registry = { active: null };
  const held = registry;
  const take = (data: unknown): boolean => {
    const core = held.active;
    // A refusal of our request (the error frame, as the core parsed it).
    if (data && typeof data === 'object' && (data as { type?: unknown }).type === 'error') {
      const { rid, code, message } = data as { rid?: number; code: string; message: string };
      if (!core || rid === undefined || rid !== core.rid) return false;
      core.rid = null;
      update(kernel, core, { ...core.state, status: 'refused', error: new PresenceError(code as never, message) });
      return true;
    }
    const parsed = readRowsMessage(data);
    if (!parsed) return false;
    if (!parsed.ok) kernel.report(new PresenceError('bad-message', `invalid online-rows frame from the server: ${parsed.reason}`));
    else if (core) {
      const rows = parsed.value;
      // Its views are as of the frame whatever request it answers: the server will not send them again
      // while they stay in the window.
      for (const view of rows.users) kernel.applyView(view);
      // Rows for an earlier request, sent before the server had our latest: the answer to it follows.
      if (core.rid !== null && rows.rid !== core.rid) return true;
      core.rid = null;
      leave(kernel, core, rows.ids);
      update(kernel, core, { status: 'ready', from: rows.from, ids: rows.ids, counts: rows.counts, error: null });
      // Without a search the window's counts are the list's (the server sends later ones alone, as `online-count`).
      if (!core.request.query?.trim()) kernel.store.state.setState({ onlineCounts: rows.counts });
    }
    return true;
  };
  const before = kernel.other;
  kernel.other = (data) => take(data) || (before?.(data) ?? false);
  kernel.inWindow = (id) => held.active?.inView.has(id) ?? false;
  // A new connection: ask for the window again.
  kernel.taps.add((direction, frame) => {
    if (direction === 'in' && frame.type === 'welcome' && held.active) schedule(kernel, held.active);
  });
  registries.set(kernel, registry);
  return registry;
}

/** The rows now in view are `ids`: those that left it, nobody else watches, and a large list no longer tells of, are forgotten. */
function leave(kernel: Kernel, core: WindowCore, ids: readonly string[]): void {
  const next = new Set(ids);
  const { store } = kernel;
  const { onlineLarge, currentUserId } = store.state.getState();
  for (const id of core.inView) if (!next.has(id) && onlineLarge && id !== currentUserId && !kernel.isRetained(id)) store.forgetPresence(id);
  core.inView = next;
}

function update(kernel: Kernel, core: WindowCore, state: OnlineWindowState): void {
  core.state = state;
  for (const listener of core.listeners) kernel.safely(listener);
}

function schedule(kernel: Kernel, core: WindowCore): void {
  if (core.scheduled) return;
  core.scheduled = true;
  queueMicrotask(() => {
    core.scheduled = false;
    if (registries.get(kernel)?.active !== core || kernel.store.state.getState().status !== 'connected') return;
    const { from, count, query } = core.request;
    core.rid = nextRid++;
    kernel.send({
      type: 'online-window',
      rid: core.rid,
      from: Math.max(0, Math.min(ONLINE_LIST_LIMITS.maxFrom, Math.floor(from))),
      count: Math.max(0, Math.min(ONLINE_LIST_LIMITS.windowRows, Math.floor(count))),
      ...(query?.trim() ? { query: query.trim().slice(0, ONLINE_LIST_LIMITS.queryChars) } : {}),
    });
  });
}
