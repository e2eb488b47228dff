// Bidi overrides/isolates can make a name or message read backwards in someone else's UI, and
// C0/C1 controls have no business in display text.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Cleans user-supplied display text: removes control and bidi-override characters, folds runs of
 * white space into one space, trims, and cuts to `maxLength` code points.
 *
 * @example
 * ```ts
 * cleanText('  hello\u202e  world ', 280); // 'hello world'
 * ```
 */
export function cleanText(text: string, maxLength: number): string {
  const cleaned = text.replace(UNSAFE_CHARACTERS, '').replace(/\s+/g, ' ').trim();
  if (cleaned.length <= maxLength) return cleaned;
  // Cut by code points so a surrogate pair is never split in half.
  return Array.from(cleaned).slice(0, maxLength).join('').trimEnd();
}
