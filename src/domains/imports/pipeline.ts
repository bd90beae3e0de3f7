import type { ObjectId } from 'mongodb'
import type { Cell, DateOrder } from './cleaning.js'
import { ImportState, createProcessor, type SheetProcessor } from './processors.js'
import { SourceReadError, readSheets, type SourceFormat, type SourceRow, type SourceSheet } from './readers.js'
import { ReportBuilder, type RejectedCell, type SheetReport } from './report.js'
import { cleanRow, isBlankRow } from './rows.js'
import { IMPORT_HEARTBEAT_MS, type ImportRunDocument, type ImportRunsRepository } from './runs-repository.js'
import { ImportLimitError } from './limits.js'
import { detectSheet, type ColumnIndex, type ColumnMapping, type SheetKind } from './sheets.js'
import { ImportWriter, type ImportTarget } from './writer.js'

export interface ImportOptions {
  dryRun: boolean
  dateOrder: DateOrder
  mapping: ColumnMapping
  /** For a CSV: which sheet it holds, when its headers do not say so. */
  sheet?: SheetKind
  /** Aborted: the import stops at the next row and its run is marked failed (server shutdown, CLI interrupted). */
  signal?: AbortSignal
}

export interface ImportSource { path: string, fileName: string, format: SourceFormat, size: number }

export interface ImportProgress { bytesRead: number, totalBytes: number, rows: number }

/** The file cannot be imported at all (no sheet recognised, unreadable file): nothing was written. */
export class ImportError extends Error {
  override name = 'ImportError'
}

/** The file is beyond IMPORT_LIMITS (too many columns, a cell too long, a workbook that expands too far): nothing was written. */
export class ImportTooLargeError extends ImportError {
  override name = 'ImportTooLargeError'
}

/** Sheets are imported in dependency order: customers and products first, so interactions find them. */
function passesFor (format: SourceFormat): SheetKind[][] {
  return format === 'xlsx' ? [['customers', 'topics'], ['interactions']] : [['customers', 'topics', 'interactions']]
}

/** Reading passes over the file: one that only checks IMPORT_LIMITS, then the importing ones. */
function readingPasses (format: SourceFormat): number {
  return passesFor(format).length + 1
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
    await this.checkLimits()
    await this.writer.loadChannels()
    const passes = passesFor(this.source.format)
    for (const [index, kinds] of passes.entries()) {
      const sheets = readSheets(this.source.path, this.source.format, this.source.fileName, (bytes) => this.progress(bytes), { workbookChecked: true })
      for await (const sheet of sheets) {
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

  /** Reads every row of every sheet once, writing nothing: a file beyond IMPORT_LIMITS is refused before any write. */
  private async checkLimits (): Promise<void> {
    for await (const sheet of readSheets(this.source.path, this.source.format, this.source.fileName, (bytes) => this.progress(bytes))) {
      for await (const row of sheet.rows) {
        void row
        this.options.signal?.throwIfAborted()
      }
    }
    this.bytesBefore += this.source.size
  }

  private progress (bytes: number): void {
    this.onProgress({ bytesRead: this.bytesBefore + bytes, totalBytes: this.source.size * readingPasses(this.source.format), rows: this.rows })
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
    // The report names at most 100 ignored columns, each by its first 100 characters.
    const ignoredColumns = headers.filter((name, index) => name.trim() !== '' && !used.has(index)).slice(0, 100).map((name) => name.slice(0, 100))
    const sheetReport = this.report.sheet(sheet.name.slice(0, 255), detection.kind, ignoredColumns)
    const processor = createProcessor(detection.kind, this.writer, this.state, sheetReport, this.report)
    try {
      await this.processRows(sheet, rows, detection.columns, processor, sheetReport)
    } catch (error) {
      await processor.settle().catch(() => {})
      throw error
    }
    await processor.flush()
  }

  private async processRows (
    sheet: SourceSheet, rows: AsyncIterator<SourceRow>, columns: ColumnIndex, processor: SheetProcessor<SheetKind>, sheetReport: SheetReport
  ): Promise<void> {
    const context = { dateOrder: this.options.dateOrder, knownChannels: this.writer.channelNames(), channelAllowed: (name: string) => this.writer.channelAllowed(name) }
    for (let next = await rows.next(); !next.done; next = await rows.next()) {
      const row = next.value
      this.options.signal?.throwIfAborted()
      if ('cells' in row && isBlankRow(row.cells)) continue
      sheetReport.read++
      this.rows++
      if ('error' in row) {
        sheetReport.rejected++
        this.report.reject({ sheet: sheet.name, row: row.number, column: '', value: '', reason: `unreadable CSV record: ${row.error}` })
        continue
      }
      const cleaned = cleanRow(processor.kind, columns, row.cells, context)
      if (cleaned.ok) {
        await processor.add(cleaned.record, row.cells, columns)
      } else {
        sheetReport.rejected++
        for (const problem of cleaned.problems) this.report.reject({ sheet: sheet.name, row: row.number, ...problem })
      }
      if (this.rejects.length >= 1000) await this.storeRejects()
    }
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

/** Why the import stopped, for its run: an abort names its reason, a limit or a read error its message. */
function failureOf (error: unknown, source: ImportSource): { message: string, error: unknown } {
  if (error instanceof ImportLimitError) {
    const message = error.message.startsWith(`${source.fileName} `) ? error.message : `${source.fileName}: ${error.message}`
    return { message, error: new ImportTooLargeError(message) }
  }
  if (error instanceof SourceReadError) {
    return { message: error.message, error: new ImportError(`${source.fileName} could not be read as ${source.format === 'xlsx' ? 'an .xlsx workbook' : 'CSV'}: ${error.message}`) }
  }
  return { message: error instanceof Error ? error.message : String(error), error }
}

/**
 * Imports one file into a client: checks it against IMPORT_LIMITS, reads it as a stream, cleans each row, upserts in
 * batches (or, in a dry run, only says what would change) and records the run with its report and every rejected
 * cell. A run that fails, is aborted or whose process stops is never left `running`: failures are recorded here, and
 * its heartbeat and owner let the next start-up find a run whose process died (runs-repository failInterrupted).
 */
export async function runImport (
  target: ImportTarget, runs: ImportRunsRepository, clientId: ObjectId, source: ImportSource, options: ImportOptions,
  onProgress: (progress: ImportProgress) => void = () => {}
): Promise<ImportRunDocument> {
  if (options.sheet && source.format !== 'csv') throw new ImportError('sheet applies to a CSV file only: a workbook\'s sheets are recognised by their headers')
  const run = await runs.start(clientId, { fileName: source.fileName, format: source.format, dryRun: options.dryRun, dateOrder: options.dateOrder, sheet: options.sheet })
  const heartbeat = setInterval(() => { runs.heartbeat(clientId, run._id).catch(() => {}) }, IMPORT_HEARTBEAT_MS)
  heartbeat.unref()
  const writer = new ImportWriter(target, clientId, options.dryRun, `import: ${source.fileName}`.slice(0, 200))
  const importRun = new ImportRun(writer, runs, run, source, options, onProgress)
  try {
    await importRun.execute()
  } catch (error) {
    const failure = failureOf(error, source)
    await importRun.storeRejects().catch(() => {})
    await runs.finish(clientId, run._id, { status: 'failed', summary: importRun.report.summary, error: failure.message }).finally(() => { runs.release(run._id) })
    throw failure.error
  } finally {
    clearInterval(heartbeat)
  }
  try {
    const finished = await runs.finish(clientId, run._id, { status: 'completed', summary: importRun.report.summary })
    return finished ?? run
  } finally {
    runs.release(run._id)
  }
}
