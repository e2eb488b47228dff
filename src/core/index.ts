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
export * from './protocol/index.ts';
