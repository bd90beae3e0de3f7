import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { pipeline } from 'node:stream'
import { parse, type CsvError } from 'csv-parse'
import type ExcelJS from 'exceljs'
import type { Cell } from './cleaning.js'
import { RecordGuard, checkRow } from './guards.js'
import { IMPORT_LIMITS, ImportLimitError, tooMany } from './limits.js'
import { WorkbookFormatError, checkWorkbook } from './workbook-check.js'

/** One row of a source sheet, numbered as the spreadsheet shows it (the header is usually row 1). */
export type SourceRow = { number: number, cells: Cell[] } | { number: number, error: string }

export interface SourceSheet { name: string, rows: AsyncIterable<SourceRow> }

export type SourceFormat = 'xlsx' | 'csv'

/** The file is not what its format says (a corrupt workbook, unreadable bytes). */
export class SourceReadError extends Error {
  override name = 'SourceReadError'
}

/** Turns the reading library's errors into SourceReadError, leaving the consumer's own errors (and a limit reached) as they are. */
async function * guarded<T> (source: AsyncIterable<T> | AsyncIterator<T>): AsyncGenerator<T> {
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source
  while (true) {
    let next: IteratorResult<T>
    try {
      next = await iterator.next()
    } catch (error) {
      if (error instanceof ImportLimitError) throw error
      throw new SourceReadError(error instanceof Error ? error.message : String(error), { cause: error })
    }
    if (next.done) return
    yield next.value
  }
}

export function formatOf (fileName: string): SourceFormat | undefined {
  const extension = extname(fileName).toLowerCase()
  if (extension === '.xlsx') return 'xlsx'
  if (extension === '.csv' || extension === '.txt') return 'csv'
  return undefined
}

/** A file stream that reports how many bytes were read so far (for progress). */
function countedStream (path: string, onBytes: (bytes: number) => void) {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 })
  let bytes = 0
  stream.on('data', (chunk) => {
    bytes += chunk.length
    onBytes(bytes)
  })
  return stream
}

type ExcelValue = ExcelJS.CellValue | undefined

/** An exceljs cell value as a plain cell: rich text joined, formulas give their result, links their text. */
export function excelCell (value: ExcelValue): Cell {
  if (value === null || value === undefined) return null
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value
  if ('richText' in value) return value.richText.map((part) => part.text).join('')
  if ('formula' in value || 'sharedFormula' in value) return excelCell((value as { result?: ExcelValue }).result)
  if ('text' in value) return typeof value.text === 'string' ? value.text : excelCell(value.text as ExcelValue)
  if ('error' in value) return String(value.error)
  return null
}

/** A workbook's shared strings (the texts its cells refer to), kept within IMPORT_LIMITS as they are read. */
class SharedStrings {
  readonly values: unknown[] = []
  private characters = 0

  add (text: unknown): void {
    const plain = excelCell(text as ExcelValue)
    this.characters += typeof plain === 'string' ? plain.length : 0
    if (this.values.length >= IMPORT_LIMITS.sharedStrings) throw tooMany('shared strings in the workbook', IMPORT_LIMITS.sharedStrings)
    if (this.characters > IMPORT_LIMITS.sharedStringCharacters) throw tooMany('characters of shared strings', IMPORT_LIMITS.sharedStringCharacters)
    this.values.push(text)
  }
}

interface WorkbookInternals { parse (): AsyncIterator<{ eventType?: string, value?: unknown, index?: number, text?: unknown }>, sharedStrings?: unknown[] }

/**
 * Streams every worksheet of an .xlsx workbook with exceljs's WorkbookReader (rows are never all in memory), once its
 * zip directory has been checked against IMPORT_LIMITS. Shared strings are taken one by one (exceljs's `emit` mode) so
 * that their number and size are bounded while they are read; every row is checked before it is handed on.
 */
async function * readWorkbook (path: string, onBytes: (bytes: number) => void, checked: boolean): AsyncGenerator<SourceSheet> {
  try {
    if (!checked) await checkWorkbook(path)
  } catch (error) {
    if (error instanceof WorkbookFormatError) throw new SourceReadError(error.message, { cause: error })
    throw error
  }
  // exceljs takes a quarter of a second to load: only a process that reads a workbook loads it.
  const { default: excel } = await import('exceljs')
  // exceljs's streaming reader now and then fails on a sound workbook whose workbook.xml comes after its sheets (as
  // exceljs itself writes them) before it has handed on any sheet (exceljs#962): such a failure is tried once more.
  for (let attempt = 1; ; attempt++) {
    let handedOn = false
    try {
      for await (const sheet of workbookSheets(excel, path, onBytes)) {
        handedOn = true
        yield sheet
      }
      return
    } catch (error) {
      const libraryFault = error instanceof SourceReadError && error.cause instanceof TypeError
      if (handedOn || attempt > 1 || !libraryFault) throw error
    }
  }
}

async function * workbookSheets (excel: typeof ExcelJS, path: string, onBytes: (bytes: number) => void): AsyncGenerator<SourceSheet> {
  const reader = new excel.stream.xlsx.WorkbookReader(countedStream(path, onBytes), {
    worksheets: 'emit', sharedStrings: 'emit', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore'
  }) as unknown as WorkbookInternals
  const strings = new SharedStrings()
  for await (const item of guarded(reader.parse())) {
    if (item.eventType === undefined && item.index !== undefined) {
      strings.add(item.text)
      reader.sharedStrings = strings.values
      continue
    }
    if (item.eventType !== 'worksheet') continue
    const worksheet = item.value as ExcelJS.stream.xlsx.WorksheetReader & { name?: string }
    const name = worksheet.name ?? 'Sheet'
    yield {
      name,
      rows: (async function * () {
        for await (const row of guarded(worksheet)) {
          const values = Array.isArray(row.values) ? row.values.slice(1) : []
          const cells = Array.from(values, (value) => excelCell(value as ExcelValue))
          checkRow(cells, `${name} row ${row.number}`)
          yield { number: row.number, cells }
        }
      })()
    }
  }
}

/** The delimiter of a CSV's first line (outside quotes): the most frequent of comma, semicolon and tab. */
export function sniffDelimiter (sample: string): string {
  const counts = new Map([[',', 0], [';', 0], ['\t', 0]])
  let quoted = false
  for (const char of sample) {
    if (char === '"') quoted = !quoted
    else if (!quoted && (char === '\n' || char === '\r')) break
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1)
  }
  return [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0]
}

async function readSample (path: string, size = 64 * 1024): Promise<string> {
  const file = await open(path)
  try {
    const buffer = Buffer.alloc(size)
    const { bytesRead } = await file.read(buffer, 0, size, 0)
    return buffer.subarray(0, bytesRead).toString('utf8')
  } finally {
    await file.close()
  }
}

/**
 * Streams a CSV export as one sheet named after the file. A malformed record (a broken quote) becomes an error row
 * and reading goes on; rows are numbered as a spreadsheet shows them, counting malformed records.
 */
async function * readCsv (path: string, name: string, onBytes: (bytes: number) => void): AsyncGenerator<SourceSheet> {
  const delimiter = sniffDelimiter(await readSample(path))
  const parser = parse({
    bom: true, delimiter, relax_column_count: true, skip_empty_lines: false, skip_records_with_error: true, info: true,
    max_record_size: IMPORT_LIMITS.rowCharacters
  })
  // The guard bounds a record's bytes and columns before the parser builds it; its error ends the parse.
  pipeline(countedStream(path, onBytes), new RecordGuard(delimiter, name), parser, () => {})
  const skips: { afterRecords: number, message: string }[] = []
  parser.on('skip', (error: CsvError) => { skips.push({ afterRecords: Number(error.records ?? 0), message: error.message }) })
  let skipped = 0
  function * skipsBefore (records: number): Generator<SourceRow> {
    while (skips.length > 0 && (skips[0] as { afterRecords: number }).afterRecords < records) {
      const skip = skips.shift() as { afterRecords: number, message: string }
      skipped++
      yield { number: skip.afterRecords + skipped, error: skip.message }
    }
  }
  yield {
    name,
    rows: (async function * () {
      for await (const { record, info } of guarded(parser as AsyncIterable<{ record: string[], info: { records: number } }>)) {
        yield * skipsBefore(info.records)
        checkRow(record, `${name} row ${info.records + skipped}`)
        yield { number: info.records + skipped, cells: record }
      }
      yield * skipsBefore(Number.POSITIVE_INFINITY)
    })()
  }
}

/**
 * Every sheet of the source file, in file order. `workbookChecked`: an earlier read of this same file has checked its
 * zip directory already (each read checks rows and shared strings anyway).
 */
export function readSheets (
  path: string, format: SourceFormat, fileName: string, onBytes: (bytes: number) => void = () => {}, { workbookChecked = false } = {}
): AsyncGenerator<SourceSheet> {
  return format === 'xlsx' ? readWorkbook(path, onBytes, workbookChecked) : readCsv(path, basename(fileName), onBytes)
}
