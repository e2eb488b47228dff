import * as v from 'valibot';
import { UserIdSchema } from './fields.ts';
import { hasForbiddenKey, nestsDeeperThan } from './json.ts';
import { LIMITS } from './limits.ts';
import { RequestId, Seq, parseWith } from './parse.ts';
import { PresencePatchSchema } from './model.ts';
import { OnlineListClientMessageSchemas } from './online-list.ts';
import { RoomClientMessageSchemas } from './rooms.ts';

// Frames a client sends: validated by the server only, so a client bundle never carries this schema.

/**
 * Limits on frames a client sends, kept out of the shared {@link LIMITS} (the browser never needs them).
 *
 * @example
 * ```ts
 * if (data.length > FRAME_LIMITS.authBytes) refuse();
 * ```
 */
export const FRAME_LIMITS = {
  /**
   * Nesting of a whole frame (a frame, its patch, a custom value of {@link LIMITS.jsonDepth} levels):
   * deeper frames are refused before they are parsed.
   */
  depth: 16,
  /** Largest frame before authentication (the `auth` frame): a token and a small presence patch. */
  authBytes: 8 * 1024,
} as const;

const UserIds = v.pipe(v.array(UserIdSchema), v.maxLength(LIMITS.idsPerFrame, `at most ${LIMITS.idsPerFrame} ids per frame`));

/** Frames a client sends. Each is answered by the frames listed in docs/protocol.md. */
export const ClientMessageSchema = v.variant('type', [
  /** First frame on every connection, within the auth deadline. The token never travels in the URL. */
  v.object({
    type: v.literal('auth'),
    token: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
    /**
     * Presence to apply before the connection counts, so a user who arrives invisible is never shown
     * online, not even for the moment between `welcome` and their `set-presence`.
     */
    presence: v.optional(PresencePatchSchema),
  }),
  /**
   * Start receiving presence of `users` and/or of everyone online. Answered by a `snapshot`:
   * changes since `from` (full: false) or the whole current state in scope (full: true).
   */
  v.object({
    type: v.literal('subscribe'),
    rid: RequestId,
    users: v.optional(UserIds),
    online: v.optional(v.boolean()),
    from: v.optional(Seq),
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
  v.object({ type: v.literal('catch-up'), rid: RequestId, from: v.optional(Seq), users: v.optional(UserIds) }),
  /** Application-level heartbeat; answered by `pong` with the same `t`. */
  v.object({ type: v.literal('ping'), t: v.optional(v.number()) }),
  ...RoomClientMessageSchemas,
  ...OnlineListClientMessageSchemas,
]);

const CLIENT_TYPES: ReadonlySet<string> = new Set(ClientMessageSchema.options.map((option) => option.entries.type.literal));

/** A frame from client to server. @example `{ type: 'subscribe', users: ['ada'] }` */
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
/** What a client may send, before defaults are applied. @example `{ type: 'ping', t: 1 }` */
export type ClientMessageInput = v.InferInput<typeof ClientMessageSchema>;

/** A parsed client frame, or why not; a refused JSON object also tells what type and request id it claimed. */
export type ClientParseResult =
  { ok: true; value: ClientMessage } | { ok: false; reason: string; code: 'bad-message' | 'invalid-input'; claimed?: { type?: unknown; rid?: number } };

/**
 * Parses and validates a frame received by the server: its nesting is checked on the text before it is
 * parsed, prototype keys are refused, then the schema runs.
 *
 * @example
 * ```ts
 * const parsed = parseClientMessage('{"type":"ping"}');
 * if (parsed.ok) handle(parsed.value);
 * ```
 */
export function parseClientMessage(raw: unknown): ClientParseResult {
  if (typeof raw !== 'string') return { ok: false, code: 'bad-message', reason: 'frames must be JSON text, not binary' };
  // Depth first, on the text: no parse and no walk ever meets a frame nested deeper than the limit.
  if (nestsDeeperThan(raw, FRAME_LIMITS.depth)) return { ok: false, code: 'bad-message', reason: `a frame may nest at most ${FRAME_LIMITS.depth} levels` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad-message', reason: 'frame is not valid JSON' };
  }
  const claimed = claimsOf(json);
  const refused = screenClientFrame(json);
  if (refused) return { ok: false, code: 'bad-message', reason: refused, claimed };
  const parsed = parseWith(ClientMessageSchema, json);
  return parsed.ok ? parsed : { ...parsed, code: 'invalid-input', claimed };
}

/** What the type and request id of a frame refused as a whole said, so the answer can name its request. */
function claimsOf(json: unknown): { type?: unknown; rid?: number } {
  if (typeof json !== 'object' || json === null) return {};
  const { type, rid } = json as { type?: unknown; rid?: unknown };
  return typeof rid === 'number' && Number.isInteger(rid) && rid >= 0 ? { type, rid } : { type };
}

/** What is no message at all, told apart from a message with a refused field (`invalid-input`). */
function screenClientFrame(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'a frame is a JSON object';
  // JSON.parse makes "__proto__" an own key, harmless here, but a careless merge downstream would not be.
  const key = hasForbiddenKey(json, FRAME_LIMITS.depth);
  if (key) return key === '(too deep)' ? `a frame may nest at most ${FRAME_LIMITS.depth} levels` : `the key "${key}" is not allowed`;
  const type = (json as { type?: unknown }).type;
  return typeof type === 'string' && CLIENT_TYPES.has(type) ? undefined : 'unknown frame type';
}
