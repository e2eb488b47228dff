import { createApi, type Api } from './api.ts';
import type { TokenReason } from './connection.ts';
import { PresenceError } from './errors.ts';
import type { Guest, GuestOptions } from './guest.ts';
import { decodeValue, exactly, shape } from './decode/decode.ts';
import { decodeSessionTokens, decodeUserView } from './decode/model.ts';
import type { JsonValue } from './protocol/json.ts';
import type { SessionTokens, UserView } from './protocol/model.ts';
import type { PresenceStore, SessionState } from './store.ts';

/** What Realm-style session listeners receive. */
export type SessionEvent =
  { type: 'token-refreshed' } | { type: 'custom-data-refreshed'; customData: Record<string, JsonValue> } | { type: 'logged-out' } | { type: 'removed' };

/** Realm.User's session surface. */
export interface PresenceSession {
  readonly state: SessionState;
  readonly userId: string | null;
  /** The current access token, when the client manages a session (never logged by the kit). */
  readonly accessToken: string | null;
  readonly refreshToken: string | null;
  /** The current user's metadata (Realm customData). */
  readonly customData: Record<string, JsonValue> | null;
  refreshCustomData(): Promise<Record<string, JsonValue>>;
  logOut(): Promise<void>;
  addListener(callback: (event: SessionEvent) => void): void;
  removeListener(callback: (event: SessionEvent) => void): void;
  removeAllListeners(): void;
}

/** How the client authenticates: a fixed token, a getter, or session tokens it refreshes itself. */
export interface CredentialOptions {
  /** The presence server's http(s) base URL. */
  url: string;
  token?: string | ((reason: TokenReason) => string | Promise<string>);
  session?: SessionTokens;
  /**
   * Sign in as a guest (`POST /api/v1/guest-sessions`) when the server allows guests, as `npm run dev`
   * does: for development and for anonymous visitors. The browser keeps the guest (its session tokens,
   * in IndexedDB) so a reload or another tab is the same person; `remember: false` keeps nothing.
   * Ignored when `token` or `session` is given.
   */
  guest?: GuestOptions;
  fetch?: typeof fetch;
}

interface SessionDeps {
  store: PresenceStore;
  /** Applies the current user's view read over REST. */
  applyView: (view: UserView) => void;
  /** Stops everything live and fails what waits on the connection; the session state is already set. */
  onEnd: (next: Exclude<SessionState, 'logged-in'>, error: PresenceError | null) => void;
  safely: (run: () => void) => void;
}

/** The session's control surface inside the client. */
export interface SessionControl {
  readonly api: Api;
  readonly facade: PresenceSession;
  /** Whether asking for a token again can help after a refusal (false for a fixed token). */
  readonly canRenewToken: boolean;
  /** `stale`: the access token the server just called expired; a refresh happens only if it is still the current one. */
  getToken(reason: TokenReason, stale?: string): Promise<string>;
  /** Ends the session once (later calls do nothing): logged out, revoked, or the user was deleted. */
  end(next: Exclude<SessionState, 'logged-in'>, error: PresenceError | null): void;
  /** The current user, from the server (and into the store). */
  readMe(): Promise<UserView>;
}

/** Refusals of a guest sign-in that asking again cannot change. */
const FINAL: readonly string[] = ['disabled', 'forbidden', 'invalid-input'];

const MISSING_TOKEN = 'no credentials: pass `token`, `session` or `guest` to createPresenceClient';

/**
 * Tokens and the session: hands the connection and REST a token (a fixed one, the app's getter with a
 * cached value, or session tokens refreshed once however many callers wait), rotates refresh tokens,
 * and ends the session when the server revokes it. Realm's `User` surface is the facade.
 *
 * @example
 * ```ts
 * const session = createSession(options, { store, applyView, onEnd, safely });
 * const token = await session.getToken('connect');
 * ```
 */
export function createSession(options: CredentialOptions, deps: SessionDeps): SessionControl {
  if (options.session !== undefined) {
    const parsed = decodeValue(decodeSessionTokens, options.session);
    if (!parsed.ok) throw new PresenceError('invalid-input', `session: ${parsed.reason}`);
  }
  const { state } = deps.store;
  let tokens: SessionTokens | null = options.session ?? null;
  let cachedToken: string | null = null;
  let refreshing: Promise<void> | null = null;
  const listeners = new Set<(event: SessionEvent) => void>();

  function emit(event: SessionEvent): void {
    for (const listener of [...listeners]) deps.safely(() => listener(event));
  }

  function end(next: Exclude<SessionState, 'logged-in'>, error: PresenceError | null): void {
    if (state.getState().session !== 'logged-in') return;
    state.setState({ session: next });
    deps.onEnd(next, error);
    emit(next === 'removed' ? { type: 'removed' } : { type: 'logged-out' });
  }

  // Loaded when first needed: an app that does not use guests does not download it.
  let guestHeld: Promise<Guest> | null = null;
  const guest = () =>
    (guestHeld ??= import('./guest.ts').then(({ createGuest }) =>
      createGuest(
        {
          url: options.url,
          create: async (json) =>
            (await api.request('/api/v1/guest-sessions', { method: 'POST', json, decode: shape({ tokens: decodeSessionTokens }), anonymous: true })).tokens,
          check: (value) => {
            const parsed = decodeValue(decodeSessionTokens, value);
            return parsed.ok ? parsed.value : null;
          },
        },
        options.guest!,
      ),
    ));
  const isGuest = !options.token && !options.session && options.guest !== undefined;
  let refusal: PresenceError | null = null;
  const isRefusal = (error: unknown): boolean => error instanceof PresenceError && ['revoked', 'unauthorized', 'token-expired'].includes(error.code);

  function refreshTokens(): Promise<void> {
    refreshing ??= (async () => {
      try {
        const current = tokens;
        if (!current) throw new PresenceError('unauthorized', MISSING_TOKEN);
        const exchange = (refreshToken: string) =>
          api.request('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken }, decode: decodeSessionTokens, anonymous: true });
        // A guest's tokens are the browser's: one refresh for all its tabs (see Guest.refresh).
        tokens = isGuest ? await (await guest()).refresh(current, exchange, isRefusal) : await exchange(current.refreshToken);
        emit({ type: 'token-refreshed' });
      } catch (error) {
        if (isRefusal(error)) end('logged-out', error as PresenceError);
        throw error;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function getToken(reason: TokenReason, stale?: string): Promise<string> {
    if (state.getState().session !== 'logged-in') throw new PresenceError('revoked', 'the session has ended');
    const { token } = options;
    if (typeof token === 'string') return token;
    if (typeof token === 'function') {
      if (reason === 'connect' && cachedToken !== null) return cachedToken;
      cachedToken = await token(reason);
      return cachedToken;
    }
    if (refusal) throw refusal;
    if (!tokens && isGuest) {
      try {
        tokens = await (await guest()).signIn();
      } catch (error) {
        // Guests off, or this one refused: the answer will not change, so nobody asks again (each hook
        // and retry used to, until the rate limit hid the cause).
        if (error instanceof PresenceError && FINAL.includes(error.code)) refusal = error;
        throw error;
      }
    }
    if (tokens) {
      // Already refreshed since the stale token was handed out (by another request, or another tab): use it.
      if (reason === 'expired' && (stale === undefined || stale === tokens.accessToken)) await refreshTokens();
      return tokens!.accessToken;
    }
    throw new PresenceError('unauthorized', MISSING_TOKEN);
  }

  const api = createApi({ baseUrl: options.url, fetch: options.fetch ?? globalThis.fetch.bind(globalThis), getToken });

  async function readMe(): Promise<UserView> {
    const me = await api.request('/api/v1/me', { decode: decodeUserView });
    deps.applyView(me);
    return me;
  }

  const facade: PresenceSession = {
    get state() {
      return state.getState().session;
    },
    get userId() {
      return state.getState().currentUserId ?? tokens?.userId ?? null;
    },
    get accessToken() {
      return tokens?.accessToken ?? null;
    },
    get refreshToken() {
      return tokens?.refreshToken ?? null;
    },
    get customData() {
      const id = state.getState().currentUserId;
      return (id === null ? undefined : deps.store.peek(id)?.user?.metadata) ?? null;
    },
    async refreshCustomData() {
      const me = await readMe();
      emit({ type: 'custom-data-refreshed', customData: me.metadata });
      return me.metadata;
    },
    async logOut() {
      if (state.getState().session !== 'logged-in') return;
      try {
        await api.request('/api/v1/auth/logout', { method: 'POST', decode: shape({ ok: exactly(true) }) });
      } finally {
        // Logged out means a new person next time.
        if (isGuest) await (await guest()).forget();
        end('logged-out', null);
      }
    },
    addListener: (callback) => void listeners.add(callback),
    removeListener: (callback) => void listeners.delete(callback),
    removeAllListeners: () => listeners.clear(),
  };

  return {
    api,
    facade,
    canRenewToken: typeof options.token === 'function' || options.session !== undefined || options.guest !== undefined,
    getToken,
    end,
    readMe,
  };
}
