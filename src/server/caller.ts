import type { FastifyRequest } from 'fastify';
import { addressKey } from './address-key.ts';
import { HttpError } from './http-error.ts';
import { secretsEqual, type SessionManager } from './sessions.ts';

/**
 * Who is calling, as verified from the `Authorization` header (never trusted as text). `key` is what
 * limits count against: the verified user, the admin key, or else the remote address.
 */
export type Caller =
  | { kind: 'admin'; key: string }
  | { kind: 'user'; key: string; userId: string; sessionId: string }
  | { kind: 'anonymous'; key: string; /** Why a credential that was sent was refused. */ refused: HttpError | null };

/** Who may call a route; checked before its body is read. */
export type Access = 'anyone' | 'user' | 'admin' | 'user-or-admin';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

/**
 * Verifies the request's bearer credential.
 *
 * @example
 * ```ts
 * app.addHook('onRequest', async (request) => void (request.caller = identify(request, sessions, adminKey)));
 * ```
 */
export function identify(request: FastifyRequest, sessions: SessionManager, adminKey: string): Caller {
  const anonymous = (refused: HttpError | null): Caller => ({ kind: 'anonymous', key: `ip:${addressKey(request.ip)}`, refused });
  const header = request.headers.authorization;
  if (header === undefined) return anonymous(null);
  const match = /^Bearer (\S{1,4096})$/.exec(header);
  if (!match) return anonymous(new HttpError('unauthorized', 'send Authorization: Bearer <token>'));
  const token = match[1]!;
  if (secretsEqual(token, adminKey)) return { kind: 'admin', key: 'admin' };
  const verdict = sessions.verifyAccessToken(token);
  if (!verdict.ok) return anonymous(new HttpError(verdict.code, tokenMessage(verdict.code)));
  return { kind: 'user', key: `user:${verdict.session.userId}`, userId: verdict.session.userId, sessionId: verdict.session.id };
}

/**
 * Throws the typed error for a caller a route does not admit.
 *
 * @example
 * ```ts
 * checkAccess(request.caller, 'admin'); // 403 forbidden for a user, 401 for nobody
 * ```
 */
export function checkAccess(caller: Caller, access: Access): void {
  if (access === 'anyone') return;
  if (caller.kind === 'anonymous') throw caller.refused ?? new HttpError('unauthorized', 'send Authorization: Bearer <token>');
  if (access === 'user' && caller.kind !== 'user') throw new HttpError('forbidden', 'this route is for a signed-in user, not the admin key');
  if (access === 'admin' && caller.kind !== 'admin') throw new HttpError('forbidden', 'this route needs the admin key');
}

/**
 * The message for a refused token.
 *
 * @example
 * ```ts
 * tokenMessage('token-expired'); // 'the access token has expired: refresh it'
 * ```
 */
export function tokenMessage(code: 'unauthorized' | 'token-expired' | 'revoked'): string {
  return code === 'token-expired' ? 'the access token has expired: refresh it' : code === 'revoked' ? 'the session was revoked' : 'unknown token';
}
