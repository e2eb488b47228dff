export { createPresenceClient } from './client.ts';
export type {
  PresenceChange,
  PresenceClient,
  PresenceClientOptions,
  PresenceSession,
  PresenceUser,
  SessionEvent,
  StatusUpdate,
  Unsubscribe,
  UserFilters,
} from './client.ts';
export { PresenceError, isPresenceError } from './errors.ts';
export { backoffDelay } from './backoff.ts';
export type { BackoffOptions } from './backoff.ts';
export type { EnvironmentEvents, HeartbeatOptions, TokenReason, WebSocketLike } from './connection.ts';
export { createPresenceStore } from './store.ts';
export type { PresenceConnectionStatus, PresenceState, PresenceStore, SessionState, UserEntry } from './store.ts';
// The protocol as a client sees it. What only a server validates (client frames, admin inputs) is
// exported by presence-kit/server, so a client bundle never carries those schemas.
export * from './protocol/codes.ts';
export * from './protocol/json.ts';
export * from './protocol/limits.ts';
export * from './protocol/messages.ts';
export * from './protocol/model.ts';
export { parseWith, type ParseResult } from './protocol/parse.ts';
export * from './protocol/text.ts';
export type { ClientMessage, ClientMessageInput } from './protocol/client-messages.ts';
export type { CreateUserInput, UpdateUserInput } from './protocol/admin.ts';
