/**
 * The order of index keys (keys.ts) under a collation. Intl exposes no sort keys, so a collated index keeps the same
 * byte encodings and its B+ tree compares them with this function instead of `<`: field by field as they are encoded,
 * except that strings, at any depth, compare under the collation (field names of documents stay binary, as in mongod).
 * Where a key ends, reaches a bound's AFTER (keys.ts) or holds a truncated encoding, the rest compares as bytes.
 */
import { TAG, skipBody } from './keys.js'

export type KeyCompare = (a: string, b: string) => number
type Strings = (a: string, b: string) => number

const AFTER_CODE = 0xffff

// `===` settles what `<` did not faster than `>` would (V8 compares equal-length flat strings with memcmp).
export const binaryCompare: KeyCompare = (a, b) => (a < b ? -1 : a === b ? 0 : 1)

class Comparer {
  private a = ''
  private b = ''
  private i = 0
  private j = 0
  /** Set once the comparison was settled on the remaining bytes. */
  private settled = false
  private bytes = Buffer.allocUnsafe(256)

  constructor (private readonly directions: Array<1 | -1>, private readonly strings: Strings) {}

  compare (a: string, b: string): number {
    this.a = a
    this.b = b
    this.i = 0
    this.j = 0
    this.settled = false
    for (let f = 0; f < this.directions.length; f++) {
      const c = this.value(this.directions[f] < 0)
      if (this.settled || c !== 0) return c
    }
    return binaryCompare(a.slice(this.i), b.slice(this.j))
  }

  private settle (): number {
    this.settled = true
    return binaryCompare(this.a.slice(this.i), this.b.slice(this.j))
  }

  /** True when either key has no whole value left at its position. */
  private atEdge (): boolean {
    return this.i >= this.a.length || this.j >= this.b.length || this.a.charCodeAt(this.i) === AFTER_CODE || this.b.charCodeAt(this.j) === AFTER_CODE
  }

  /** One tagged value: different types order by their tags (inverted for a descending field), equal ones by body. */
  private value (inv: boolean): number {
    if (this.atEdge()) return this.settle()
    const ca = this.a.charCodeAt(this.i)
    const cb = this.b.charCodeAt(this.j)
    if (ca !== cb) return ca < cb ? -1 : 1
    this.i++
    this.j++
    return this.body(inv ? 255 - ca : ca, inv)
  }

  private body (tag: number, inv: boolean): number {
    switch (tag) {
      case TAG.string: return this.text(inv)
      case TAG.array: return this.sequence(inv, false)
      case TAG.object: return this.sequence(inv, true)
    }
    // Numbers, dates, ids…: their encodings already sort as the values do.
    const endA = skipBody(this.a, tag, this.i, inv)
    const endB = skipBody(this.b, tag, this.j, inv)
    if (endA > this.a.length || endB > this.b.length) return this.settle()
    const c = binaryCompare(this.a.slice(this.i, endA), this.b.slice(this.j, endB))
    this.i = endA
    this.j = endB
    return c
  }

  /** The string encoded at `pos`, and where its encoding ends; undefined when it is truncated. */
  private decode (key: string, pos: number, inv: boolean): { s: string, end: number } | undefined {
    let n = 0
    let p = pos
    for (;;) {
      if (p >= key.length) return undefined
      const raw = key.charCodeAt(p)
      if (raw > 255) return undefined
      const c = inv ? 255 - raw : raw
      if (c === 0) break
      let byte = c
      if (c === 1) {
        if (p + 1 >= key.length) return undefined
        byte = (inv ? 255 - key.charCodeAt(p + 1) : key.charCodeAt(p + 1)) - 1
        p++
      }
      if (n >= this.bytes.length) this.bytes = Buffer.concat([this.bytes, Buffer.allocUnsafe(this.bytes.length)])
      this.bytes[n++] = byte
      p++
    }
    return { s: this.bytes.toString('utf8', 0, n), end: p + 1 }
  }

  private text (inv: boolean): number {
    const x = this.decode(this.a, this.i, inv)
    const y = x === undefined ? undefined : this.decode(this.b, this.j, inv)
    if (x === undefined || y === undefined) return this.settle()
    const c = this.strings(x.s, y.s)
    this.i = x.end
    this.j = y.end
    return inv ? -c : c
  }

  /** An array (values) or a document (tag, name, value per element), each ended by a zero byte. */
  private sequence (inv: boolean, named: boolean): number {
    const end = inv ? 255 : 0
    for (;;) {
      if (this.atEdge()) return this.settle()
      const ca = this.a.charCodeAt(this.i)
      const cb = this.b.charCodeAt(this.j)
      if (ca === end && cb === end) {
        this.i++
        this.j++
        return 0
      }
      if (ca !== cb) return ca < cb ? -1 : 1
      const c = named ? this.element(inv ? 255 - ca : ca, inv) : this.value(inv)
      if (this.settled || c !== 0) return c
    }
  }

  /** One element of a document (its tag is equal in both): the name as bytes, then the value. */
  private element (tag: number, inv: boolean): number {
    const nameA = this.decode(this.a, this.i + 1, inv)
    const nameB = nameA === undefined ? undefined : this.decode(this.b, this.j + 1, inv)
    if (nameA === undefined || nameB === undefined) return this.settle()
    const c = binaryCompare(this.a.slice(this.i + 1, nameA.end), this.b.slice(this.j + 1, nameB.end))
    if (c !== 0) return c
    this.i = nameA.end
    this.j = nameB.end
    return this.body(tag, inv)
  }
}

/** The comparison of an index's keys under a collation (`directions`: the index's fields, -1 for descending). */
export function collatedKeyCompare (directions: Array<1 | -1>, strings: Strings): KeyCompare {
  const comparer = new Comparer(directions, strings)
  return (a, b) => comparer.compare(a, b)
}
