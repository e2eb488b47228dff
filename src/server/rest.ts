import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import {
  CLOSE_CODES,
  CreateUserInputSchema,
  LIMITS,
  UpdateMeInputSchema,
  UpdateUserInputSchema,
  UserIdSchema,
  isSafeUrl,
  parseWith,
  type ErrorCode,
  type User,
  type UserView,
} from '../core/protocol/index.ts';
import type { PresenceHub } from './hub.ts';
import { TokenBucket } from './rate-limit.ts';
import { secretsEqual, type SessionManager } from './sessions.ts';
import type { PresenceStore } from './store.ts';

/** A REST failure: turned into `{ error: { code, message } }` with the matching HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  'bad-message': 400,
  'invalid-input': 422,
  unauthorized: 401,
  'token-expired': 401,
  revoked: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'rate-limited': 429,
  disabled: 403,
};

const IMAGE_SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  'image/png': (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46,
  'image/webp': (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45,
};

type Caller = { kind: 'admin' } | { kind: 'user'; userId: string; sessionId: string };

export interface RestOptions {
  store: PresenceStore;
  hub: PresenceHub;
  sessions: SessionManager;
  adminKey: string;
  guests: boolean;
  requireHttps: boolean;
  allowedOrigins: readonly string[] | null;
  requestsPerSecond: number;
  publicUrl: () => string;
  now: () => number;
  log: (line: string) => void;
}

/**
 * The REST API under `/api/v1` (see docs/protocol.md for every route).
 *
 * @example
 * ```ts
 * const rest = createRestHandler(options);
 * http.createServer((request, response) => void rest.handle(request, response));
 * ```
 */
export function createRestHandler(options: RestOptions) {
  const { store, hub, sessions } = options;
  const buckets = new Map<string, TokenBucket>();
  const iso = () => new Date(options.now()).toISOString();

  function limit(key: string): void {
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size > 10_000) buckets.clear();
      buckets.set(key, (bucket = new TokenBucket(options.requestsPerSecond * 2, options.requestsPerSecond, options.now)));
    }
    if (!bucket.take()) throw new HttpError('rate-limited', 'too many requests', bucket.retryAfterMs());
  }

  function caller(request: IncomingMessage): Caller {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) throw new HttpError('unauthorized', 'send Authorization: Bearer <token>');
    const token = match[1]!;
    if (secretsEqual(token, options.adminKey)) return { kind: 'admin' };
    const verdict = sessions.verifyAccessToken(token);
    if (!verdict.ok) throw new HttpError(verdict.code, messageFor(verdict.code));
    return { kind: 'user', userId: verdict.session.userId, sessionId: verdict.session.id };
  }

  function requireUser(request: IncomingMessage): Extract<Caller, { kind: 'user' }> {
    const who = caller(request);
    if (who.kind !== 'user') throw new HttpError('forbidden', 'this route is for a signed-in user, not the admin key');
    return who;
  }

  function requireAdmin(request: IncomingMessage): void {
    if (caller(request).kind !== 'admin') throw new HttpError('forbidden', 'this route needs the admin key');
  }

  function parse<T>(schema: v.GenericSchema<unknown, T>, body: unknown): T {
    const parsed = parseWith(schema, body);
    if (!parsed.ok) throw new HttpError('invalid-input', parsed.reason);
    return parsed.value;
  }

  function checkUrls(input: { avatarUrl?: string | null | undefined; profileUrl?: string | null | undefined }): void {
    for (const key of ['avatarUrl', 'profileUrl'] as const) {
      const url = input[key];
      if (typeof url === 'string' && !isSafeUrl(url, options.requireHttps)) {
        throw new HttpError('invalid-input', `${key}: must be an https URL`);
      }
    }
  }

  function viewerOf(who: Caller): string | null {
    return who.kind === 'user' ? who.userId : null;
  }

  function mustGetUser(id: string): User {
    const user = store.getUser(id);
    if (!user) throw new HttpError('not-found', `no user "${id}"`);
    return user;
  }

  function saveProfile(previous: User, changes: Partial<User>): User {
    if (changes.username !== undefined && changes.username !== previous.username) {
      const owner = store.getUserByUsername(changes.username);
      if (owner && owner.id !== previous.id) throw new HttpError('conflict', `username "${changes.username}" is taken`);
    }
    const next: User = { ...previous, ...stripUndefined(changes), updatedAt: iso() };
    store.putUser(next);
    hub.userChanged(next);
    return next;
  }

  function createUser(input: v.InferOutput<typeof CreateUserInputSchema>, isGuest = input.isGuest ?? false): User {
    checkUrls(input);
    const id = input.id ?? randomUUID();
    if (store.getUser(id)) throw new HttpError('conflict', `user "${id}" exists`);
    if (store.getUserByUsername(input.username)) throw new HttpError('conflict', `username "${input.username}" is taken`);
    const at = iso();
    const user: User = {
      id,
      username: input.username,
      displayName: input.displayName ?? input.username,
      avatarUrl: input.avatarUrl ?? null,
      role: input.role ?? 'default',
      kind: input.kind ?? 'person',
      isGuest,
      tags: input.tags ?? [],
      metadata: input.metadata ?? {},
      profileUrl: input.profileUrl ?? null,
      createdAt: at,
      updatedAt: at,
      blockedAt: null,
    };
    store.putUser(user);
    hub.userChanged(user);
    return user;
  }

  function listUsers(who: Caller, query: URLSearchParams) {
    const viewer = viewerOf(who);
    const limitParam = Number(query.get('limit') ?? 25);
    if (!Number.isInteger(limitParam) || limitParam < 1 || limitParam > LIMITS.pageSize) {
      throw new HttpError('invalid-input', `limit: must be a whole number from 1 to ${LIMITS.pageSize}`);
    }
    const cursor = query.get('cursor');
    let afterId: string | null = null;
    if (cursor) {
      afterId = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!v.is(UserIdSchema, afterId)) throw new HttpError('invalid-input', 'cursor: not a cursor from this API');
    }
    const online = query.get('online');
    if (online !== null && online !== 'true' && online !== 'false') throw new HttpError('invalid-input', 'online: true or false');
    const tags = query.get('tags')?.split(',').filter(Boolean) ?? [];
    const role = query.get('role');
    const search = query.get('search')?.toLowerCase() ?? '';
    if (search.length > LIMITS.search) throw new HttpError('invalid-input', `search: at most ${LIMITS.search} characters`);
    const users: UserView[] = [];
    let nextCursor: string | null = null;
    for (const user of store.usersAfter(afterId)) {
      if (role !== null && user.role !== role) continue;
      if (tags.length > 0 && !tags.every((tag) => user.tags.includes(tag))) continue;
      if (search && !user.username.toLowerCase().includes(search) && !user.displayName.toLowerCase().includes(search)) continue;
      const view = hub.viewOf(user, viewer);
      // Hidden presence counts as offline, so a filter never reveals what a block hides.
      const isOnline = view.presence?.online === true;
      if (online !== null && isOnline !== (online === 'true')) continue;
      if (users.length === limitParam) {
        nextCursor = Buffer.from(users[users.length - 1]!.id, 'utf8').toString('base64url');
        break;
      }
      users.push(view);
    }
    return { users, nextCursor };
  }

  async function route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<unknown> {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const segments = path.split('/').slice(3).map(decodeURIComponent); // after /api/v1

    if (method === 'GET' && path === '/api/v1/health') return { ok: true };

    const avatarMatch = /^\/api\/v1\/avatars\/([^/]+)$/.exec(path);
    if (method === 'GET' && avatarMatch) {
      const avatar = store.getAvatar(decodeURIComponent(avatarMatch[1]!));
      if (!avatar) throw new HttpError('not-found', 'no such picture');
      response.writeHead(200, {
        'content-type': avatar.contentType,
        'content-length': avatar.bytes.byteLength,
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'",
      });
      response.end(avatar.bytes);
      return undefined;
    }

    limit(request.headers.authorization ?? request.socket.remoteAddress ?? 'unknown');

    if (method === 'POST' && path === '/api/v1/auth/refresh') {
      const body = parse(v.object({ refreshToken: v.pipe(v.string(), v.maxLength(4096)) }), await readJson(request));
      const verdict = sessions.refresh(body.refreshToken);
      if (!verdict.ok) throw new HttpError(verdict.code, messageFor(verdict.code));
      return verdict.tokens;
    }
    if (method === 'POST' && path === '/api/v1/auth/logout') {
      const who = requireUser(request);
      sessions.revoke(who.sessionId);
      hub.closeSession(who.sessionId, CLOSE_CODES.revoked, 'logged out');
      return { ok: true };
    }
    if (method === 'POST' && path === '/api/v1/guest-sessions') {
      if (!options.guests) throw new HttpError('disabled', 'guest sessions are disabled on this server');
      const body = parse(v.object({ displayName: v.optional(v.string()) }), await readJson(request, true));
      const id = `guest-${randomUUID()}`;
      const user = createUser(parse(CreateUserInputSchema, { id, username: id, displayName: body.displayName ?? 'Guest' }), true);
      return { user: hub.viewOf(user, user.id), tokens: sessions.mint(user.id) };
    }
    if (method === 'POST' && path === '/api/v1/sessions') {
      requireAdmin(request);
      const body = parse(v.object({ userId: UserIdSchema }), await readJson(request));
      mustGetUser(body.userId);
      return sessions.mint(body.userId);
    }
    if (method === 'GET' && path === '/api/v1/users.presence') {
      const who = caller(request);
      const from = url.searchParams.get('from');
      let time: number | undefined;
      if (from !== null) {
        time = Date.parse(from);
        if (Number.isNaN(time)) throw new HttpError('invalid-input', 'from: must be an ISO 8601 date-time');
      }
      const delta = hub.delta(viewerOf(who), time === undefined ? {} : { time }, { online: true, users: new Set() });
      return { ...delta, serverTime: iso(), success: true };
    }

    if (segments[0] === 'me') {
      const who = requireUser(request);
      const me = mustGetUser(who.userId);
      if (segments.length === 1) {
        if (method === 'GET') return hub.viewOf(me, who.userId);
        if (method === 'PATCH') {
          const body = await readJson(request);
          if (body !== null && typeof body === 'object' && ('role' in body || 'kind' in body || 'isGuest' in body || 'id' in body)) {
            throw new HttpError('forbidden', 'id, role, kind and isGuest can only be changed by an admin');
          }
          const input = parse(UpdateMeInputSchema, body);
          checkUrls(input);
          return hub.viewOf(saveProfile(me, input), who.userId);
        }
      }
      if (segments[1] === 'avatar' && segments.length === 2 && (method === 'PUT' || method === 'POST')) {
        const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (type === 'application/json') {
          const input = parse(v.object({ url: v.string() }), await readJson(request));
          if (!isSafeUrl(input.url, options.requireHttps)) throw new HttpError('invalid-input', 'url: must be an https URL');
          return hub.viewOf(saveProfile(me, { avatarUrl: input.url }), who.userId);
        }
        const isImage = IMAGE_SIGNATURES[type];
        if (!isImage) throw new HttpError('invalid-input', 'Content-Type: image/png, image/jpeg, image/gif or image/webp (or application/json with a url)');
        const bytes = await readBody(request, LIMITS.avatarBytes);
        if (bytes.byteLength < 12 || !isImage(bytes)) throw new HttpError('invalid-input', `the body is not a ${type} image`);
        const version = (store.getAvatar(me.id)?.version ?? 0) + 1;
        store.putAvatar(me.id, { bytes, contentType: type, version });
        const avatarUrl = `${options.publicUrl()}/api/v1/avatars/${encodeURIComponent(me.id)}?v=${version}`;
        return hub.viewOf(saveProfile(me, { avatarUrl }), who.userId);
      }
      if (segments[1] === 'blocks') {
        if (segments.length === 2 && method === 'GET') {
          return { users: store.blockedBy(me.id).flatMap((id) => (store.getUser(id) ? [hub.viewOf(store.getUser(id)!, me.id)] : [])) };
        }
        if (segments.length === 3 && (method === 'PUT' || method === 'DELETE')) {
          const other = mustGetUser(segments[2]!);
          if (other.id === me.id) throw new HttpError('invalid-input', 'you cannot block yourself');
          const blocked = method === 'PUT';
          if (store.isBlocked(me.id, other.id) !== blocked) {
            store.setBlocked(me.id, other.id, blocked);
            hub.relationChanged(me.id, other.id);
          }
          return hub.viewOf(other, me.id);
        }
      }
      throw new HttpError('not-found', `no route ${method} ${path}`);
    }

    if (segments[0] === 'users') {
      if (segments.length === 1 && method === 'POST') {
        requireAdmin(request);
        const user = createUser(parse(CreateUserInputSchema, await readJson(request)));
        response.statusCode = 201;
        return hub.viewOf(user, null);
      }
      if (segments.length === 1 && method === 'GET') return listUsers(caller(request), url.searchParams);
      if (segments.length === 2) {
        const id = segments[1]!;
        if (method === 'GET') {
          const who = caller(request);
          return hub.viewOf(mustGetUser(id), viewerOf(who));
        }
        if (method === 'PATCH') {
          requireAdmin(request);
          const user = mustGetUser(id);
          const input = parse(UpdateUserInputSchema, await readJson(request));
          checkUrls(input);
          const { blocked, ...profile } = input;
          const blockedAt = blocked === undefined ? user.blockedAt : blocked ? (user.blockedAt ?? iso()) : null;
          const next = saveProfile(user, { ...profile, blockedAt });
          if (next.blockedAt) {
            sessions.revokeAllOf(id);
            hub.closeUser(id, CLOSE_CODES.revoked, 'account blocked');
          }
          return hub.viewOf(next, null);
        }
        if (method === 'DELETE') {
          requireAdmin(request);
          mustGetUser(id);
          sessions.revokeAllOf(id);
          store.deleteUser(id);
          hub.userRemoved(id);
          return { ok: true };
        }
      }
    }
    throw new HttpError('not-found', `no route ${method} ${path}`);
  }

  function cors(request: IncomingMessage, response: ServerResponse): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    if (options.allowedOrigins !== null && !options.allowedOrigins.includes(origin)) return false;
    // Bearer tokens, not cookies: answering any allowed origin exposes nothing a token does not already grant.
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('vary', 'Origin');
    response.setHeader('access-control-allow-headers', 'authorization, content-type');
    response.setHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
    response.setHeader('access-control-max-age', '600');
    return true;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    try {
      if (!cors(request, response)) throw new HttpError('forbidden', 'this Origin is not allowed');
      if (request.method === 'OPTIONS') {
        response.writeHead(204).end();
        return;
      }
      if (!url.pathname.startsWith('/api/v1/')) throw new HttpError('not-found', 'the API lives under /api/v1/');
      const result = await route(request, response, url);
      if (response.headersSent) return;
      sendJson(response, response.statusCode === 200 ? 200 : response.statusCode, result);
    } catch (error) {
      if (response.headersSent) return;
      if (error instanceof HttpError) {
        if (error.retryAfterMs !== undefined) response.setHeader('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
        sendJson(response, HTTP_STATUS[error.code] ?? 500, {
          error: { code: error.code, message: error.message, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }) },
        });
        if (error.code === 'too-large') request.destroy();
        return;
      }
      // Never echo internals (or a request that may hold a token) to the log or the caller.
      options.log(`internal error on ${request.method} ${url.pathname}: ${(error as Error)?.message ?? String(error)}`);
      sendJson(response, 500, { error: { code: 'server-error', message: 'internal error' } });
    }
  }

  return {
    handle,
    /** Validates and creates a user, as `POST /api/v1/users` does. */
    createUser: (input: unknown) => createUser(parse(CreateUserInputSchema, input)),
  };
}

function messageFor(code: 'unauthorized' | 'token-expired' | 'revoked'): string {
  return code === 'token-expired'
    ? 'the access token has expired: refresh it'
    : code === 'revoked'
      ? 'the session was revoked'
      : 'unknown token';
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      reject(new HttpError('too-large', `the body may be at most ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        reject(new HttpError('too-large', `the body may be at most ${maxBytes} bytes`));
        request.removeAllListeners('data');
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

async function readJson(request: IncomingMessage, allowEmpty = false): Promise<unknown> {
  const bytes = await readBody(request, LIMITS.jsonBodyBytes);
  if (bytes.byteLength === 0 && allowEmpty) return {};
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError('bad-message', 'the body is not valid UTF-8 JSON');
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
