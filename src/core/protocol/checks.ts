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

// What a status emoji may hold: pictographs, flags (regional indicators), keycaps, skin tones, and the
// joiners and selectors that combine them. No letters, so an "emoji" cannot carry text of its own.
// The class lists joiners and selectors on their own on purpose: each is allowed as a part of a sequence.
// eslint-disable-next-line no-misleading-character-class
const EMOJI_CHARACTERS = /^[\p{Extended_Pictographic}\p{Regional_Indicator}\u{1f3fb}-\u{1f3ff}\u200d\ufe0f\u20e3#*0-9]+$/u;
const EMOJI_BASE = /[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]/u;

/**
 * True for one emoji (a single grapheme where the runtime can tell, as `Intl.Segmenter` does): ☕, 👩🏽‍💻,
 * 🇫🇷, 1️⃣. Status emoji are shown beside names, so anything else (text, several emoji) is refused.
 *
 * @example
 * ```ts
 * isEmoji('🌴'); // true
 * isEmoji('hi'); // false
 * ```
 */
export function isEmoji(value: string): boolean {
  if (value.length === 0 || value.length > LIMITS.statusEmoji) return false;
  if (!EMOJI_CHARACTERS.test(value) || !EMOJI_BASE.test(value)) return false;
  if (typeof Intl === 'undefined' || typeof Intl.Segmenter !== 'function') return true;
  let graphemes = 0;
  for (const _ of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(value)) if (++graphemes > 1) return false;
  return true;
}
