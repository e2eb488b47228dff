// The client's inbound schema (every frame the server sends, with the same field checks as
// src/core/protocol) written with zod/mini, so bench:size can weigh the two schema libraries on the same job.
import * as z from 'zod/mini';
import { ID_PATTERN, isSafeUrl } from '../../src/core/protocol/checks.ts';
import { ERROR_CODES } from '../../src/core/protocol/codes.ts';
import { checkJson } from '../../src/core/protocol/json.ts';
import { LIMITS } from '../../src/core/protocol/limits.ts';
import { cleanText } from '../../src/core/protocol/text.ts';

const handle = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), z.regex(ID_PATTERN));
const displayText = (max: number) =>
  z.pipe(
    z.string().check(z.maxLength(max * 4)),
    z.pipe(
      z.transform((text: string) => cleanText(text, Number.POSITIVE_INFINITY)),
      z.string().check(z.minLength(1), z.maxLength(max)),
    ),
  );
const SafeUrl = z.string().check(
  z.maxLength(LIMITS.url),
  z.refine((url) => isSafeUrl(url)),
);
const json = (maxBytes: number, isShape: (value: unknown) => boolean = () => true) =>
  z.custom<unknown>((value) => isShape(value) && typeof checkJson(value, maxBytes, LIMITS.jsonDepth) === 'number');
const isPlainObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
const Timestamp = z.iso.datetime();
const Seq = z.int().check(z.minimum(0));
const RequestId = z.optional(Seq);

const User = z.object({
  id: handle(LIMITS.id),
  username: handle(LIMITS.username),
  displayName: displayText(LIMITS.displayName),
  avatarUrl: z.nullable(SafeUrl),
  role: z.string(),
  kind: z.enum(['person', 'bot']),
  isGuest: z.boolean(),
  tags: z.array(z.string()),
  metadata: json(LIMITS.metadataBytes, isPlainObject),
  profileUrl: z.nullable(SafeUrl),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  blockedAt: z.nullable(Timestamp),
});
const Presence = z.object({
  online: z.boolean(),
  status: z.enum(['online', 'away', 'busy', 'offline', 'invisible']),
  statusMessage: z.nullable(z.string()),
  custom: z.nullable(json(LIMITS.customBytes)),
  callStatus: z.enum(['available', 'in-call']),
  lastOnline: z.nullable(Timestamp),
  utcOffset: z.nullable(z.number()),
  updatedAt: Timestamp,
});
const UserView = z.object({ ...User.shape, presence: z.nullable(Presence), blockedByMe: z.boolean(), hasBlockedMe: z.boolean() });

const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.string(),
    sessionId: z.string(),
    me: UserView,
    seq: Seq,
    serverTime: z.string(),
    heartbeatMs: z.number(),
  }),
  z.object({ type: z.literal('snapshot'), rid: RequestId, seq: Seq, full: z.boolean(), users: z.array(UserView), removed: z.array(z.string()) }),
  z.object({ type: z.literal('presence'), seq: Seq, userId: z.string(), presence: z.nullable(Presence), user: z.optional(User) }),
  z.object({ type: z.literal('user'), seq: Seq, user: UserView }),
  z.object({ type: z.literal('user-removed'), seq: Seq, userId: z.string() }),
  z.object({ type: z.literal('ack'), rid: z.number() }),
  z.object({ type: z.literal('error'), rid: RequestId, code: z.enum(ERROR_CODES), message: z.string(), retryAfterMs: z.optional(z.number()) }),
  z.object({ type: z.literal('pong'), t: z.optional(z.number()) }),
]);

/** The same contract as parseServerMessage. */
export function parseServerMessage(raw: unknown) {
  if (typeof raw !== 'string') return { ok: false as const, reason: 'frames must be JSON text, not binary' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false as const, reason: 'frame is not valid JSON' };
  }
  const result = ServerMessage.safeParse(value);
  if (result.success) return { ok: true as const, value: result.data };
  const issue = result.error.issues[0]!;
  return { ok: false as const, reason: issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message };
}
