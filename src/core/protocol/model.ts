import * as v from 'valibot';
import { checkJson, type JsonValue } from './json.ts';
import { LIMITS } from './limits.ts';
import { cleanText } from './text.ts';

/** Availability others can see. A user who chose 'invisible' is shown to everyone else as 'offline'. */
export const PUBLIC_STATUSES = ['online', 'away', 'busy', 'offline'] as const;
/** What a user can choose for themself. */
export const CHOSEN_STATUSES = ['online', 'away', 'busy', 'invisible'] as const;
/** Every status value on the wire: 'invisible' only ever reaches its owner. */
export const STATUSES = ['online', 'away', 'busy', 'offline', 'invisible'] as const;
export const CALL_STATUSES = ['available', 'in-call'] as const;
export const USER_KINDS = ['person', 'bot'] as const;

/** @example `const s: PresenceStatus = 'away';` */
export type PresenceStatus = (typeof STATUSES)[number];
/** @example `client.setStatus({ status: 'invisible' satisfies ChosenStatus });` */
export type ChosenStatus = (typeof CHOSEN_STATUSES)[number];
/** @example `const c: CallStatus = 'in-call';` */
export type CallStatus = (typeof CALL_STATUSES)[number];
/** @example `const k: UserKind = 'bot';` */
export type UserKind = (typeof USER_KINDS)[number];

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@:-]*$/;

/** A user id: 1-128 characters of letters, digits and `_ . @ : -`, starting with a letter or digit. */
export const UserIdSchema = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(LIMITS.id, `must be at most ${LIMITS.id} characters`),
  v.regex(ID_PATTERN, 'may hold only letters, digits and _ . @ : -'),
);

const UsernameSchema = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(LIMITS.username, `must be at most ${LIMITS.username} characters`),
  v.regex(ID_PATTERN, 'may hold only letters, digits and _ . @ : -'),
);

/** Display text: cleaned of control and bidi characters; refused when empty or too long after cleaning. */
function displayText(max: number) {
  return v.pipe(
    v.string(),
    v.maxLength(max * 4, `must be at most ${max} characters`),
    v.transform((text: string) => cleanText(text, Number.POSITIVE_INFINITY)),
    v.minLength(1, 'must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
  );
}

/**
 * True for absolute http(s) URLs, the only schemes the kit stores or loads for avatars and profile links.
 *
 * @example
 * ```ts
 * isSafeUrl('javascript:alert(1)'); // false
 * isSafeUrl('https://example.com/a.png'); // true
 * ```
 */
export function isSafeUrl(value: string, requireHttps = false): boolean {
  if (value.length > LIMITS.url) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (!requireHttps && url.protocol === 'http:');
}

const IMAGE_DATA_URL = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$/;

/**
 * True for what an avatar may load: absolute http(s) URLs and base64 data URLs of raster images
 * (never `javascript:`, `data:text/html` or SVG, which can carry script).
 *
 * @example
 * ```ts
 * isSafeImageUrl('data:image/png;base64,iVBORw0KGgo='); // true
 * isSafeImageUrl('data:image/svg+xml,<svg onload=alert(1)>'); // false
 * ```
 */
export function isSafeImageUrl(value: string, requireHttps = false): boolean {
  if (value.startsWith('data:')) return value.length <= 1024 * 1024 && IMAGE_DATA_URL.test(value);
  return isSafeUrl(value, requireHttps);
}

const SafeUrlSchema = v.pipe(
  v.string(),
  v.maxLength(LIMITS.url, `must be at most ${LIMITS.url} characters`),
  v.check((url: string) => isSafeUrl(url), 'must be an absolute http(s) URL'),
);

// Typed as a plain schema of T: valibot's inference over the recursive JsonValue type is too deep for
// consumers' type checkers (TS2589) when it is spelled out in the declarations.
function jsonSchema<T extends JsonValue>(maxBytes: number, isShape: (value: unknown) => boolean = () => true): v.GenericSchema<unknown, T> {
  return v.custom<T>(
    (value) => isShape(value) && typeof checkJson(value, maxBytes, LIMITS.jsonDepth) === 'number',
    (issue) => {
      const verdict = checkJson(issue.input, maxBytes, LIMITS.jsonDepth);
      return isShape(issue.input) ? `must be JSON that fits the limits: it ${String(verdict)}` : 'must be a JSON object';
    },
  );
}

const MetadataSchema = jsonSchema<Record<string, JsonValue>>(
  LIMITS.metadataBytes,
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
);

const CustomSchema = jsonSchema(LIMITS.customBytes);

const TagsSchema = v.pipe(
  v.array(displayText(LIMITS.tag)),
  v.maxLength(LIMITS.tags, `must hold at most ${LIMITS.tags} tags`),
);

const TimestampSchema = v.pipe(v.string(), v.isoTimestamp());

/** Status message: cleaned, then cut to {@link LIMITS.statusMessage} characters; `null` or '' clears it. */
const StatusMessageSchema = v.nullable(
  v.pipe(
    v.string(),
    v.maxLength(LIMITS.statusMessageInput, `must be at most ${LIMITS.statusMessageInput} characters`),
    v.transform((text: string) => cleanText(text, LIMITS.statusMessage) || null),
  ),
);

const UtcOffsetSchema = v.pipe(v.number(), v.minValue(-12), v.maxValue(14));

/** A user's profile: changes rarely, fetched over REST and pushed as `user` events. */
export const UserSchema = v.object({
  /** Immutable, unique. */
  id: UserIdSchema,
  /** Unique handle. */
  username: UsernameSchema,
  displayName: displayText(LIMITS.displayName),
  /** Absolute http(s) URL, or null for none (show initials). */
  avatarUrl: v.nullable(SafeUrlSchema),
  role: v.string(),
  kind: v.picklist(USER_KINDS),
  /** Created by a guest session rather than by an admin. */
  isGuest: v.boolean(),
  tags: v.array(v.string()),
  /** Application data, at most 8 KiB of JSON. */
  metadata: MetadataSchema,
  profileUrl: v.nullable(SafeUrlSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  /** Set when an admin blocked the account. */
  blockedAt: v.nullable(TimestampSchema),
});

/** A user's profile. @example `const name = user.displayName;` */
export type User = v.InferOutput<typeof UserSchema>;

/** Live presence, per user (not per connection). */
export const PresenceSchema = v.object({
  /** True while any of the user's connections is live (false for 'invisible', seen by others). */
  online: v.boolean(),
  /** 'invisible' is only ever sent to its owner; others get 'offline'. */
  status: v.picklist(STATUSES),
  statusMessage: v.nullable(v.string()),
  /** Application status payload, at most 2 KiB of JSON. */
  custom: v.nullable(CustomSchema),
  callStatus: v.picklist(CALL_STATUSES),
  /** Server clock, when the user's last connection went (null: never seen). */
  lastOnline: v.nullable(TimestampSchema),
  /** Hours from UTC, as the user's device reported it. */
  utcOffset: v.nullable(v.number()),
  /** Server clock, last change. */
  updatedAt: TimestampSchema,
});

/** A user's live presence. @example `if (presence.online) showDot();` */
export type Presence = v.InferOutput<typeof PresenceSchema>;

/** A user as one viewer sees them: profile, presence (null when hidden by a block), and the relation. */
export const UserViewSchema = v.object({
  ...UserSchema.entries,
  /** Null when either side blocked the other: neither sees the other's presence. */
  presence: v.nullable(PresenceSchema),
  blockedByMe: v.boolean(),
  hasBlockedMe: v.boolean(),
});

/** A user as one viewer sees them. @example `if (view.presence?.online) ...` */
export type UserView = v.InferOutput<typeof UserViewSchema>;

/** `POST /api/v1/users` (admin). */
export const CreateUserInputSchema = v.object({
  /** Chosen by you (CometChat uid); generated when omitted. */
  id: v.optional(UserIdSchema),
  username: UsernameSchema,
  displayName: v.optional(displayText(LIMITS.displayName)),
  avatarUrl: v.optional(v.nullable(SafeUrlSchema)),
  role: v.optional(displayText(LIMITS.role)),
  kind: v.optional(v.picklist(USER_KINDS)),
  isGuest: v.optional(v.boolean()),
  tags: v.optional(TagsSchema),
  metadata: v.optional(MetadataSchema),
  profileUrl: v.optional(v.nullable(SafeUrlSchema)),
});

/** Body of `POST /api/v1/users`. @example `{ username: 'ada', displayName: 'Ada' }` */
export type CreateUserInput = v.InferInput<typeof CreateUserInputSchema>;

/** `PATCH /api/v1/me`: a user's own profile. `role`, `id`, `kind` and `isGuest` are not the user's to change. */
export const UpdateMeInputSchema = v.strictObject({
  username: v.optional(UsernameSchema),
  displayName: v.optional(displayText(LIMITS.displayName)),
  avatarUrl: v.optional(v.nullable(SafeUrlSchema)),
  tags: v.optional(TagsSchema),
  metadata: v.optional(MetadataSchema),
  profileUrl: v.optional(v.nullable(SafeUrlSchema)),
});

/** Body of `PATCH /api/v1/me`. @example `{ displayName: 'Ada L.' }` */
export type UpdateMeInput = v.InferInput<typeof UpdateMeInputSchema>;

/** `PATCH /api/v1/users/:id` (admin): everything but the id. */
export const UpdateUserInputSchema = v.strictObject({
  ...UpdateMeInputSchema.entries,
  role: v.optional(displayText(LIMITS.role)),
  kind: v.optional(v.picklist(USER_KINDS)),
  blocked: v.optional(v.boolean()),
});

/** Body of `PATCH /api/v1/users/:id`. @example `{ role: 'moderator' }` */
export type UpdateUserInput = v.InferInput<typeof UpdateUserInputSchema>;

/** A presence change a user makes to themself (over the socket: `set-presence`). */
export const PresencePatchSchema = v.object({
  status: v.optional(v.picklist(CHOSEN_STATUSES)),
  statusMessage: v.optional(StatusMessageSchema),
  custom: v.optional(v.nullable(CustomSchema)),
  callStatus: v.optional(v.picklist(CALL_STATUSES)),
  utcOffset: v.optional(v.nullable(UtcOffsetSchema)),
});

/** Fields of a presence change. @example `client.setStatus({ status: 'busy', statusMessage: 'In a meeting' })` */
export type PresencePatch = v.InferInput<typeof PresencePatchSchema>;

/** Tokens of one session (Realm.User's accessToken / refreshToken). */
export const SessionTokensSchema = v.object({
  userId: UserIdSchema,
  accessToken: v.string(),
  refreshToken: v.string(),
  /** Server clock, when the access token stops working. */
  accessTokenExpiresAt: TimestampSchema,
});

/** A session's tokens. @example `createPresenceClient({ url, session: tokens })` */
export type SessionTokens = v.InferOutput<typeof SessionTokensSchema>;

/** `GET /api/v1/users.presence?from=` (Rocket.Chat semantics). */
export const PresenceDeltaSchema = v.object({
  /** Users whose presence or profile changed since `from`, or everyone in scope when `full`. */
  users: v.array(UserViewSchema),
  /** Ids deleted since `from` (empty when `full`). */
  removed: v.array(v.string()),
  /** True when `from` was missing or older than the catch-up window: `users` is everything. */
  full: v.boolean(),
  /** The change cursor to pass as `from` next time (server sequence number). */
  seq: v.number(),
  /** Server clock when this was produced; also accepted as `from`. */
  serverTime: TimestampSchema,
  success: v.literal(true),
});

/** Response of the presence delta. @example `if (delta.full) replaceAll(delta.users);` */
export type PresenceDelta = v.InferOutput<typeof PresenceDeltaSchema>;

/** A page of `GET /api/v1/users`. */
export const UserPageSchema = v.object({
  users: v.array(UserViewSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: v.nullable(v.string()),
});

/** One page of users. @example `for (const user of page.users) ...` */
export type UserPage = v.InferOutput<typeof UserPageSchema>;

/** Error body of every REST failure. */
export const ErrorBodySchema = v.object({
  error: v.object({ code: v.string(), message: v.string(), retryAfterMs: v.optional(v.number()) }),
});
