/**
 * Limits shared by both sides. The server enforces them (most are configurable there); the client
 * validates against them before sending, so a mistake fails fast with `invalid-input`.
 *
 * @example
 * ```ts
 * if (message.length > LIMITS.statusMessage) message = message.slice(0, LIMITS.statusMessage);
 * ```
 */
export const LIMITS = {
  /** Largest WebSocket frame in bytes, both directions. */
  frameBytes: 64 * 1024,
  /** Largest JSON REST body in bytes. */
  jsonBodyBytes: 64 * 1024,
  /** Largest uploaded display picture in bytes. */
  avatarBytes: 1024 * 1024,
  /** User ids and usernames. */
  id: 128,
  username: 64,
  displayName: 100,
  role: 64,
  tag: 64,
  tags: 32,
  url: 2048,
  /** Status messages are cleaned and cut to this many characters; longer input (up to `statusMessageInput`) is accepted. */
  statusMessage: 280,
  statusMessageInput: 10_000,
  /** A status emoji, in UTF-16 code units: one emoji, however many code points it combines (👩🏽‍💻). */
  statusEmoji: 32,
  /** How far ahead a status may be set to clear itself (`statusExpiresAt`): 7 days. */
  statusExpiryMs: 7 * 24 * 60 * 60 * 1000,
  search: 100,
  /** Serialized size of `presence.custom` in bytes. */
  customBytes: 2 * 1024,
  /** Serialized size of `user.metadata` in bytes. */
  metadataBytes: 8 * 1024,
  /** Nesting depth of custom JSON values. */
  jsonDepth: 8,
  /** User ids in one subscribe / unsubscribe frame. */
  idsPerFrame: 500,
  /** Page size of list endpoints. */
  pageSize: 100,
} as const;
