// Plain checks the schemas use, kept free of the schema library so anything can call them.
import { LIMITS } from './limits.ts';

/** What user ids and usernames may hold: letters, digits and `_ . @ : -`, starting with a letter or digit. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@:-]*$/;

/**
 * True for absolute http(s) URLs without credentials, the only URLs the kit stores or loads for avatars
 * and profile links.
 *
 * @example
 * ```ts
 * isSafeUrl('javascript:alert(1)'); // false
 * isSafeUrl('https://user:secret@example.com/'); // false
 * isSafeUrl('https://example.com/a.png'); // true
 * ```
 */
export function isSafeUrl(value: string, requireHttps = false): boolean {
  return normalizeUrl(value, requireHttps) !== null;
}

/**
 * The URL in its normal form (as `URL.href` writes it: lower-case scheme and host, resolved dots,
 * percent-encoding), or null when it is not a safe one (see {@link isSafeUrl}).
 *
 * @example
 * ```ts
 * normalizeUrl('HTTPS://Example.COM/a/../b'); // 'https://example.com/b'
 * ```
 */
export function normalizeUrl(value: string, requireHttps = false): string | null {
  if (value.length > LIMITS.url) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && (requireHttps || url.protocol !== 'http:')) return null;
  // Credentials in a link leak to whoever renders it, and `https://bank@evil.example` misleads.
  if (url.username !== '' || url.password !== '') return null;
  return url.href.length > LIMITS.url ? null : url.href;
}

const IMAGE_DATA_URL = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$/;

/**
 * True for what an avatar may load: absolute http(s) URLs and base64 data URLs of raster images
 * (never `javascript:`, `data:text/html` or SVG, which can carry script).
 *
 * @example
 * ```ts
 * isSafeImageUrl('data:image/png;base64,iVBORw0KGgo='); // true
 * isSafeImageUrl('data:image/svg+xml,<svg onload=alert(1)>'); // false
 * ```
 */
export function isSafeImageUrl(value: string, requireHttps = false): boolean {
  if (value.startsWith('data:')) return value.length <= 1024 * 1024 && IMAGE_DATA_URL.test(value);
  return isSafeUrl(value, requireHttps);
}
