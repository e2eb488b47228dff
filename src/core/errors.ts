import type { ErrorCode } from './protocol/codes.ts';

/**
 * The one error class of presence-kit. `code` says what went wrong (see {@link ErrorCode});
 * `cause` keeps the underlying error; REST failures carry the HTTP `status`.
 *
 * @example
 * ```ts
 * try {
 *   await client.updateCurrentUser({ displayName: '' });
 * } catch (error) {
 *   if (error instanceof PresenceError && error.code === 'invalid-input') showHint(error.message);
 * }
 * ```
 */
export class PresenceError extends Error {
  override readonly name = 'PresenceError';
  readonly code: ErrorCode;
  /** HTTP status of a failed REST call. */
  readonly status: number | undefined;
  /** How long to wait before trying again, when the server said so. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; status?: number; retryAfterMs?: number } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * True when `error` is a {@link PresenceError}, optionally of one code.
 *
 * @example
 * ```ts
 * if (isPresenceError(error, 'rate-limited')) await wait(error.retryAfterMs ?? 1000);
 * ```
 */
export function isPresenceError(error: unknown, code?: ErrorCode): error is PresenceError {
  return error instanceof PresenceError && (code === undefined || error.code === code);
}
