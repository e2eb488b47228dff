/**
 * The framework-free client, imported from `presence-kit/core` (and from `presence-kit`).
 *
 * @packageDocumentation
 * @module presence-kit/core
 */
// presence-kit/core: what an app calls, nothing it does not. The modular style is the core client
// plus the functions an app uses (a bundler drops the rest); `createPresenceClient` has them all as methods.
export { createPresenceCore } from './presence-core.ts';
export type { PresenceClientOptions, PresenceCore } from './presence-core.ts';
export { createPresenceClient } from './client.ts';
export type { PresenceClient } from './client.ts';
export { getUser, onUserChanged, onUserPresenceChanged, watchUser } from './user-events.ts';
export type { PresenceChange, PresenceUser, StatusUpdate } from './user-events.ts';
export { fetchUser, getPresence, listUsers } from './users.ts';
export type { UserFilters } from './users.ts';
export { getCurrentUser, onCurrentUserChanged, updateCurrentUser, updateCurrentUserDisplayPicture } from './current-user.ts';
export { blockUser, getBlockedUsers, unblockUser } from './blocks.ts';
export { enterRoom } from './rooms.ts';
export { watchOnlineWindow } from './online-window.ts';
export type { OnlineWindow, OnlineWindowRequest, OnlineWindowState } from './online-window.ts';
export type { EnterRoomOptions, Room, RoomConnection, RoomMember, RoomOccupancy, RoomStatus, RoomWindow, RoomWindowRequest, RoomWindowState } from './rooms.ts';
export type { PresenceSession, SessionEvent } from './session.ts';
export type { GuestOptions } from './guest.ts';
export type { Unsubscribe } from './kernel.ts';
export type {
  AppPresence,
  AppPresencePatch,
  AppUpdateMeInput,
  AppUser,
  AppUserView,
  CustomStatus,
  Register,
  RoomEvent,
  RoomPresence,
  UserMetadata,
} from './register.ts';
export type { RoomAccess } from './protocol/rooms.ts';
export { PresenceError, isPresenceError } from './errors.ts';
export type { BackoffOptions } from './backoff.ts';
export type { EnvironmentEvents, TokenReason, WebSocketLike } from './connection.ts';
export type { HeartbeatOptions } from './heartbeat.ts';
export type { PresenceConnectionStatus, PresenceState, PresenceStore, SessionState, UserEntry } from './store.ts';
// The protocol as an app sees it: its types, codes and limits. Schemas and validation helpers stay
// inside (the server entry exports them for servers).
export { CLOSE_CODES, ERROR_CODES, PROTOCOL_VERSION } from './protocol/codes.ts';
export type { CloseCode, ErrorCode } from './protocol/codes.ts';
export type { JsonValue } from './protocol/json.ts';
export { LIMITS } from './protocol/limits.ts';
export { ONLINE_LIST_LIMITS } from './protocol/online-list-limits.ts';
export type { OnlineCounts } from './protocol/online-list-limits.ts';
export type { ServerMessage } from './protocol/messages.ts';
export { CALL_STATUSES, CHOSEN_STATUSES, PUBLIC_STATUSES, STATUSES, USER_KINDS } from './protocol/statuses.ts';
export type { CallStatus, ChosenStatus, PresenceStatus, UserKind } from './protocol/statuses.ts';
export type { Presence, PresencePatch, SessionTokens, User, UserView } from './protocol/model.ts';
export type { UpdateMeInput } from './protocol/update-me.ts';
export type { PresenceDelta, UserPage } from './protocol/user-pages.ts';
export type { ClientMessage, ClientMessageInput } from './protocol/client-messages.ts';
export type { CreateUserInput, UpdateUserInput } from './protocol/admin.ts';
