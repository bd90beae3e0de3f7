import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { parse, type CsvError } from 'csv-parse'
import ExcelJS from 'exceljs'
import type { Cell } from './cleaning.js'

/** One row of a source sheet, numbered as the spreadsheet shows it (the header is usually row 1). */
export type SourceRow = { number: number, cells: Cell[] } | { number: number, error: string }

export interface SourceSheet { name: string, rows: AsyncIterable<SourceRow> }

export type SourceFormat = 'xlsx' | 'csv'

/** The file is not what its format says (a corrupt workbook, unreadable bytes). */
export class SourceReadError extends Error {
  override name = 'SourceReadError'
}

/** Turns the reading library's errors into SourceReadError, leaving the consumer's own errors as they are. */
async function * guarded<T> (source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]()
  while (true) {
    let next: IteratorResult<T>
    try {
      next = await iterator.next()
    } catch (error) {
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

/** Streams every worksheet of an .xlsx workbook with exceljs's WorkbookReader (rows are never all in memory). */
async function * readWorkbook (path: string, onBytes: (bytes: number) => void): AsyncGenerator<SourceSheet> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(countedStream(path, onBytes), {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore'
  })
  for await (const worksheet of guarded(reader)) {
    const name = (worksheet as unknown as { name?: string }).name ?? 'Sheet'
    yield {
      name,
      rows: (async function * () {
        for await (const row of guarded(worksheet)) {
          const values = Array.isArray(row.values) ? row.values.slice(1) : []
          yield { number: row.number, cells: Array.from(values, (value) => excelCell(value as ExcelValue)) }
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
  const parser = countedStream(path, onBytes).pipe(parse({
    bom: true, delimiter, relax_column_count: true, skip_empty_lines: false, skip_records_with_error: true, info: true
  }))
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
        yield { number: info.records + skipped, cells: record }
      }
      yield * skipsBefore(Number.POSITIVE_INFINITY)
    })()
  }
}

/** Every sheet of the source file, in file order. */
export function readSheets (path: string, format: SourceFormat, fileName: string, onBytes: (bytes: number) => void = () => {}): AsyncGenerator<SourceSheet> {
  return format === 'xlsx' ? readWorkbook(path, onBytes) : readCsv(path, basename(fileName), onBytes)
}
