import type { ObjectId } from 'mongodb'
import type { Cell, DateOrder } from './cleaning.js'
import { ImportState, createProcessor } from './processors.js'
import { SourceReadError, readSheets, type SourceFormat, type SourceSheet } from './readers.js'
import { ReportBuilder, type RejectedCell } from './report.js'
import { cleanRow, isBlankRow } from './rows.js'
import type { ImportRunDocument, ImportRunsRepository } from './runs-repository.js'
import { detectSheet, type ColumnMapping, type SheetKind } from './sheets.js'
import { ImportWriter, type ImportTarget } from './writer.js'

export interface ImportOptions {
  dryRun: boolean
  dateOrder: DateOrder
  mapping: ColumnMapping
  /** For a CSV: which sheet it holds, when its headers do not say so. */
  sheet?: SheetKind
}

export interface ImportSource { path: string, fileName: string, format: SourceFormat, size: number }

export interface ImportProgress { bytesRead: number, totalBytes: number, rows: number }

/** The file cannot be imported at all (no sheet recognised, unreadable file): nothing was written. */
export class ImportError extends Error {
  override name = 'ImportError'
}

/** Sheets are imported in dependency order: customers and products first, so interactions find them. */
function passesFor (format: SourceFormat): SheetKind[][] {
  return format === 'xlsx' ? [['customers', 'topics'], ['interactions']] : [['customers', 'topics', 'interactions']]
}

class ImportRun {
  readonly state = new ImportState()
  readonly report: ReportBuilder
  private rejects: RejectedCell[] = []
  private rejectsStored = 0
  private rows = 0
  private bytesBefore = 0
  private recognised = 0

  constructor (
    private readonly writer: ImportWriter,
    private readonly runs: ImportRunsRepository,
    private readonly run: ImportRunDocument,
    private readonly source: ImportSource,
    private readonly options: ImportOptions,
    private readonly onProgress: (progress: ImportProgress) => void
  ) {
    this.report = new ReportBuilder((reject) => this.rejects.push(reject))
  }

  async execute (): Promise<void> {
    await this.writer.loadChannels()
    const passes = passesFor(this.source.format)
    for (const [index, kinds] of passes.entries()) {
      for await (const sheet of readSheets(this.source.path, this.source.format, this.source.fileName, (bytes) => this.progress(bytes))) {
        await this.importSheet(sheet, kinds, index === 0)
      }
      this.bytesBefore += this.source.size
    }
    await this.storeRejects()
    if (this.recognised === 0) {
      const reasons = this.report.summary.skippedSheets.map((sheet) => `${sheet.sheet}: ${sheet.reason}`).join('; ')
      throw new ImportError(`No sheet of ${this.source.fileName} could be imported (${reasons || 'the file is empty'})`)
    }
  }

  private progress (bytes: number): void {
    this.onProgress({ bytesRead: this.bytesBefore + bytes, totalBytes: this.source.size * passesFor(this.source.format).length, rows: this.rows })
  }

  private async importSheet (sheet: SourceSheet, kinds: SheetKind[], firstPass: boolean): Promise<void> {
    const rows = sheet.rows[Symbol.asyncIterator]()
    let header: { number: number, cells: Cell[] } | undefined
    for (let next = await rows.next(); !next.done; next = await rows.next()) {
      if ('cells' in next.value && !isBlankRow(next.value.cells)) {
        header = next.value
        break
      }
    }
    const headers = (header?.cells ?? []).map((cell) => (cell === null || cell === undefined ? '' : String(cell)))
    const detection = detectSheet(headers, this.options.mapping, this.options.sheet)
    if (!detection.ok) {
      if (firstPass) this.report.skipSheet(sheet.name, header ? detection.reason : 'the sheet is empty')
      return drain(rows)
    }
    if (!kinds.includes(detection.kind)) return drain(rows)
    this.recognised++
    const used = new Set(Object.values(detection.columns))
    const ignoredColumns = headers.filter((name, index) => name.trim() !== '' && !used.has(index))
    const sheetReport = this.report.sheet(sheet.name, detection.kind, ignoredColumns)
    const processor = createProcessor(detection.kind, this.writer, this.state, sheetReport, this.report)
    const context = { dateOrder: this.options.dateOrder, knownChannels: { [Symbol.iterator]: () => this.writer.channelNames() } }
    for (let next = await rows.next(); !next.done; next = await rows.next()) {
      const row = next.value
      if ('cells' in row && isBlankRow(row.cells)) continue
      sheetReport.read++
      this.rows++
      if ('error' in row) {
        sheetReport.rejected++
        this.report.reject({ sheet: sheet.name, row: row.number, column: '', value: '', reason: `unreadable CSV record: ${row.error}` })
        continue
      }
      const cleaned = cleanRow(detection.kind, detection.columns, row.cells, context)
      if (cleaned.ok) {
        await processor.add(cleaned.record, row.cells, detection.columns)
      } else {
        sheetReport.rejected++
        for (const problem of cleaned.problems) this.report.reject({ sheet: sheet.name, row: row.number, ...problem })
      }
      if (this.rejects.length >= 1000) await this.storeRejects()
    }
    await processor.flush()
  }

  async storeRejects (): Promise<void> {
    const batch = this.rejects
    this.rejects = []
    await this.runs.appendRejects(this.run.clientId, this.run._id, this.rejectsStored + 1, batch)
    this.rejectsStored += batch.length
  }
}

async function drain (rows: AsyncIterator<unknown>): Promise<void> {
  for (let next = await rows.next(); !next.done; next = await rows.next());
}

/**
 * Imports one file into a client: reads it as a stream, cleans each row, upserts in batches (or, in a dry run,
 * only says what would change) and records the run with its report and every rejected cell.
 */
export async function runImport (
  target: ImportTarget, runs: ImportRunsRepository, clientId: ObjectId, source: ImportSource, options: ImportOptions,
  onProgress: (progress: ImportProgress) => void = () => {}
): Promise<ImportRunDocument> {
  if (options.sheet && source.format !== 'csv') throw new ImportError('sheet applies to a CSV file only: a workbook\'s sheets are recognised by their headers')
  const run = await runs.start(clientId, { fileName: source.fileName, format: source.format, dryRun: options.dryRun, dateOrder: options.dateOrder, sheet: options.sheet })
  const writer = new ImportWriter(target, clientId, options.dryRun, `import: ${source.fileName}`.slice(0, 200))
  const importRun = new ImportRun(writer, runs, run, source, options, onProgress)
  try {
    await importRun.execute()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    await importRun.storeRejects().catch(() => {})
    await runs.finish(clientId, run._id, { status: 'failed', summary: importRun.report.summary, error: message })
    if (error instanceof SourceReadError) throw new ImportError(`${source.fileName} could not be read as ${source.format === 'xlsx' ? 'an .xlsx workbook' : 'CSV'}: ${message}`)
    throw error
  }
  const finished = await runs.finish(clientId, run._id, { status: 'completed', summary: importRun.report.summary })
  return finished ?? run
}
