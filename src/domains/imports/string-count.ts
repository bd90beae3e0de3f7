/** Tokens after which no `<si>` counts, and how each ends. */
const SKIPPED = [{ start: '<!--', end: '-->' }, { start: '<![CDATA[', end: ']]>' }, { start: '<?', end: '?>' }]
/** Enough characters after a `<` to tell which token it starts. */
const LOOKAHEAD = 9

/**
 * Counts the `<si>` elements of a workbook's shared-strings part as its inflated bytes go by (decoded as latin1: every
 * tag is ASCII), so that a workbook holding more strings than an import takes is refused before any XML is parsed.
 * Comments, CDATA sections and processing instructions are skipped. A prefixed tag (`<x:si>`) is not counted: the
 * reader still counts every string it parses, so this count can only refuse early, never let more in.
 */
export class StringTagCounter {
  count = 0
  private carry = ''
  /** The end of the token being skipped, if any. */
  private skipping: string | undefined

  push (chunk: string): void {
    const text = this.carry + chunk
    this.carry = ''
    let at = 0
    while (at < text.length) {
      if (this.skipping !== undefined) {
        const end = text.indexOf(this.skipping, at)
        if (end < 0) {
          this.carry = text.slice(Math.max(at, text.length - this.skipping.length + 1))
          return
        }
        at = end + this.skipping.length
        this.skipping = undefined
        continue
      }
      const open = text.indexOf('<', at)
      if (open < 0) return
      if (text.length - open < LOOKAHEAD) {
        this.carry = text.slice(open)
        return
      }
      const skipped = SKIPPED.find((token) => text.startsWith(token.start, open))
      if (skipped !== undefined) {
        this.skipping = skipped.end
        at = open + skipped.start.length
        continue
      }
      if (text.startsWith('<si', open) && ' \t\r\n/>'.includes(text.charAt(open + 3))) this.count++
      at = open + 1
    }
  }
}
