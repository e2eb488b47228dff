/**
 * Error codes carried by `error` frames, REST error bodies and `PresenceError`.
 *
 * @example
 * ```ts
 * if (error.code === 'rate-limited') retryLater(error.retryAfterMs);
 * ```
 */
export const ERROR_CODES = [
  /** A frame or request body that is not valid JSON or does not match its schema. */
  'bad-message',
  /** A field is well-formed JSON but its value is refused (too long, unsafe URL, unknown status...). */
  'invalid-input',
  /** No credential, an unknown one, or authentication did not finish within the deadline. */
  'unauthorized',
  /** The access token has expired: get a fresh one and reconnect. */
  'token-expired',
  /** The session was revoked (logged out, user deleted): do not retry with it. */
  'revoked',
  /** Authenticated, but not allowed (another user's data, an admin-only route, a disallowed Origin). */
  'forbidden',
  'not-found',
  /** A unique field (id, username) is taken. */
  'conflict',
  /** Too many requests or status updates: slow down for `retryAfterMs`. */
  'rate-limited',
  /** A frame, body or field larger than the documented limit. */
  'too-large',
  /** A per-connection quota (subscriptions) is exhausted. */
  'limit-exceeded',
  /** The peer stopped reading and its send buffer overflowed. */
  'slow-consumer',
  /** A feature switched off on this server (guest sessions). */
  'disabled',
  'server-error',
  /** Client-side: the server could not be reached or the connection was lost. */
  'network',
  /** Client-side: no answer within the deadline. */
  'timeout',
  /** Client-side: the operation needs a connection, and the client was stopped. */
  'closed',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * WebSocket close codes the server uses, and what a client does on each.
 * 1000-1015 are the standard codes; 4000-4999 are ours (see docs/protocol.md).
 *
 * @example
 * ```ts
 * socket.addEventListener('close', (event) => {
 *   if (event.code === CLOSE_CODES.revoked) stopForGood();
 * });
 * ```
 */
export const CLOSE_CODES = {
  /** Closed on purpose by the client. */
  normal: 1000,
  /** The server is shutting down: reconnect with backoff. */
  goingAway: 1001,
  /** A text frame with invalid UTF-8 (closed by the socket library). Reconnect. */
  invalidPayload: 1007,
  /** A frame larger than the server's maximum (or an auth frame over 8 KiB). Reconnect. */
  tooLarge: 1009,
  /** Protocol violation (the first frame was not `auth`). Reconnect with backoff. */
  badMessage: 4000,
  /** Missing or invalid token, or no `auth` within the deadline. Get a token and retry, or stop. */
  unauthorized: 4001,
  /** The token expired: refresh it and reconnect at once. */
  tokenExpired: 4002,
  /** The session was revoked (logout, user deleted): stop. */
  revoked: 4003,
  /** The connection kept flooding after rate-limit errors. Reconnect after a backoff. */
  rateLimited: 4008,
  /** The client stopped reading and its send buffer overflowed. Reconnect. */
  slowConsumer: 4009,
  /** The user already has as many live connections as the server allows (default 20). Reconnect after a backoff. */
  tooManyConnections: 4029,
} as const;

/** A value of {@link CLOSE_CODES}. */
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/**
 * The WebSocket subprotocol of this protocol version. Client and server refuse to talk without it.
 *
 * @example
 * ```ts
 * new WebSocket(url, PROTOCOL_VERSION);
 * ```
 */
export const PROTOCOL_VERSION = 'presence.v1';
