import type { SheetKind } from './sheets.js'

export interface SheetCounts {
  read: number
  inserted: number
  updated: number
  unchanged: number
  duplicates: number
  rejected: number
  inferredCustomers: number
}

export interface SheetReport extends SheetCounts {
  sheet: string
  kind: SheetKind
  ignoredColumns: string[]
}

export interface RejectedCell { sheet: string, row: number, column: string, value: string, reason: string }

export interface ImportSummary {
  sheets: SheetReport[]
  skippedSheets: { sheet: string, reason: string }[]
  newChannels: string[]
  inferredCustomerIds: number[]
  rejectsTotal: number
}

/** How many rejected cells and inferred customer ids the JSON report lists; the CSV download has every reject. */
export const REPORT_LIST_LIMIT = 1000

export function emptyCounts (): SheetCounts {
  return { read: 0, inserted: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 0, inferredCustomers: 0 }
}

/** Collects what an import did, keeping bounded lists; every reject goes to `onReject` (stored with the run). */
export class ReportBuilder {
  readonly summary: ImportSummary = { sheets: [], skippedSheets: [], newChannels: [], inferredCustomerIds: [], rejectsTotal: 0 }

  constructor (private readonly onReject: (reject: RejectedCell) => void = () => {}) {}

  sheet (sheet: string, kind: SheetKind, ignoredColumns: string[]): SheetReport {
    const report: SheetReport = { sheet, kind, ignoredColumns, ...emptyCounts() }
    this.summary.sheets.push(report)
    return report
  }

  skipSheet (sheet: string, reason: string): void {
    this.summary.skippedSheets.push({ sheet, reason })
  }

  reject (reject: RejectedCell): void {
    this.summary.rejectsTotal++
    this.onReject(reject)
  }

  newChannel (name: string): void {
    this.summary.newChannels.push(name)
  }

  inferredCustomers (sheet: SheetReport, ids: number[]): void {
    sheet.inferredCustomers += ids.length
    const room = REPORT_LIST_LIMIT - this.summary.inferredCustomerIds.length
    this.summary.inferredCustomerIds.push(...ids.slice(0, Math.max(0, room)))
  }
}

export const REJECTS_CSV_COLUMNS = ['sheet', 'row', 'column', 'value', 'reason']

export function rejectCsvRow (reject: RejectedCell): [string, number, string, string, string] {
  return [reject.sheet, reject.row, reject.column, reject.value, reject.reason]
}
