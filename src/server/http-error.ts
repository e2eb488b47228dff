import type { ErrorCode } from '../core/protocol/index.ts';

/**
 * A REST failure: answered as `{ error: { code, message, retryAfterMs? } }` with the HTTP status of its code.
 *
 * @example
 * ```ts
 * throw new HttpError('not-found', `no user "${id}"`);
 * ```
 */
export class HttpError extends Error {
  /** The HTTP status of the answer. */
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
    /** Overrides the status the code maps to (503 for a refused WebSocket handshake, 426, 415). */
    status?: number,
  ) {
    super(message);
    this.statusCode = status ?? HTTP_STATUS[code] ?? 500;
  }

  /** The JSON body of the answer. */
  toBody() {
    return {
      error: { code: this.code, message: this.message, ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }) },
    };
  }
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  'bad-message': 400,
  'invalid-input': 422,
  unauthorized: 401,
  'token-expired': 401,
  revoked: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'rate-limited': 429,
  'limit-exceeded': 429,
  disabled: 403,
  'server-error': 500,
};
