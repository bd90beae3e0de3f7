/**
 * Characters that show nothing: whitespace of every Unicode kind, control and format characters (zero-width spaces and
 * joiners, the BOM, word joiners, bidi controls, tags), the other default-ignorable code points (variation selectors,
 * Hangul fillers) and the braille blank.
 */
const INVISIBLE = '\\p{White_Space}\\p{Cc}\\p{Cf}\\p{Default_Ignorable_Code_Point}\\u2800'
const VISIBLE = new RegExp(`[^${INVISIBLE}]`, 'u')

/** True when `text` has no character a reader could see: empty, only spaces, only zero-width or bidi characters… */
export function isBlank (text: string): boolean {
  return !VISIBLE.test(text)
}

export const BLANK_TEXT_MESSAGE = 'must contain a visible character, not only spaces or invisible characters'

/**
 * Schema patterns that mean "text that must not be blank" (a non-space character; for the second also no leading or
 * trailing space and no line break), with what a failure of the pattern means: src/plugins/input-guard.ts applies
 * isBlank to every request field that declares one, and src/plugins/errors.ts words their failures so.
 */
export const NOT_BLANK_PATTERNS: ReadonlyMap<string, string> = new Map([
  ['\\S', BLANK_TEXT_MESSAGE],
  ['^\\S(.*\\S)?$', 'must contain a visible character, and no space at either end or line break']
])
