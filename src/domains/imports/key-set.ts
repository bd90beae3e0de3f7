/**
 * A set of 64-bit keys taken from the first 16 hex digits of a SHA-256 content key, in two typed arrays
 * (open addressing): 8 bytes per key, about 16 MB per million rows, instead of a string per key.
 * Two different keys sharing their first 64 bits (odds about 1 in 10^7 for 10^6 rows) would be taken as duplicates.
 */
export class KeySet {
  private high: Uint32Array
  private low: Uint32Array
  private used = 0

  constructor (capacity = 1024) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, capacity * 2)))
    this.high = new Uint32Array(size)
    this.low = new Uint32Array(size)
  }

  get size (): number {
    return this.used
  }

  /** Adds the key; false when it was already there. */
  add (hexKey: string): boolean {
    const high = Number.parseInt(hexKey.slice(0, 8), 16) >>> 0
    const low = (Number.parseInt(hexKey.slice(8, 16), 16) >>> 0) || 1
    if (!this.insert(high, low)) return false
    this.used++
    if (this.used * 2 > this.high.length) this.grow()
    return true
  }

  private insert (high: number, low: number): boolean {
    const mask = this.high.length - 1
    let slot = (high ^ Math.imul(low, 0x9e3779b1)) & mask
    while (this.low[slot] !== 0) {
      if (this.high[slot] === high && this.low[slot] === low) return false
      slot = (slot + 1) & mask
    }
    this.high[slot] = high
    this.low[slot] = low
    return true
  }

  private grow (): void {
    const { high, low } = this
    this.high = new Uint32Array(high.length * 2)
    this.low = new Uint32Array(low.length * 2)
    for (let slot = 0; slot < high.length; slot++) {
      if (low[slot] !== 0) this.insert(high[slot] as number, low[slot] as number)
    }
  }
}
