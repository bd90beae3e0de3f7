import { Transform, type TransformCallback } from 'node:stream'
import type { Cell } from './cleaning.js'
import { IMPORT_LIMITS, tooMany } from './limits.js'

const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d

/**
 * Passes a CSV's bytes on unchanged while counting, per record, its bytes and its delimiters outside quotes, so that a
 * record longer than IMPORT_LIMITS.rowCharacters bytes or wider than IMPORT_LIMITS.columns columns stops the read
 * before the parser builds it (a 1.5-million-column header would otherwise become a 1.5-million-element array).
 * UTF-8 never uses these ASCII bytes inside a multi-byte character, so bytes can be scanned without decoding.
 */
export class RecordGuard extends Transform {
  private readonly delimiter: number
  private quoted = false
  private bytes = 0
  private delimiters = 0
  private records = 1

  constructor (delimiter: string, private readonly sheet: string) {
    super()
    this.delimiter = delimiter.charCodeAt(0)
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index] as number
      this.bytes++
      if (byte === QUOTE) {
        this.quoted = !this.quoted
      } else if (!this.quoted && (byte === LF || byte === CR)) {
        if (byte === LF) this.records++
        this.bytes = 0
        this.delimiters = 0
      } else if (!this.quoted && byte === this.delimiter && ++this.delimiters >= IMPORT_LIMITS.columns) {
        return callback(tooMany('columns', IMPORT_LIMITS.columns, `${this.sheet} row ${this.records}`))
      }
      if (this.bytes > IMPORT_LIMITS.rowCharacters) {
        return callback(tooMany('bytes in one row', IMPORT_LIMITS.rowCharacters, `${this.sheet} row ${this.records}`))
      }
    }
    callback(null, chunk)
  }
}

/** Refuses a row beyond IMPORT_LIMITS: too many columns, a cell or the whole row too long. */
export function checkRow (cells: Cell[], where: string): void {
  if (cells.length > IMPORT_LIMITS.columns) throw tooMany('columns', IMPORT_LIMITS.columns, where)
  let characters = 0
  for (const cell of cells) {
    const length = typeof cell === 'string' ? cell.length : 0
    if (length > IMPORT_LIMITS.cellCharacters) throw tooMany('characters in one cell', IMPORT_LIMITS.cellCharacters, where)
    characters += length
  }
  if (characters > IMPORT_LIMITS.rowCharacters) throw tooMany('characters in one row', IMPORT_LIMITS.rowCharacters, where)
}
