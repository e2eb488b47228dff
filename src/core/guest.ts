import type { Api } from './api.ts';
import { decodeValue, shape } from './decode/decode.ts';
import { decodeSessionTokens } from './decode/model.ts';
import type { SessionTokens } from './protocol/model.ts';

/** What `guest` asks for: a display name, and whether the browser keeps the guest (default true). */
export type GuestOptions = true | { displayName?: string; remember?: boolean };

/** A guest's sessions: the stored one when there is one, else a new guest; kept as tokens rotate. */
export interface Guest {
  /** The remembered guest's tokens, or a new guest's (one request however many callers wait). */
  signIn(): Promise<SessionTokens>;
  /**
   * Exchanges `current` for new tokens, once for the whole browser: under a Web Lock the first tab to
   * find its token expired refreshes and stores the result; the others, when their turn comes, find
   * stored tokens newer than theirs and adopt them. A refused refresh (the server no longer knows the
   * guest) signs in a new guest, also once, whom the other tabs adopt the same way.
   */
  refresh(current: SessionTokens, exchange: (refreshToken: string) => Promise<SessionTokens>, refused: (error: unknown) => boolean): Promise<SessionTokens>;
  /** Forgets the stored guest (logged out, or refused): the next sign-in is a new guest. */
  forget(): void;
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** The Web Locks API where the browser has it (every current one); tabs of one origin share its locks. */
type Locks = { request<T>(name: string, callback: () => Promise<T>): Promise<T> };
const locks = (): Locks | undefined => (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks;

/** localStorage when there is one that works (not in Node, nor where the browser refuses storage). */
function storage(): StorageLike | null {
  try {
    const found = (globalThis as { localStorage?: StorageLike }).localStorage;
    return found ?? null;
  } catch {
    // Reading `localStorage` itself throws where storage is blocked.
    return null;
  }
}

/**
 * Guest sessions for `createPresenceClient({ guest })`, loaded only by clients that use guests. The
 * browser keeps the guest's tokens in localStorage under `presence-kit:guest:<server url>:<display name>`,
 * so a reload or another tab resumes the same person instead of a new one each time (others saw a pile
 * of offline copies of every visitor); `remember: false` keeps nothing.
 *
 * @example
 * ```ts
 * const guest = createGuest(api, 'https://presence.example.com', { displayName: 'Ada' });
 * const tokens = await guest.signIn();
 * ```
 */
export function createGuest(api: Api, url: string, options: GuestOptions): Guest {
  // `remember` stays here; an unset display name drops out of the JSON.
  const wanted = options === true ? {} : { displayName: options.displayName };
  const store = options !== true && options.remember === false ? null : storage();
  const key = `presence-kit:guest:${url}:${wanted.displayName ?? ''}`;
  let pending: Promise<{ tokens: SessionTokens }> | null = null;

  const stored = (): SessionTokens | null => {
    try {
      const parsed = decodeValue(decodeSessionTokens, JSON.parse(store?.getItem(key) ?? 'null'));
      return parsed.ok ? parsed.value : null;
    } catch {
      return null;
    }
  };
  const write = (tokens: SessionTokens | null): void => {
    try {
      if (tokens) store?.setItem(key, JSON.stringify(tokens));
      else store?.removeItem(key);
    } catch {
      // Full or refused: the guest lasts this page, as without storage.
    }
  };

  const guest: Guest = {
    async signIn() {
      const kept = stored();
      if (kept) return kept;
      pending ??= api.request('/api/v1/guest-sessions', { method: 'POST', json: wanted, decode: shape({ tokens: decodeSessionTokens }), anonymous: true });
      try {
        const { tokens } = await pending;
        write(tokens);
        return tokens;
      } finally {
        pending = null;
      }
    },
    refresh(current, exchange, refused) {
      const once = async (): Promise<SessionTokens> => {
        // Another tab rotated the tokens, or signed in a new guest, while this one waited: theirs are live.
        const kept = stored();
        if (kept && kept.refreshToken !== current.refreshToken) return kept;
        try {
          const next = await exchange(current.refreshToken);
          write(next);
          return next;
        } catch (error) {
          if (!refused(error)) throw error;
          // A remembered guest the server no longer knows (expired, removed): a new guest, not a dead end.
          write(null);
          return guest.signIn();
        }
      };
      // Without storage nothing is shared, so there is nothing to wait for.
      const shared = store ? locks() : undefined;
      return shared ? shared.request(`${key}:refresh`, once) : once();
    },
    forget: () => write(null),
  };
  return guest;
}
