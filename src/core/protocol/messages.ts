import * as v from 'valibot';
import { ERROR_CODES } from './codes.ts';
import { LIMITS } from './limits.ts';
import { PresencePatchSchema, PresenceSchema, UserIdSchema, UserSchema, UserViewSchema } from './model.ts';

/** Request id: the server echoes it in the `ack` or `error` that answers the frame. */
const RequestId = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)));
const Cursor = v.pipe(v.number(), v.integer(), v.minValue(0));
const UserIds = v.pipe(v.array(UserIdSchema), v.maxLength(LIMITS.idsPerFrame, `at most ${LIMITS.idsPerFrame} ids per frame`));

/** Frames a client sends. Each is answered by the frames listed in docs/protocol.md. */
export const ClientMessageSchema = v.variant('type', [
  /** First frame on every connection, within the auth deadline. The token never travels in the URL. */
  v.object({ type: v.literal('auth'), token: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)) }),
  /**
   * Start receiving presence of `users` and/or of everyone online. Answered by a `snapshot`:
   * changes since `from` (full: false) or the whole current state in scope (full: true).
   */
  v.object({
    type: v.literal('subscribe'),
    rid: RequestId,
    users: v.optional(UserIds),
    online: v.optional(v.boolean()),
    from: v.optional(Cursor),
  }),
  v.object({ type: v.literal('unsubscribe'), rid: RequestId, users: v.optional(UserIds), online: v.optional(v.boolean()) }),
  /**
   * Change your own presence. Answered by `ack` (or `error`); observers get a `presence` event.
   * `origin` and `n` (a counter that only grows within one client instance) let the server ignore a
   * frame that arrives after a newer one from the same client, as a stale connection can deliver.
   */
  v.object({
    type: v.literal('set-presence'),
    rid: RequestId,
    patch: PresencePatchSchema,
    origin: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
    n: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  }),
  /**
   * Ask for everything in scope changed since `from`, e.g. after noticing a gap; or, with `users`, for the
   * current state of just those users (no subscription is made). Answered by `snapshot`.
   */
  v.object({ type: v.literal('catch-up'), rid: RequestId, from: v.optional(Cursor), users: v.optional(UserIds) }),
  /** Application-level heartbeat; answered by `pong` with the same `t`. */
  v.object({ type: v.literal('ping'), t: v.optional(v.number()) }),
]);

/** A frame from client to server. @example `{ type: 'subscribe', users: ['ada'] }` */
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
/** What a client may send, before defaults are applied. @example `{ type: 'ping', t: 1 }` */
export type ClientMessageInput = v.InferInput<typeof ClientMessageSchema>;

const Seq = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Frames the server sends. */
export const ServerMessageSchema = v.variant('type', [
  /** Answer to `auth`: the session is live. `seq` is the server's change cursor now. */
  v.object({
    type: v.literal('welcome'),
    protocol: v.string(),
    sessionId: v.string(),
    /** The current user, with their own presence (which may say 'invisible'). */
    me: UserViewSchema,
    seq: Seq,
    serverTime: v.string(),
    /** How often the server pings; a client should do the same at least as often. */
    heartbeatMs: v.number(),
  }),
  /** State in scope: an answer to `subscribe` or `catch-up`. */
  v.object({
    type: v.literal('snapshot'),
    rid: RequestId,
    seq: Seq,
    /** True: `users` is everything in the requested scope (anyone you hold as online and not here is offline). */
    full: v.boolean(),
    users: v.array(UserViewSchema),
    removed: v.array(v.string()),
  }),
  /**
   * A user's presence changed. `presence` is null when a block now hides it. `user` (the profile) comes
   * along when the user has just come online, since an online-list watcher may not know them yet.
   */
  v.object({
    type: v.literal('presence'),
    seq: Seq,
    userId: v.string(),
    presence: v.nullable(PresenceSchema),
    user: v.optional(UserSchema),
  }),
  /** A user's profile or relation to you changed (or a user appeared). */
  v.object({ type: v.literal('user'), seq: Seq, user: UserViewSchema }),
  /** A user was deleted. */
  v.object({ type: v.literal('user-removed'), seq: Seq, userId: v.string() }),
  v.object({ type: v.literal('ack'), rid: v.number() }),
  /** A refused frame. The connection stays open unless a close follows. */
  v.object({
    type: v.literal('error'),
    rid: RequestId,
    code: v.picklist(ERROR_CODES),
    message: v.string(),
    retryAfterMs: v.optional(v.number()),
  }),
  v.object({ type: v.literal('pong'), t: v.optional(v.number()) }),
]);

/** A frame from server to client. @example `if (message.type === 'presence') apply(message)` */
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;

/** The outcome of parsing one frame: the message, or a readable reason. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseFrame<T>(schema: v.GenericSchema<unknown, T>, raw: unknown): ParseResult<T> {
  if (typeof raw !== 'string') return { ok: false, reason: 'frames must be JSON text, not binary' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'frame is not valid JSON' };
  }
  return parseWith(schema, json);
}

/**
 * Parses and validates a frame received by the server.
 *
 * @example
 * ```ts
 * const parsed = parseClientMessage('{"type":"ping"}');
 * if (parsed.ok) handle(parsed.value);
 * ```
 */
export function parseClientMessage(raw: unknown): ParseResult<ClientMessage> {
  return parseFrame(ClientMessageSchema, raw);
}

/**
 * Parses and validates a frame received by the client.
 *
 * @example
 * ```ts
 * const parsed = parseServerMessage(event.data);
 * if (!parsed.ok) report(parsed.reason);
 * ```
 */
export function parseServerMessage(raw: unknown): ParseResult<ServerMessage> {
  return parseFrame(ServerMessageSchema, raw);
}

/**
 * Validates any value against one of the protocol schemas, with the first issue as a readable reason.
 *
 * @example
 * ```ts
 * const parsed = parseWith(UserViewSchema, await response.json());
 * ```
 */
export function parseWith<T>(schema: v.GenericSchema<unknown, T>, value: unknown): ParseResult<T> {
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = issue.path?.map((item) => String(item.key)).join('.');
  return { ok: false, reason: path ? `${path}: ${issue.message}` : issue.message };
}
