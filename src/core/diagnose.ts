/**
 * Says why a connection that never opened keeps failing, in words that say what to do: the server
 * cannot be reached, the URL is not a presence server, or it is one but the WebSocket does not get
 * through (a proxy that does not pass upgrades). Asks `GET /api/v1/health`, which every presence server
 * answers with `{"ok":true}`. Loaded only when a connection fails; it imports nothing, so it shares no
 * chunk with what loads first.
 *
 * @example
 * ```ts
 * const reason = await diagnoseConnection(new URL('http://127.0.0.1:8787'), 'ws://127.0.0.1:8787/ws', fetch);
 * ```
 */
export async function diagnoseConnection(baseUrl: URL, wsUrl: string, fetchImpl: typeof fetch): Promise<string> {
  const health = new URL('api/v1/health', baseUrl.href.endsWith('/') ? baseUrl : `${baseUrl.href}/`);
  let response: Response;
  try {
    response = await fetchImpl(health, { headers: { accept: 'application/json' } });
  } catch {
    return `could not reach ${baseUrl.origin}: is the presence server running there?`;
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok || (body as { ok?: unknown } | null)?.ok !== true) {
    return `${baseUrl.href} does not look like a presence server (GET ${health.pathname} answered ${response.status}${body === null ? ', not JSON' : ''}): pass the presence server's base URL as url`;
  }
  return `${baseUrl.origin} is a presence server, but the WebSocket to ${wsUrl} does not open: does a proxy in between pass WebSocket upgrades?`;
}
