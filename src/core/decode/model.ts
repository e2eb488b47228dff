// Decoders of the data model as the server sends it: each mirrors one schema of protocol/model.ts (the
// differential test holds them together), including the schemas' clean-ups of text and URLs.
import { ID_PATTERN, normalizeUrl } from '../protocol/checks.ts';
import { LIMITS } from '../protocol/limits.ts';
import type { Presence, SessionTokens, User, UserView } from '../protocol/model.ts';
import { CALL_STATUSES, STATUSES, USER_KINDS } from '../protocol/statuses.ts';
import { cleanText } from '../protocol/text.ts';
import { bool, json, list, nullable, nullish, num, oneOf, refuse, shape, str, timestamp, type Decoder } from './decode.ts';

/** A user id or username: 1 to `max` characters of letters, digits and `_ . @ : -`. @example `handle(LIMITS.id)` */
/* @__NO_SIDE_EFFECTS__ */
export function handle(max: number): Decoder<string> {
  return (value, path) => {
    const text = str(value, path);
    return text.length <= max && ID_PATTERN.test(text) ? text : refuse(path, `must be 1-${max} letters, digits or _ . @ : -`);
  };
}

/** Display text, cleaned as the schemas clean it; refused when empty or longer than `max` after that. @example `displayText(100)` */
/* @__NO_SIDE_EFFECTS__ */
export function displayText(max: number): Decoder<string> {
  return (value, path) => {
    const text = str(value, path);
    const cleaned = text.length <= max * 4 ? cleanText(text, Infinity) : '';
    return cleaned && cleaned.length <= max ? cleaned : refuse(path, `must be 1-${max} characters`);
  };
}

/** An absolute http(s) URL without credentials, in its normal form. @example `safeUrl('HTTPS://A.example', 'avatarUrl')` */
export const safeUrl: Decoder<string> = (value, path) => normalizeUrl(str(value, path)) ?? refuse(path, 'must be an absolute http(s) URL without credentials');

/** A user's profile ({@link User}). @example `decodeValue(decodeUser, body)` */
export const decodeUser = shape<User>({
  id: handle(LIMITS.id),
  username: handle(LIMITS.username),
  displayName: displayText(LIMITS.displayName),
  avatarUrl: nullable(safeUrl),
  role: str,
  kind: oneOf(USER_KINDS),
  isGuest: bool,
  tags: list(str),
  metadata: json(LIMITS.metadataBytes, true),
  profileUrl: nullable(safeUrl),
  createdAt: timestamp,
  updatedAt: timestamp,
  blockedAt: nullable(timestamp),
});

/** A user's presence ({@link Presence}). @example `decodeValue(decodePresence, body.presence)` */
export const decodePresence = shape<Presence>({
  online: bool,
  status: oneOf(STATUSES),
  statusMessage: nullable(str),
  statusEmoji: nullish(str),
  statusExpiresAt: nullish(timestamp),
  custom: nullable(json(LIMITS.customBytes)),
  callStatus: oneOf(CALL_STATUSES),
  lastOnline: nullable(timestamp),
  utcOffset: nullable(num),
  updatedAt: timestamp,
});

/** A user as the viewer sees them ({@link UserView}). @example `decodeValue(decodeUserView, await response.json())` */
export const decodeUserView: Decoder<UserView> = (value, path) => Object.assign(decodeUser(value, path), decodeRelation(value, path));

const decodeRelation = shape<Pick<UserView, 'presence' | 'blockedByMe' | 'hasBlockedMe'>>({
  presence: nullable(decodePresence),
  blockedByMe: bool,
  hasBlockedMe: bool,
});

/** A session's tokens ({@link SessionTokens}). @example `decodeValue(decodeSessionTokens, JSON.parse(stored))` */
export const decodeSessionTokens = shape<SessionTokens>({
  userId: handle(LIMITS.id),
  accessToken: str,
  refreshToken: str,
  accessTokenExpiresAt: timestamp,
});
