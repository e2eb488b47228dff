// Characters that make display text lie: bidi overrides/isolates reorder a name in someone else's UI;
// C0/C1 controls have no business in it; zero-width, tag, filler and other invisible characters make
// two names look the same or a name look empty.
// One class: C0/C1 controls (tab and newline fold to spaces below), bidi marks, overrides and isolates,
// soft hyphen, invisible operators and fillers (the braille blank), the BOM, unassigned specials, tag characters, and (in a
// 'u' regex, where a pair is one code point) lone surrogates. A zero-width joiner is kept only inside
// an emoji sequence (👩‍💻), where it means something.
const UNSAFE_CHARACTERS =
  // Control characters and lone code units are the point of this pattern.
  // eslint-disable-next-line no-control-regex, no-misleading-character-class
  /[\0-\b\v-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufeff\uffa0\ufff0-\ufff8\u{e0000}-\u{e007f}\ud800-\udfff]|(?<!\p{Extended_Pictographic}\ufe0f?)\u200d|\u200d(?!\p{Extended_Pictographic})/gu;

/**
 * Cleans user-supplied display text: removes control, bidi-override, zero-width, tag, filler and other
 * invisible characters and lone surrogates, folds runs of white space into one space, trims, and cuts
 * to `maxLength` code points. Text that is empty afterwards is refused by the schemas.
 *
 * @example
 * ```ts
 * cleanText('  hello\u202e  world ', 280); // 'hello world'
 * cleanText('\u200b\u3164', 100); // ''
 * ```
 */
export function cleanText(text: string, maxLength: number): string {
  const cleaned = text.replace(UNSAFE_CHARACTERS, '').replace(/\s+/g, ' ').trim();
  if (cleaned.length <= maxLength) return cleaned;
  // Cut by code points so a surrogate pair is never split in half.
  return Array.from(cleaned).slice(0, maxLength).join('').trimEnd();
}
