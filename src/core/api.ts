import { decodeValue, num, optional, shape, str, type Decoder } from './decode/decode.ts';
import { PresenceError } from './errors.ts';
import { ERROR_CODES, type ErrorCode } from './protocol/codes.ts';

// Every REST failure's body (the server's ErrorBodySchema).
const decodeErrorBody = shape<{ error: { code: string; message: string; retryAfterMs?: number } }>({
  error: shape({ code: str, message: str, retryAfterMs: optional(num) }),
});

export interface ApiOptions {
  baseUrl: string;
  fetch: typeof fetch;
  /** The current access token; `expired` asks for a fresh one after a 401 token-expired. */
  /** `stale`: the token the server just called expired (no refresh when a newer one is already held). */
  getToken: (reason: 'connect' | 'expired', stale?: string) => Promise<string>;
}

export interface RequestOptions<T> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | undefined>;
  json?: unknown;
  body?: Blob;
  /** Reads the response; the request fails with bad-message when it does not match. */
  decode: Decoder<T>;
  /** For routes that take no token (refresh). */
  anonymous?: boolean;
}

/**
 * A small REST client for the presence server: bearer token in a header (never the URL), one retry
 * with a fresh token after `token-expired`, typed errors, and validated responses.
 *
 * @example
 * ```ts
 * const api = createApi({ baseUrl, fetch, getToken });
 * const me = await api.request('/api/v1/me', { decode: decodeUserView });
 * ```
 */
export function createApi({ baseUrl, fetch: fetchImpl, getToken }: ApiOptions) {
  async function send<T>(path: string, options: RequestOptions<T>, used: { token?: string }): Promise<T> {
    const url = new URL(path, baseUrl);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (!options.anonymous) headers.authorization = `Bearer ${(used.token = await getToken(used.token === undefined ? 'connect' : 'expired', used.token))}`;
    let body: BodyInit | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body) {
      headers['content-type'] = options.body.type || 'application/octet-stream';
      body = options.body;
    }
    let response: Response;
    try {
      response = await fetchImpl(url, { method: options.method ?? 'GET', headers, body });
    } catch (cause) {
      throw new PresenceError('network', `could not reach ${url.origin}`, { cause });
    }
    let payload: unknown = null;
    try {
      payload = await response.json();
    } catch (cause) {
      if (response.ok) throw new PresenceError('bad-message', `${path}: the response is not JSON`, { cause, status: response.status });
    }
    if (!response.ok) {
      const parsed = decodeValue(decodeErrorBody, payload);
      const code: ErrorCode =
        parsed.ok && (ERROR_CODES as readonly string[]).includes(parsed.value.error.code)
          ? (parsed.value.error.code as ErrorCode)
          : response.status >= 500
            ? 'server-error'
            : 'bad-message';
      throw new PresenceError(code, parsed.ok ? parsed.value.error.message : `HTTP ${response.status}`, {
        status: response.status,
        ...(parsed.ok && parsed.value.error.retryAfterMs !== undefined ? { retryAfterMs: parsed.value.error.retryAfterMs } : {}),
      });
    }
    const parsed = decodeValue(options.decode, payload);
    if (!parsed.ok) throw new PresenceError('bad-message', `${path}: unexpected response (${parsed.reason})`, { status: response.status });
    return parsed.value;
  }

  return {
    async request<T>(path: string, options: RequestOptions<T>): Promise<T> {
      // The second try names the token the server called expired, so a token another request (or tab)
      // has refreshed since is used as it is rather than refreshed again.
      const used: { token?: string } = {};
      try {
        return await send(path, options, used);
      } catch (error) {
        if (error instanceof PresenceError && error.code === 'token-expired' && !options.anonymous) return send(path, options, used);
        throw error;
      }
    },
  };
}

export type Api = ReturnType<typeof createApi>;
