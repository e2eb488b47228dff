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
  /** Keeps tokens after a refresh, so a reload resumes the same guest. */
  keep(tokens: SessionTokens): void;
  /** The tokens another tab of this browser rotated to since `current`, if any: adopt them rather than refresh. */
  newer(current: SessionTokens): SessionTokens | null;
  /** Forgets the stored guest (logged out, or refused): the next sign-in is a new guest. */
  forget(): void;
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

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

  return {
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
    keep: write,
    newer(current) {
      const kept = stored();
      return kept && kept.userId === current.userId && kept.refreshToken !== current.refreshToken ? kept : null;
    },
    forget: () => write(null),
  };
}
