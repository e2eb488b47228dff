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
import { CALL_STATUSES, CHOSEN_STATUSES, STATUSES, USER_KINDS, type CallStatus, type ChosenStatus, type PresenceStatus, type UserKind } from './statuses.ts';
import type { JsonValue } from './json.ts';

export { isEmoji, isSafeImageUrl, isSafeUrl, normalizeUrl } from './checks.ts';
export { UserIdSchema } from './fields.ts';

export { CALL_STATUSES, CHOSEN_STATUSES, PUBLIC_STATUSES, STATUSES, USER_KINDS } from './statuses.ts';
export type { CallStatus, ChosenStatus, PresenceStatus, UserKind } from './statuses.ts';

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

/**
 * A user's profile: changes rarely, fetched over REST and pushed as `user` events. Written out (a type
 * test holds it equal to {@link UserSchema}'s output) so the reference shows each field.
 *
 * @example
 * ```ts
 * const name = user.displayName;
 * ```
 */
export interface User {
  /** Immutable and unique: what every other call names the user by. */
  id: string;
  /** Unique handle. */
  username: string;
  /** The name to show: cleaned of control characters, at most 100 characters. */
  displayName: string;
  /** Absolute http(s) URL of the picture, or null for none (show initials). */
  avatarUrl: string | null;
  /** The application's role name (CometChat `role`); the kit gives it no meaning. */
  role: string;
  /** Whether the account is a person or a bot. */
  kind: UserKind;
  /** Created by a guest session rather than by an admin. */
  isGuest: boolean;
  /** Short labels (at most 20), cleaned like `displayName`. */
  tags: string[];
  /** Application data, at most 8 KiB of JSON (ChatKitty `properties`, CometChat `metadata`, Realm `customData`). */
  metadata: Record<string, JsonValue>;
  /** Absolute http(s) URL of the user's profile page, or null. */
  profileUrl: string | null;
  /** Server clock (ISO 8601), when the user was created. */
  createdAt: string;
  /** Server clock (ISO 8601), the last change of the profile. */
  updatedAt: string;
  /** Server clock (ISO 8601), set when an admin blocked the account; null otherwise. */
  blockedAt: string | null;
}

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

/**
 * A user's live presence, per user (not per connection). Written out (a type test holds it equal to
 * {@link PresenceSchema}'s output) so the reference shows each field.
 *
 * @example
 * ```ts
 * if (presence.online) showDot(presence.status);
 * ```
 */
export interface Presence {
  /** True while any of the user's connections is live (false for 'invisible', as others see it). */
  online: boolean;
  /** 'online', 'away', 'busy', 'offline'; 'invisible' is only ever sent to its owner (others get 'offline'). */
  status: PresenceStatus;
  /** What the user says they are doing, at most 280 characters; null for none. */
  statusMessage: string | null;
  /** One emoji shown with the status message; null for none. */
  statusEmoji: string | null;
  /** Server clock (ISO 8601), when the status message and emoji clear themselves; null: they stay. */
  statusExpiresAt: string | null;
  /** Application status payload, at most 2 KiB of JSON (typed through `Register['customStatus']`). */
  custom: JsonValue | null;
  /** 'in-call' while the user is in a call; 'available' whenever they look offline. */
  callStatus: CallStatus;
  /** Server clock (ISO 8601), when the user's last connection went; null: never seen. */
  lastOnline: string | null;
  /** Hours from UTC (-12 to 14), as the user's device reported it; null when unknown. */
  utcOffset: number | null;
  /** Server clock (ISO 8601), the last change. */
  updatedAt: string;
}

/** A user as one viewer sees them: profile, presence (null when hidden by a block), and the relation. */
export const UserViewSchema = v.object({
  ...UserSchema.entries,
  /** Null when either side blocked the other: neither sees the other's presence. */
  presence: v.nullable(PresenceSchema),
  blockedByMe: v.boolean(),
  hasBlockedMe: v.boolean(),
});

/**
 * A user as one viewer sees them: the profile, their presence, and the relation between the two.
 *
 * @example
 * ```ts
 * if (view.presence?.online) showDot();
 * ```
 */
export interface UserView extends User {
  /** Null when either side blocked the other: neither sees the other's presence. */
  presence: Presence | null;
  /** The viewer blocked this user. */
  blockedByMe: boolean;
  /** This user blocked the viewer. */
  hasBlockedMe: boolean;
}

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

/**
 * A change a user makes to their own presence: every field optional, absent ones unchanged.
 *
 * @example
 * ```ts
 * client.setStatus({ status: 'busy', statusMessage: 'In a meeting' });
 * ```
 */
export interface PresencePatch {
  /** The availability chosen: 'online', 'away', 'busy' or 'invisible' (offline is not chosen: it is leaving). */
  status?: ChosenStatus;
  /** What the user is doing; null or '' clears it. Cleaned, and cut to 280 characters. */
  statusMessage?: string | null;
  /** One emoji for the message; null clears it. */
  statusEmoji?: string | null;
  /**
   * When the message and emoji clear themselves (Slack's "clear after"), at most 7 days ahead; null: never.
   * A change of the message or emoji without it sets it to null. A time already past clears them at once.
   */
  statusExpiresAt?: string | null;
  /**
   * Application status payload, at most 2 KiB of JSON; null clears it. Checked to be JSON when sent (typed
   * `unknown` so an app's own interfaces fit; `Register['customStatus']` types it).
   */
  custom?: unknown;
  /** 'in-call' or 'available'. */
  callStatus?: CallStatus;
  /** Hours from UTC (-12 to 14); the client sets it from the device. */
  utcOffset?: number | null;
}

/** Tokens of one session (Realm.User's accessToken / refreshToken). */
export const SessionTokensSchema = v.object({
  userId: UserIdSchema,
  accessToken: v.string(),
  refreshToken: v.string(),
  /** Server clock, when the access token stops working. */
  accessTokenExpiresAt: TimestampSchema,
});

/**
 * A session's tokens (Realm.User's accessToken and refreshToken), as `POST /api/v1/sessions` returns them.
 *
 * @example
 * ```ts
 * createPresenceClient({ url, session: tokens });
 * ```
 */
export interface SessionTokens {
  /** The user the session is for. */
  userId: string;
  /** Sent with every request and on connect; short-lived. Never put it in a URL or a log. */
  accessToken: string;
  /** Exchanged for new tokens when the access token expires; each is good for one exchange. */
  refreshToken: string;
  /** Server clock (ISO 8601), when the access token stops working. */
  accessTokenExpiresAt: string;
}

/** Error body of every REST failure. */
export const ErrorBodySchema = v.object({
  error: v.object({ code: v.string(), message: v.string(), retryAfterMs: v.optional(v.number()) }),
});
