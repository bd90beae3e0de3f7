/** What one import may hold (README, Imports): every cap is checked before anything of the file is written. */
export const IMPORT_LIMITS = {
  /** Columns of one row, the header included (the seed sheets have three; wide CRM exports a few hundred). */
  columns: 1000,
  /** Characters of one cell: Excel's own limit for a cell. */
  cellCharacters: 32_767,
  /** Characters of one row, all its cells together. */
  rowCharacters: 1024 * 1024,
  /** Shared strings of a workbook (the distinct texts of its cells), and their characters in all. */
  sharedStrings: 1_000_000,
  sharedStringCharacters: 32 * 1024 * 1024,
  /** Parts (files) inside an .xlsx, and their size once uncompressed, in all and for the shared strings part. */
  workbookParts: 10_000,
  uncompressedBytes: 512 * 1024 * 1024,
  sharedStringsBytes: 64 * 1024 * 1024
} as const

const count = (value: number) => value.toLocaleString('en-US')

/** The file is beyond one of IMPORT_LIMITS: a 400 that names the limit; nothing was written. */
export class ImportLimitError extends Error {
  override name = 'ImportLimitError'
}

export function tooMany (what: string, limit: number, where = ''): ImportLimitError {
  return new ImportLimitError(`${where}${where ? ': ' : ''}more than ${count(limit)} ${what} (the most an import takes)`)
}
