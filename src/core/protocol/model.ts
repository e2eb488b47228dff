import * as v from 'valibot';
import {
  CustomSchema,
  MetadataSchema,
  SafeUrlSchema,
  StatusEmojiSchema,
  StatusExpiresAtSchema,
  StatusMessageSchema,
  TimestampSchema,
  UserIdSchema,
  UsernameSchema,
  UtcOffsetSchema,
  displayText,
} from './fields.ts';
import { LIMITS } from './limits.ts';

export { isEmoji, isSafeImageUrl, isSafeUrl, normalizeUrl } from './checks.ts';
export { UserIdSchema } from './fields.ts';

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
  /** One emoji shown with the status message (absent from older servers: null). */
  statusEmoji: v.optional(v.nullable(v.string()), null),
  /** Server clock, when the status message and emoji clear themselves (null: they stay). */
  statusExpiresAt: v.optional(v.nullable(TimestampSchema), null),
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

/** A presence change a user makes to themself (over the socket: `set-presence`). */
export const PresencePatchSchema = v.object({
  status: v.optional(v.picklist(CHOSEN_STATUSES)),
  statusMessage: v.optional(StatusMessageSchema),
  statusEmoji: v.optional(StatusEmojiSchema),
  /**
   * When the message and emoji clear themselves (Slack's "clear after"); null: never. A change of the
   * message or emoji without it sets it to null. A time already past clears them at once.
   */
  statusExpiresAt: v.optional(StatusExpiresAtSchema),
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

/** Error body of every REST failure. */
export const ErrorBodySchema = v.object({
  error: v.object({ code: v.string(), message: v.string(), retryAfterMs: v.optional(v.number()) }),
});
