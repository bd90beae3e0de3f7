import {
  cellText, cleanChannel, cleanDateTime, cleanId, cleanMonth, cleanOptionalText, cleanRequiredText, type Cell, type ChannelNames, type Cleaned, type DateOrder
} from './cleaning.js'
import { MAX_ENGAGEMENTS } from '../engagements/repository.js'
import { sheetDefinitions, type ColumnIndex, type SheetKind } from './sheets.js'

export interface CustomerRecord { customerId: number, occupation?: string, type?: string }
export interface InteractionRecord { customerId: number, channel: string, date: Date }
export interface TopicRecord { month: string, product: string }

export interface RecordByKind { customers: CustomerRecord, interactions: InteractionRecord, topics: TopicRecord }

export interface CellProblem { column: string, value: string, reason: string }

export type RowResult<K extends SheetKind> = { ok: true, record: RecordByKind[K] } | { ok: false, problems: CellProblem[] }

export interface RowContext {
  dateOrder: DateOrder
  /** Channel names the client already has (and new ones met earlier in the import), for case-insensitive matching. */
  knownChannels: ChannelNames | Iterable<string>
  /** False for a new channel the client has no room for (MAX_ENGAGEMENTS); absent: every channel is allowed. */
  channelAllowed?: (name: string) => boolean
}

/** True when every cell of the row is empty (such rows are skipped, as a spreadsheet user would expect). */
export function isBlankRow (cells: Cell[]): boolean {
  return cells.every((cell) => cellText(cell) === '')
}

class RowCleaner<K extends SheetKind> {
  readonly problems: CellProblem[] = []
  constructor (private readonly kind: K, private readonly columns: ColumnIndex, private readonly cells: Cell[]) {}

  cell (field: string): Cell {
    const index = this.columns[field]
    return index === undefined ? undefined : this.cells[index]
  }

  take<T> (field: string, clean: (cell: Cell) => Cleaned<T>): T {
    const cell = this.cell(field)
    const result = clean(cell)
    if (result.ok) return result.value
    this.problems.push({ column: sheetDefinitions[this.kind].columns[field] as string, value: cellText(cell).slice(0, 100), reason: result.reason })
    return undefined as T
  }

  result (record: RecordByKind[K]): RowResult<K> {
    return this.problems.length > 0 ? { ok: false, problems: this.problems } : { ok: true, record }
  }
}

function withoutUndefined<T extends object> (record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T
}

const cleaners: { [K in SheetKind]: (row: RowCleaner<K>, context: RowContext) => RowResult<K> } = {
  customers: (row) => row.result(withoutUndefined({
    customerId: row.take('customerId', cleanId),
    occupation: row.take('occupation', (cell) => cleanOptionalText(cell, 200)),
    type: row.take('type', (cell) => cleanOptionalText(cell, 100))
  })),
  interactions: (row, context) => row.result({
    date: row.take('date', (cell) => cleanDateTime(cell, context.dateOrder)),
    channel: row.take('channel', (cell) => {
      const channel = cleanChannel(cell, context.knownChannels)
      return !channel.ok || (context.channelAllowed?.(channel.value) ?? true) ? channel : { ok: false, reason: `would be a new channel, and the client has ${MAX_ENGAGEMENTS} already (the most it can have)` }
    }),
    customerId: row.take('customerId', cleanId)
  }),
  topics: (row) => row.result({
    month: row.take('month', cleanMonth),
    product: row.take('product', (cell) => cleanRequiredText(cell, 100))
  })
}

/** Cleans one data row of a sheet into its record, or lists every cell that stops it. */
export function cleanRow<K extends SheetKind> (kind: K, columns: ColumnIndex, cells: Cell[], context: RowContext): RowResult<K> {
  return cleaners[kind](new RowCleaner(kind, columns, cells), context)
}
