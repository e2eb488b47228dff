import type { Api } from './api.ts';
import type { PresenceError } from './errors.ts';
import type { ClientMessageInput, PresencePatch, ServerMessage, UserView } from './protocol/index.ts';
import type { PresenceStore, UserEntry } from './store.ts';
import type { TabLinkInspection } from './tab-link.ts';

/** One change of a user's entry, as the store applied it. */
export interface EntryChange {
  previous: UserEntry;
  next: UserEntry;
}

/**
 * Hears every change the client applies. `live` marks a real-time event; state loaded from a snapshot
 * or REST only counts as news when it differs from something already known.
 */
export type ChangeListener = (id: string, change: EntryChange, live: boolean) => void;

/** A frame as the client sent (`out`) or received (`in`) it, for devtools. */
export type FrameTap = (direction: 'in' | 'out', frame: ServerMessage | ClientMessageInput) => void;

/** The client's bookkeeping at one moment, for devtools. */
export interface KernelInspection {
  /** The highest server sequence number received: where a catch-up starts. */
  cursor: number | null;
  /** Retained users and how many holders (hooks, components, watchers) retain each. */
  users: ReadonlyMap<string, number>;
  /** Holders of the online list. */
  onlineList: number;
  /** Status changes not yet acknowledged, oldest first. */
  pending: Array<{ patch: PresencePatch; sent: boolean }>;
  /** The socket shared by the browser's tabs: which tab leads and what it forwards (null: a socket of its own). */
  link: TabLinkInspection | null;
}

/**
 * What feature functions (`getUser`, `listUsers`, `onUserPresenceChanged`, ...) need from a client and
 * users do not: kept off the public object so the surface stays what users call, and reached through
 * {@link kernelOf} so a bundler keeps only the features an app imports.
 */
export interface Kernel {
  readonly store: PresenceStore;
  readonly api: Api;
  /** Listeners of every applied change (see {@link ChangeListener}). */
  readonly changes: Set<ChangeListener>;
  /** Applies a view from REST or a snapshot at `seq` (default: the seq already held, so it never goes back). */
  applyView(view: UserView, seq?: number, live?: boolean): void;
  markMissing(id: string, seq: number): void;
  /** Reconciles a full answer: whoever we hold online in scope and is not listed went offline. */
  applyFull(seq: number, listed: Set<string>, scope: { users: readonly string[]; online: boolean }): void;
  /** Delivers an error to `onError` listeners (or throws it asynchronously when there are none). */
  report(error: PresenceError): void;
  /** Runs a user callback so that its exception is reported, never breaking the client's bookkeeping. */
  safely(run: () => void): void;
  /** Hear every frame, both ways (devtools, rooms; empty otherwise, so it costs one check per frame). */
  readonly taps: Set<FrameTap>;
  /** Sends a frame now; false when there is no open connection (it is not queued). */
  send(message: ClientMessageInput): boolean;
  /** Takes frames the core does not know (set by rooms and windows, each handing on what it does not take): true for a frame it took. */
  other?: (data: unknown) => boolean;
  /** Whether a user is retained by name. */
  isRetained(id: string): boolean;
  /** Whether a user is in this client's window on the online list (set by `watchOnlineWindow`). */
  inWindow?: (id: string) => boolean;
  inspect(): KernelInspection;
}

const kernels = new WeakMap<object, Kernel>();

/** Links a client object to its kernel (done once, by `createPresenceCore`). */
export function attachKernel<T extends object>(client: T, kernel: Kernel): T {
  kernels.set(client, kernel);
  return client;
}

/**
 * The kernel of a client made by `createPresenceCore` or `createPresenceClient`.
 *
 * @example
 * ```ts
 * const { api } = kernelOf(client);
 * ```
 */
export function kernelOf(client: object): Kernel {
  const kernel = kernels.get(client);
  if (!kernel) throw new TypeError('not a presence client: make one with createPresenceCore or createPresenceClient');
  return kernel;
}

/**
 * The public view of an entry: profile, presence and relation, or null while the profile is unknown.
 *
 * @example
 * ```ts
 * const view = viewOf(store.peek('ada'));
 * ```
 */
export function viewOf(entry: UserEntry | undefined): UserView | null {
  if (!entry?.user) return null;
  return { ...entry.user, presence: entry.presence ?? null, blockedByMe: entry.blockedByMe, hasBlockedMe: entry.hasBlockedMe };
}

/** A function that stops what it was returned by. */
export type Unsubscribe = () => void;

/**
 * A release function that does its work the first time only, however often it is called.
 *
 * @example
 * ```ts
 * return once(() => refs.delete(id));
 * ```
 */
export function once(release: () => void): Unsubscribe {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}
