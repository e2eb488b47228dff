import * as v from 'valibot';
import { ERROR_CODES } from './codes.ts';
import { PresenceSchema, UserSchema, UserViewSchema } from './model.ts';
import { OnlineListServerMessageSchemas } from './online-list.ts';
import { RequestId, Seq, parseFrame, type ParseResult } from './parse.ts';

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
  /**
   * Your own state changed in a way only you may see (a tab opened or closed, an edit while invisible).
   * It takes no sequence number, so nobody else can tell from the sequence that anything happened;
   * frames on one connection arrive in order, and each reconnect starts from the `welcome`'s `me`.
   */
  v.object({ type: v.literal('self'), me: UserViewSchema }),
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
  ...OnlineListServerMessageSchemas,
]);

/** A frame from server to client. @example `if (message.type === 'presence') apply(message)` */
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;

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
