import type { ImportRunDocument } from './runs-repository.js'
import { emptyCounts, type RejectedCell, type SheetCounts } from './report.js'
import type { ImportReport, ImportRun } from './schemas.js'

function totalsOf (sheets: SheetCounts[]): SheetCounts {
  const totals = emptyCounts()
  for (const sheet of sheets) {
    for (const key of Object.keys(totals) as (keyof SheetCounts)[]) totals[key] += sheet[key]
  }
  return totals
}

/** An import run as the API shows it (without the rejected cells). */
export function toImportRun (doc: ImportRunDocument): ImportRun {
  const summary = doc.summary
  const sheets = summary?.sheets ?? []
  return {
    id: doc._id.toHexString(),
    fileName: doc.fileName,
    format: doc.format,
    dryRun: doc.dryRun,
    dateOrder: doc.dateOrder,
    sheet: doc.sheet ?? null,
    status: doc.status,
    error: doc.error ?? null,
    startedAt: doc.startedAt.toISOString(),
    finishedAt: doc.finishedAt?.toISOString() ?? null,
    totals: totalsOf(sheets),
    sheets,
    skippedSheets: summary?.skippedSheets ?? [],
    newChannels: summary?.newChannels ?? [],
    inferredCustomerIds: summary?.inferredCustomerIds ?? [],
    rejectsTotal: summary?.rejectsTotal ?? 0,
    rejectsCsv: `/api/v1/imports/${doc._id.toHexString()}/rejects.csv`
  }
}

/** The full report of an import: the run and its first rejected cells (in file order). */
export function toImportReport (doc: ImportRunDocument, rejects: RejectedCell[]): ImportReport {
  return { ...toImportRun(doc), rejects: rejects.map(({ sheet, row, column, value, reason }) => ({ sheet, row, column, value, reason })) }
}
