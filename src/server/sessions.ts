import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SessionTokens } from '../core/protocol/index.ts';
import type { RoomPermissions } from './room-access.ts';
import type { PresenceStore, StoredSession } from './store.ts';

/** Why a token was refused; each maps to an error code and a close code. */
export type TokenVerdict =
  | { ok: true; session: StoredSession }
  | { ok: false; code: 'unauthorized' | 'token-expired' | 'revoked'; /** Set when this refusal revoked the session. */ revokedSessionId?: string };

/** Used-up refresh tokens remembered per session, to detect their reuse. */
const RETIRED_KEPT = 16;

export interface SessionManagerOptions {
  store: PresenceStore;
  /** Where a new or changed session is written (default: the store; on N nodes, the shared log). */
  save?: (session: StoredSession) => void;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  now: () => number;
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored only as hashes, so a leaked store does not leak live credentials. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Compares a secret in constant time.
 *
 * @example
 * ```ts
 * if (secretsEqual(header, adminKey)) allow();
 * ```
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Mints, checks, refreshes and revokes sessions (opaque random tokens, hashed at rest).
 *
 * @example
 * ```ts
 * const sessions = createSessionManager({ store, accessTokenTtlMs: 900_000, refreshTokenTtlMs: 2_592_000_000, now: Date.now });
 * const tokens = sessions.mint('ada');
 * ```
 */
export function createSessionManager({
  store,
  accessTokenTtlMs,
  refreshTokenTtlMs,
  now,
  save = (session) => store.putSession(session),
}: SessionManagerOptions) {
  /** How long a replaced refresh token still works (its answer may have been lost in transit). */
  const REUSE_WINDOW_MS = 60_000;

  /**
   * New tokens for a session. `rotation` says which refresh token stays usable once (`grace`) and which
   * are used up (`retire`), when it replaces earlier tokens of the same session.
   */
  function issue(
    userId: string,
    sessionId: string,
    replaced: StoredSession | null = null,
    rotation: { grace: string | null; retire: string[] } = { grace: null, retire: [] },
    rooms: RoomPermissions | undefined = replaced?.rooms,
  ): SessionTokens {
    const accessToken = newToken();
    // The session's id travels in its refresh tokens: a used-up token older than the ones remembered
    // still names its session, so presenting a stolen old copy revokes it too.
    const refreshToken = `${sessionId}.${newToken()}`;
    const at = now();
    save({
      id: sessionId,
      userId,
      accessTokenHash: hashToken(accessToken),
      accessTokenExpiresAt: at + accessTokenTtlMs,
      refreshTokenHash: hashToken(refreshToken),
      refreshTokenExpiresAt: replaced?.refreshTokenExpiresAt ?? at + refreshTokenTtlMs,
      previousRefreshTokenHash: rotation.grace,
      rotatedAt: replaced ? at : null,
      retiredRefreshTokenHashes: [...rotation.retire, ...(replaced?.retiredRefreshTokenHashes ?? [])].slice(0, RETIRED_KEPT),
      revokedAt: null,
      ...(rooms === undefined ? {} : { rooms }),
    });
    return { userId, accessToken, refreshToken, accessTokenExpiresAt: new Date(at + accessTokenTtlMs).toISOString() };
  }

  function check(session: StoredSession | undefined, expiresAt: (s: StoredSession) => number): TokenVerdict {
    if (!session) return { ok: false, code: 'unauthorized' };
    if (session.revokedAt !== null) return { ok: false, code: 'revoked' };
    if (expiresAt(session) <= now()) return { ok: false, code: 'token-expired' };
    const user = store.getUser(session.userId);
    if (!user || user.blockedAt) return { ok: false, code: 'revoked' };
    return { ok: true, session };
  }

  /**
   * A refresh token no session holds any more, but whose prefix names a live session: one of its tokens
   * used up longer ago than the remembered ones (or a forgery that knows the session's id, which only its
   * own tokens and its own client carry). Either way the session is no longer safe to keep.
   */
  function reuseOfForgotten(refreshToken: string): TokenVerdict {
    const dot = refreshToken.indexOf('.');
    const session = dot > 0 ? store.getSession(refreshToken.slice(0, dot)) : undefined;
    if (!session || session.revokedAt !== null || session.refreshTokenExpiresAt <= now()) return { ok: false, code: 'unauthorized' };
    save({ ...session, revokedAt: now() });
    return { ok: false, code: 'revoked', revokedSessionId: session.id };
  }

  let minted = 0;
  return {
    /** New tokens for a new session; `rooms` limits the rooms it may enter (see {@link roomAccess}). */
    mint(userId: string, rooms?: RoomPermissions) {
      // Now and then, forget sessions nobody can use any more, so a long-running server does not grow.
      if (++minted % 1000 === 0) store.pruneSessions(now());
      return issue(userId, randomUUID(), null, undefined, rooms);
    },
    verifyAccessToken: (token: string) => check(store.sessionByAccessHash(hashToken(token)), (session) => session.accessTokenExpiresAt),
    /**
     * Rotates both tokens (OAuth 2.1). The replaced refresh token works once more within a minute (its
     * answer may have been lost); any other reuse of a used-up token revokes the whole session.
     */
    refresh(refreshToken: string): TokenVerdict & { tokens?: SessionTokens } {
      const hash = hashToken(refreshToken);
      const found = store.sessionByRefreshHash(hash);
      if (!found) return reuseOfForgotten(refreshToken);
      const verdict = check(found, (session) => session.refreshTokenExpiresAt);
      if (!verdict.ok) return verdict;
      const { session } = verdict;
      if (hash === session.refreshTokenHash) {
        const retire = session.previousRefreshTokenHash ? [session.previousRefreshTokenHash] : [];
        return { ...verdict, tokens: issue(session.userId, session.id, session, { grace: hash, retire }) };
      }
      const inGrace = hash === session.previousRefreshTokenHash && session.rotatedAt !== null && now() - session.rotatedAt <= REUSE_WINDOW_MS;
      if (inGrace) {
        // Used once: both it and the token whose answer was lost are spent; no window is opened again.
        return { ...verdict, tokens: issue(session.userId, session.id, session, { grace: null, retire: [hash, session.refreshTokenHash] }) };
      }
      save({ ...session, revokedAt: now() });
      return { ok: false, code: 'revoked', revokedSessionId: session.id };
    },
    revoke(sessionId: string): void {
      const session = store.getSession(sessionId);
      if (session && session.revokedAt === null) save({ ...session, revokedAt: now() });
    },
    revokeAllOf(userId: string): void {
      for (const session of store.sessionsOfUser(userId)) {
        if (session.revokedAt === null) save({ ...session, revokedAt: now() });
      }
    },
  };
}
export type SessionManager = ReturnType<typeof createSessionManager>;
