import type { SessionTokens } from './protocol/model.ts';
import { guestStorage } from './guest-storage.ts';

/** What `guest` asks for: a display name, and whether the browser keeps the guest (default true). */
export type GuestOptions = true | { displayName?: string; remember?: boolean };

/** A guest's sessions: the stored one when there is one, else a new guest; kept as tokens rotate. */
export interface Guest {
  /** The remembered guest's tokens, or a new guest's (one for the browser however many tabs ask at once). */
  signIn(): Promise<SessionTokens>;
  /**
   * Exchanges `current` for new tokens, once for the whole browser: under a Web Lock the first tab to
   * find its token expired refreshes and stores the result; the others, when their turn comes, find
   * stored tokens newer than theirs and adopt them. A refused refresh (the server no longer knows the
   * guest) signs in a new guest, also once, whom the other tabs adopt the same way.
   */
  refresh(current: SessionTokens, exchange: (refreshToken: string) => Promise<SessionTokens>, refused: (error: unknown) => boolean): Promise<SessionTokens>;
  /** Forgets the stored guest (logged out, or refused): the next sign-in is a new guest. */
  forget(): Promise<void>;
}

/**
 * What a guest needs from its client. Passed in rather than imported, so this module, loaded on demand,
 * shares no code with the rest of the client: bundlers then split nothing out of the app's first chunk.
 */
export interface GuestServer {
  /** The presence server's URL, part of the key the guest is kept under. */
  url: string;
  /** Asks the server for a new guest (`POST /api/v1/guest-sessions`). */
  create(wanted: { displayName?: string }): Promise<SessionTokens>;
  /** Kept tokens read back, checked: null when they are not session tokens. */
  check(value: unknown): SessionTokens | null;
}

/** The Web Locks API where the browser has it (every current one); tabs of one origin share its locks. */
type Locks = { request<T>(name: string, callback: () => Promise<T>): Promise<T> };
const locks = (): Locks | undefined => (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks;

/**
 * Guest sessions for `createPresenceClient({ guest })`, loaded only by clients that use guests. The
 * browser keeps the guest's tokens in IndexedDB (database `presence-kit`, store `guests`; localStorage
 * where there is no IndexedDB) under `presence-kit:guest:<server url>:<display name>`,
 * so a reload or another tab resumes the same person instead of a new one each time (others saw a pile
 * of offline copies of every visitor); `remember: false` keeps nothing.
 *
 * @example
 * ```ts
 * const guest = createGuest({ url: 'https://presence.example.com', create, check }, { displayName: 'Ada' });
 * const tokens = await guest.signIn();
 * ```
 */
export function createGuest({ url, create: ask, check }: GuestServer, options: GuestOptions): Guest {
  // `remember` stays here; an unset display name drops out of the JSON.
  const wanted = options === true ? {} : { displayName: options.displayName };
  const store = options !== true && options.remember === false ? null : guestStorage();
  const key = `presence-kit:guest:${url}:${wanted.displayName ?? ''}`;
  let pending: Promise<SessionTokens> | null = null;

  const stored = async (): Promise<SessionTokens | null> => {
    try {
      return check(JSON.parse((await store?.get(key)) ?? 'null'));
    } catch {
      return null;
    }
  };
  const write = async (tokens: SessionTokens | null): Promise<void> => {
    try {
      await store?.set(key, tokens && JSON.stringify(tokens));
    } catch {
      // Full or refused: the guest lasts this page, as without storage.
    }
  };

  /** A new guest, kept (one request however many callers wait in this tab). */
  const create = async (): Promise<SessionTokens> => {
    pending ??= ask(wanted);
    try {
      const tokens = await pending;
      await write(tokens);
      return tokens;
    } finally {
      pending = null;
    }
  };
  /**
   * Tabs take turns changing the guest's tokens, so two never sign in or refresh at once. The value is
   * written before the turn ends, so the next tab reads it (see guestStorage). Without storage nothing
   * is shared, so there is nothing to wait for.
   */
  const inTurn = (act: () => Promise<SessionTokens>): Promise<SessionTokens> => {
    const shared = store ? locks() : undefined;
    return shared ? shared.request(key, act) : act();
  };

  return {
    // Tabs opened at once are one guest: the first creates it, the others find it kept.
    signIn: () => inTurn(async () => (await stored()) ?? create()),
    refresh: (current, exchange, refused) =>
      inTurn(async () => {
        // Another tab rotated the tokens, or signed in a new guest, while this one waited: theirs are live.
        const kept = await stored();
        if (kept && kept.refreshToken !== current.refreshToken) return kept;
        try {
          const next = await exchange(current.refreshToken);
          await write(next);
          return next;
        } catch (error) {
          if (!refused(error)) throw error;
          // A remembered guest the server no longer knows (expired, removed): a new guest, not a dead end.
          await write(null);
          return create();
        }
      }),
    forget: () => write(null),
  };
}
