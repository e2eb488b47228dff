import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as v from 'valibot';
import {
  RoomIdSchema,
  CLOSE_CODES,
  CreateUserInputSchema,
  LIMITS,
  UpdateMeInputSchema,
  UpdateUserInputSchema,
  UserIdSchema,
  normalizeUrl,
  type User,
  type UserView,
} from '../core/protocol/index.ts';
import { displayText } from '../core/protocol/fields.ts';
import type { Caller } from './caller.ts';
import { tokenMessage } from './caller.ts';
import { addressKey } from './address-key.ts';
import { inspectPicture } from './picture.ts';
import { RoomPermissionsSchema, type RoomPermissions } from './room-access.ts';
import type { PictureStore } from './picture-store.ts';
import { HttpError } from './http-error.ts';
import type { PresenceHub } from './hub.ts';
import type { LogCommand } from './presence-log.ts';
import type { SessionManager } from './sessions.ts';
import type { PresenceStore } from './store.ts';

const IMAGE_SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  'image/png': (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46,
  'image/webp': (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45,
};

const IdParams = v.object({ id: UserIdSchema });
const RoomParams = v.object({ id: RoomIdSchema });
const RoomMemberParams = v.object({ id: RoomIdSchema, userId: UserIdSchema });
const RefreshBody = v.object({ refreshToken: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)) });
const GuestBody = v.optional(v.object({ displayName: v.optional(displayText(LIMITS.displayName)) }), {});
const SessionBody = v.object({ userId: UserIdSchema, rooms: v.optional(RoomPermissionsSchema) });
const AvatarUrlBody = v.object({ url: v.pipe(v.string(), v.maxLength(LIMITS.url)) });
const PresenceQuery = v.object({ from: v.optional(v.pipe(v.string(), v.maxLength(64), v.isoTimestamp('must be an ISO 8601 date-time'))) });
const ListQuery = v.object({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, `must be a whole number from 1 to ${LIMITS.pageSize}`),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(LIMITS.pageSize),
    ),
    '25',
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(256))),
  online: v.optional(v.picklist(['true', 'false'])),
  /** Comma-separated: users with all of them. */
  tags: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.tag * LIMITS.tags))),
  role: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.role))),
  search: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.search, `must be at most ${LIMITS.search} characters`))),
});
/** Fields of a user's own profile only an admin may change. */
const ADMIN_ONLY_FIELDS = ['id', 'role', 'kind', 'isGuest'];
/** Guests' ids and usernames, their own namespace. */
const GUEST_PREFIX = 'guest-';

export interface RestOptions {
  store: PresenceStore;
  hub: PresenceHub;
  sessions: SessionManager;
  guests: boolean;
  /** Rooms a guest session may enter (see `PresenceServerOptions.guestRooms`). */
  guestRooms: RoomPermissions;
  /** Guest sessions one address may create per minute. */
  guestSessionsPerMinute: number;
  /** Guests that may exist at once; past it guest sessions are refused with 503 until some expire. */
  maxGuests: number;
  /** Bytes of uploaded pictures stored at once, everyone together; past it uploads are refused with 507. */
  maxAvatarBytesTotal: number;
  /** Where uploaded pictures' bytes live (memory on one node, Redis on N). */
  pictures: PictureStore;
  /** Hosts a user may point their own avatar at (`*` any); admins may set any URL. */
  avatarHosts: readonly string[] | '*';
  requireHttps: boolean;
  publicUrl: () => string;
  now: () => number;
  /** On N nodes: whether Redis answers (`degraded` when not: sockets stay up, changes wait). */
  health?: () => { redis: 'up' | 'down' };
}

/** What the rest of the server calls directly (controls, guest expiry). */
export interface RestActions {
  /** Validates and creates a user, as `POST /api/v1/users` does. */
  createUser(input: unknown): User;
  /** Deletes a user with everything they own (sessions, picture), as `DELETE /api/v1/users/:id` does. */
  deleteUser(id: string): Promise<void>;
}

/**
 * The REST API under `/api/v1` (see docs/protocol.md and docs/openapi.json for every route), as
 * Fastify routes: each declares who may call it, its body limit and its valibot schemas.
 *
 * @example
 * ```ts
 * const app = await createHttpApp(edgeOptions);
 * const rest = registerRestRoutes(app, { store, hub, sessions, guests: false, ... });
 * rest.createUser({ id: 'ada', username: 'ada' });
 * ```
 */
export function registerRestRoutes(app: FastifyInstance, options: RestOptions): RestActions {
  const { store, hub, sessions } = options;
  const iso = () => new Date(options.now()).toISOString();
  /** A shared change, as a typed 503 when the shared log cannot take it (Redis down). */
  const commit = (command: LogCommand) =>
    hub.commit(command).catch((error: Error) => {
      throw new HttpError('server-error', `the change could not be stored (${error.message}): retry shortly`, 1000, 503);
    });
  const viewerOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);
  const userOf = (request: FastifyRequest) => {
    const caller = request.caller;
    if (caller.kind !== 'user') throw new HttpError('forbidden', 'this route is for a signed-in user');
    return mustGetUser(caller.userId);
  };

  function checkUrls(input: { avatarUrl?: string | null | undefined; profileUrl?: string | null | undefined }): void {
    if (!options.requireHttps) return;
    for (const key of ['avatarUrl', 'profileUrl'] as const) {
      const url = input[key];
      if (typeof url === 'string' && normalizeUrl(url, true) === null) throw new HttpError('invalid-input', `${key}: must be an https URL`);
    }
  }

  /**
   * A picture URL is fetched by every viewer's browser: set by a user to a host of their choosing, it
   * would tell that host who looks at them and when (across a block, too). Users may point only at the
   * configured hosts, or at their own upload.
   */
  function checkAvatarHost(me: User, url: string): void {
    if (options.avatarHosts === '*' || url.startsWith(ownUploadUrl(me.id))) return;
    const host = new URL(url).hostname;
    if (!options.avatarHosts.includes(host)) {
      throw new HttpError(
        'forbidden',
        `avatarUrl: pictures from ${host} are not allowed here: upload one, or use ${options.avatarHosts.join(', ') || 'an upload'}`,
      );
    }
  }

  function guestCount(): number {
    if (store.guestCount) return store.guestCount();
    let count = 0;
    for (const user of store.usersAfter(null)) if (user.isGuest) count++;
    return count;
  }

  function mustGetUser(id: string): User {
    const user = store.getUser(id);
    if (!user) throw new HttpError('not-found', `no user "${id}"`);
    return user;
  }

  function ownUploadUrl(userId: string): string {
    return `${options.publicUrl()}/api/v1/avatars/${encodeURIComponent(userId)}?v=`;
  }

  /** Saves a profile through the shared log; resolves once applied here (at once on one node). */
  async function saveProfile(previous: User, changes: Partial<User>): Promise<User> {
    if (changes.username !== undefined && changes.username !== previous.username) {
      const owner = store.getUserByUsername(changes.username);
      if (owner && owner.id !== previous.id) throw new HttpError('conflict', `username "${changes.username}" is taken`);
    }
    const next: User = { ...previous, ...stripUndefined(changes), updatedAt: iso() };
    // A picture the server stored is deleted once the profile no longer points at it.
    if (previous.avatarUrl !== next.avatarUrl && !next.avatarUrl?.startsWith(ownUploadUrl(previous.id)) && store.getAvatar(previous.id)) {
      await commit({ type: 'avatar-delete', userId: previous.id });
      await options.pictures.delete(previous.id);
    }
    await commit({ type: 'user-put', user: next, previous });
    return next;
  }

  /** Creates a user; `committed` settles once the log has applied it. */
  function createUser(input: v.InferOutput<typeof CreateUserInputSchema>, isGuest = input.isGuest ?? false): { user: User; committed: Promise<void> } {
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
    return { user, committed: commit({ type: 'user-put', user }) };
  }

  async function deleteUser(id: string): Promise<void> {
    mustGetUser(id);
    sessions.revokeAllOf(id);
    await commit({ type: 'user-delete', userId: id });
    await options.pictures.delete(id);
  }

  // Profiles are replaced, never changed in place: a profile object's lower-cased text never goes stale.
  const searchTexts = new WeakMap<User, string>();
  function searchTextOf(profile: User): string {
    let text = searchTexts.get(profile);
    if (text === undefined) searchTexts.set(profile, (text = `${profile.username.toLowerCase()}\n${profile.displayName.toLowerCase()}`));
    return text;
  }

  function listUsers(caller: Caller, query: v.InferOutput<typeof ListQuery>) {
    const viewer = viewerOf(caller);
    let afterId: string | null = null;
    if (query.cursor) {
      afterId = Buffer.from(query.cursor, 'base64url').toString('utf8');
      if (!v.is(UserIdSchema, afterId)) throw new HttpError('invalid-input', 'cursor: not a cursor from this API');
    }
    const tags = query.tags?.split(',').filter(Boolean) ?? [];
    const search = query.search?.toLowerCase() ?? '';
    const users: UserView[] = [];
    let nextCursor: string | null = null;
    for (const user of store.usersAfter(afterId)) {
      // Filters read the profile this viewer sees (an invisible user's unpublished edits stay unseen),
      // and the whole view is built only for a user who passes them.
      const profile = hub.profileFor(user, viewer);
      if (query.role !== undefined && profile.role !== query.role) continue;
      if (tags.length > 0 && !tags.every((tag) => profile.tags.includes(tag))) continue;
      if (search && (search.includes('\n') || !searchTextOf(profile).includes(search))) continue;
      const view = hub.viewOf(user, viewer);
      // Hidden presence counts as offline, so a filter never reveals what a block hides.
      if (query.online !== undefined && (view.presence?.online === true) !== (query.online === 'true')) continue;
      if (users.length === query.limit) {
        nextCursor = Buffer.from(users[users.length - 1]!.id, 'utf8').toString('base64url');
        break;
      }
      users.push(view);
    }
    return { users, nextCursor };
  }

  // Pictures arrive as raw bytes, checked against their declared type in the handler.
  app.addContentTypeParser(Object.keys(IMAGE_SIGNATURES), { parseAs: 'buffer', bodyLimit: LIMITS.avatarBytes }, (_request, body, done) => done(null, body));

  app.register(
    async (api) => {
      // A liveness probe: constant work, and not counted against the caller's request budget.
      api.get('/health', { config: { access: 'anyone', rateLimit: false } }, async () => {
        const cluster = options.health?.();
        return cluster ? { ok: true, degraded: cluster.redis === 'down', ...cluster } : { ok: true };
      });

      api.get(
        '/avatars/:id',
        { config: { access: 'anyone' }, schema: { params: IdParams, querystring: v.object({ v: v.optional(v.pipe(v.string(), v.maxLength(16))) }) } },
        async (request, reply) => {
          const { id } = request.params as v.InferOutput<typeof IdParams>;
          const avatar = store.getAvatar(id);
          // Bytes of another upload (one replacing it, not yet in the shared state) are never served as this one.
          const picture = avatar && (await options.pictures.get(id));
          if (!avatar || !picture || picture.version !== avatar.version) throw new HttpError('not-found', 'no such picture');
          // Only a URL naming this exact version may be cached for good; any other one may change.
          const versioned = (request.query as { v?: string }).v === String(avatar.version);
          return (
            reply
              .header('content-type', avatar.contentType)
              .header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache')
              .header('content-security-policy', "default-src 'none'")
              // Apps on other origins show these pictures: said explicitly, with no credentials and no script.
              .header('cross-origin-resource-policy', 'cross-origin')
              .send(Buffer.from(picture.bytes))
          );
        },
      );

      api.post('/auth/refresh', { config: { access: 'anyone' }, bodyLimit: 8 * 1024, schema: { body: RefreshBody } }, async (request) => {
        const verdict = sessions.refresh((request.body as v.InferOutput<typeof RefreshBody>).refreshToken);
        if (!verdict.ok) {
          // A used-up refresh token presented again revoked its session: its sockets learn it now.
          if (verdict.revokedSessionId) hub.closeSession(verdict.revokedSessionId, CLOSE_CODES.revoked, 'refresh token reused');
          throw new HttpError(
            verdict.code,
            verdict.revokedSessionId ? 'this refresh token was already used: the session is revoked' : tokenMessage(verdict.code),
          );
        }
        return verdict.tokens;
      });

      api.post('/auth/logout', { config: { access: 'user' } }, async (request) => {
        const caller = request.caller as Extract<Caller, { kind: 'user' }>;
        sessions.revoke(caller.sessionId);
        hub.closeSession(caller.sessionId, CLOSE_CODES.revoked, 'logged out');
        return { ok: true };
      });

      api.post(
        '/guest-sessions',
        {
          config: {
            access: 'anyone',
            // Per address, whatever credential is sent: guests are how an anonymous visitor gets in.
            rateLimit: {
              max: options.guestSessionsPerMinute,
              timeWindow: 60_000,
              keyGenerator: (request: FastifyRequest) => `guest:${addressKey(request.ip)}`,
            },
          },
          bodyLimit: 1024,
          schema: { body: GuestBody },
        },
        async (request) => {
          if (!options.guests)
            throw new HttpError('disabled', 'guest sessions are disabled on this server (start it with --guests, or sign in with a session)');
          if (guestCount() >= options.maxGuests) throw new HttpError('limit-exceeded', 'too many guests at the moment: try again later', 60_000, 503);
          const body = request.body as v.InferOutput<typeof GuestBody>;
          const id = `${GUEST_PREFIX}${randomUUID()}`;
          const { user, committed } = createUser(parseInput(CreateUserInputSchema, { id, username: id, displayName: body.displayName ?? 'Guest' }), true);
          await committed;
          return { user: hub.viewOf(user, user.id), tokens: sessions.mint(user.id, options.guestRooms) };
        },
      );

      api.post('/sessions', { config: { access: 'admin' }, schema: { body: SessionBody } }, async (request) => {
        const body = request.body as v.InferOutput<typeof SessionBody>;
        return sessions.mint(mustGetUser(body.userId).id, body.rooms);
      });

      api.get('/users.presence', { config: { access: 'user-or-admin' }, schema: { querystring: PresenceQuery } }, async (request, reply) => {
        const { from } = request.query as v.InferOutput<typeof PresenceQuery>;
        const delta = hub.delta(viewerOf(request.caller), from === undefined ? {} : { time: Date.parse(from) }, { online: true, users: new Set() });
        if ('retryAfterMs' in delta) throw new HttpError('rate-limited', 'too many snapshots: retry later', delta.retryAfterMs);
        // Serialized here so its size is charged too (see PresenceHub.chargeAnswerBytes).
        const body = JSON.stringify({ ...delta, serverTime: iso(), success: true });
        hub.chargeAnswerBytes(viewerOf(request.caller), delta.users.length, body.length);
        return reply.type('application/json; charset=utf-8').send(body);
      });

      api.get('/me', { config: { access: 'user' } }, async (request) => {
        const me = userOf(request);
        return hub.viewOf(me, me.id);
      });

      api.patch(
        '/me',
        {
          config: { access: 'user' },
          // Before the schema: naming an admin-only field is forbidden, not merely malformed.
          preValidation: async (request) => {
            const body = request.body;
            if (body !== null && typeof body === 'object' && ADMIN_ONLY_FIELDS.some((key) => Object.hasOwn(body, key))) {
              throw new HttpError('forbidden', 'id, role, kind and isGuest can only be changed by an admin');
            }
          },
          schema: { body: UpdateMeInputSchema },
        },
        async (request) => {
          const me = userOf(request);
          const input = request.body as v.InferOutput<typeof UpdateMeInputSchema>;
          // Handles like `support` or `admin` belong to the operator's people: a guest's stays a guest's.
          if (me.isGuest && input.username !== undefined && !input.username.startsWith(GUEST_PREFIX)) {
            throw new HttpError('forbidden', `a guest's username starts with "${GUEST_PREFIX}"`);
          }
          checkUrls(input);
          if (typeof input.avatarUrl === 'string') checkAvatarHost(me, input.avatarUrl);
          return hub.viewOf(await saveProfile(me, input), me.id);
        },
      );

      const setAvatar = async (request: FastifyRequest) => {
        const me = userOf(request);
        const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (type === 'application/json') {
          const input = parseInput(AvatarUrlBody, request.body);
          const url = normalizeUrl(input.url, options.requireHttps);
          if (url === null)
            throw new HttpError('invalid-input', `url: must be an absolute ${options.requireHttps ? 'https' : 'http(s)'} URL without credentials`);
          checkAvatarHost(me, url);
          return hub.viewOf(await saveProfile(me, { avatarUrl: url }), me.id);
        }
        // Anonymous visitors get no storage on this server: a guest shows initials or an external picture.
        if (me.isGuest) throw new HttpError('forbidden', 'guests cannot upload pictures: set an avatar URL instead');
        const bytes = request.body as Buffer;
        const isImage = IMAGE_SIGNATURES[type]!;
        if (bytes.byteLength < 12 || !isImage(bytes)) throw new HttpError('invalid-input', `the body is not a ${type} image`);
        // Whole, within the pixel limit, and without the camera's metadata (GPS position, device, dates).
        const picture = inspectPicture(bytes, type);
        if (!picture.ok) throw new HttpError('invalid-input', picture.reason);
        const version = (store.getAvatar(me.id)?.version ?? 0) + 1;
        // The bytes go to the picture store (capped in all, in the same step), only their version to the shared state.
        if (!(await options.pictures.put(me.id, { bytes: picture.bytes, contentType: type, version }, options.maxAvatarBytesTotal))) {
          throw new HttpError('limit-exceeded', 'the server stores no more pictures now: try again later', undefined, 507);
        }
        await commit({ type: 'avatar-put', userId: me.id, contentType: type, version, byteLength: picture.bytes.byteLength });
        return hub.viewOf(await saveProfile(me, { avatarUrl: `${ownUploadUrl(me.id)}${version}` }), me.id);
      };
      for (const method of ['PUT', 'POST'] as const) {
        api.route({ method, url: '/me/avatar', config: { access: 'user' }, bodyLimit: LIMITS.avatarBytes, handler: setAvatar });
      }

      api.get('/me/blocks', { config: { access: 'user' } }, async (request) => {
        const me = userOf(request);
        return { users: store.blockedBy(me.id).flatMap((id) => (store.getUser(id) ? [hub.viewOf(store.getUser(id)!, me.id)] : [])) };
      });

      for (const method of ['PUT', 'DELETE'] as const) {
        api.route({
          method,
          url: '/me/blocks/:id',
          config: { access: 'user' },
          schema: { params: IdParams },
          handler: async (request) => {
            const me = userOf(request);
            const other = mustGetUser((request.params as v.InferOutput<typeof IdParams>).id);
            if (other.id === me.id) throw new HttpError('invalid-input', 'you cannot block yourself');
            const blocked = method === 'PUT';
            if (store.isBlocked(me.id, other.id) !== blocked) await commit({ type: 'relation', blockerId: me.id, blockedId: other.id, blocked });
            return hub.viewOf(other, me.id);
          },
        });
      }

      // Rooms: who is in one now, and its persistent members (the app's channels or groups).
      api.get('/rooms/:id', { config: { access: 'admin' }, schema: { params: RoomParams } }, async (request) => {
        const { id } = request.params as v.InferOutput<typeof RoomParams>;
        return { id, occupants: hub.roomOccupants(id) };
      });

      api.get('/rooms/:id/members', { config: { access: 'admin' }, schema: { params: RoomParams } }, async (request) => {
        const { id } = request.params as v.InferOutput<typeof RoomParams>;
        return { id, members: [...store.roomMembers(id)].sort() };
      });

      for (const method of ['PUT', 'DELETE'] as const) {
        api.route({
          method,
          url: '/rooms/:id/members/:userId',
          config: { access: 'admin' },
          schema: { params: RoomMemberParams },
          handler: async (request) => {
            const { id, userId } = request.params as v.InferOutput<typeof RoomMemberParams>;
            mustGetUser(userId);
            const member = method === 'PUT';
            if (store.roomMembers(id).has(userId) !== member) await commit({ type: 'room-member', room: id, userId, member });
            return { room: id, userId, member };
          },
        });
      }

      api.post('/users', { config: { access: 'admin' }, schema: { body: CreateUserInputSchema } }, async (request, reply) => {
        const { user, committed } = createUser(request.body as v.InferOutput<typeof CreateUserInputSchema>);
        await committed;
        return reply.code(201).send(hub.viewOf(user, null));
      });

      api.get('/users', { config: { access: 'user-or-admin' }, schema: { querystring: ListQuery } }, async (request) => {
        return listUsers(request.caller, request.query as v.InferOutput<typeof ListQuery>);
      });

      api.get('/users/:id', { config: { access: 'user-or-admin' }, schema: { params: IdParams } }, async (request) => {
        return hub.viewOf(mustGetUser((request.params as v.InferOutput<typeof IdParams>).id), viewerOf(request.caller));
      });

      api.patch('/users/:id', { config: { access: 'admin' }, schema: { params: IdParams, body: UpdateUserInputSchema } }, async (request) => {
        const { id } = request.params as v.InferOutput<typeof IdParams>;
        const user = mustGetUser(id);
        const input = request.body as v.InferOutput<typeof UpdateUserInputSchema>;
        checkUrls(input);
        const { blocked, ...profile } = input;
        const blockedAt = blocked === undefined ? user.blockedAt : blocked ? (user.blockedAt ?? iso()) : null;
        const next = await saveProfile(user, { ...profile, blockedAt });
        if (next.blockedAt) {
          sessions.revokeAllOf(id);
          hub.closeUser(id, CLOSE_CODES.revoked, 'account blocked');
        }
        return hub.viewOf(next, null);
      });

      api.delete('/users/:id', { config: { access: 'admin' }, schema: { params: IdParams } }, async (request) => {
        await deleteUser((request.params as v.InferOutput<typeof IdParams>).id);
        return { ok: true };
      });
    },
    { prefix: '/api/v1' },
  );

  return {
    createUser(input) {
      const { user, committed } = createUser(parseInput(CreateUserInputSchema, input));
      // Synchronous for controls and tests on one node; on N nodes a failure is the log's to report.
      committed.catch(() => {});
      return user;
    },
    deleteUser,
  };
}

function parseInput<T>(schema: v.GenericSchema<unknown, T>, value: unknown): T {
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const path = issue.path?.map((item) => String(item.key)).join('.');
  throw new HttpError('invalid-input', path ? `${path}: ${issue.message}` : issue.message);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
