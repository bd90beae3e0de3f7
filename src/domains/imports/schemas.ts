import { Type, type Static } from '@sinclair/typebox'
import { IntegerId, IsoDateTime, ObjectIdString, PageQuerySchema } from '../../schemas/common.js'

/** A string enum (one clear validation message, unlike a union of literals). */
function StringEnum<T extends string> (values: readonly T[], options: { description?: string } = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options })
}

const SheetKindSchema = StringEnum(['customers', 'interactions', 'topics'] as const, {
  description: 'customers = "Customers", interactions = "External interactions", topics = "Products of discussion"'
})
const DateOrderSchema = StringEnum(['day-first', 'month-first'] as const, {
  description: 'How to read dd/mm/yyyy-like dates: 04/10/2019 is 4 October (day-first, the default) or 10 April (month-first). ISO 8601 and Excel serial dates are read either way.'
})

const importOptions = {
  dry_run: Type.Optional(Type.Boolean({ description: 'true: produce the full report and write nothing (default false)' })),
  date_order: Type.Optional(DateOrderSchema),
  sheet: Type.Optional(SheetKindSchema),
  mapping: Type.Optional(Type.String({
    minLength: 2,
    maxLength: 20000,
    description: 'Column renames as JSON: {"<sheet>": {"<source header>": "<seed header>"}}, e.g. {"Customers": {"Client Ref": "Customer_Id"}}'
  }))
}

export const ImportQuerySchema = Type.Object(importOptions, { additionalProperties: false })
export type ImportQuery = Static<typeof ImportQuerySchema>

export const ImportBodySchema = Type.Object({
  file: Type.Unsafe<string>({ type: 'string', format: 'binary', description: 'The .xlsx workbook or .csv file' }),
  ...importOptions
}, { additionalProperties: false, description: 'multipart/form-data: the file, and any option as a form field (a field wins over the same query parameter)' })

export const CountsSchema = Type.Object({
  read: Type.Integer({ description: 'Data rows read (blank rows are skipped)' }),
  inserted: Type.Integer(),
  updated: Type.Integer({ description: 'Stored records this import changed (a corrected occupation, an inferred customer now recorded)' }),
  unchanged: Type.Integer({ description: 'Rows already stored exactly so' }),
  duplicates: Type.Integer({ description: 'Rows repeating an earlier row of this import (counted once)' }),
  rejected: Type.Integer({ description: 'Rows not imported; each of their bad cells is in rejects' }),
  inferredCustomers: Type.Integer({ description: 'Customers created only because an interaction referenced them' })
})

export const SheetReportSchema = Type.Composite([Type.Object({
  sheet: Type.String({ description: 'The worksheet name, or the CSV file name' }),
  kind: SheetKindSchema,
  ignoredColumns: Type.Array(Type.String(), { description: 'Columns the import does not use (the first 100, each by its first 100 characters)' })
}), CountsSchema], { title: 'ImportSheetReport' })

export const RejectSchema = Type.Object({
  sheet: Type.String(),
  row: Type.Integer({ description: 'The row as the spreadsheet shows it (the header is row 1)' }),
  column: Type.String({ description: 'The seed\'s name of the column ("" for an unreadable CSV record)' }),
  value: Type.String({ description: 'The cell as read (first 100 characters)' }),
  reason: Type.String()
}, { title: 'ImportReject' })

export const ImportRunSchema = Type.Object({
  id: ObjectIdString,
  fileName: Type.String(),
  format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv')]),
  dryRun: Type.Boolean(),
  dateOrder: DateOrderSchema,
  sheet: Type.Union([SheetKindSchema, Type.Null()]),
  status: Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]),
  error: Type.Union([Type.String(), Type.Null()]),
  startedAt: IsoDateTime,
  finishedAt: Type.Union([IsoDateTime, Type.Null()]),
  totals: CountsSchema,
  sheets: Type.Array(SheetReportSchema),
  skippedSheets: Type.Array(Type.Object({ sheet: Type.String(), reason: Type.String() }), { description: 'Sheets whose headers match none of the three sheets' }),
  newChannels: Type.Array(Type.String(), { description: 'Channels (engagements) this import created, or would create in a dry run' }),
  inferredCustomerIds: Type.Array(IntegerId, { description: 'Inferred customers (first 1,000)' }),
  rejectsTotal: Type.Integer({ description: 'Rejected cells in all; every one is in rejectsCsv' }),
  rejectsCsv: Type.String({ description: 'Where to download every rejected cell as CSV' })
}, { title: 'ImportRun' })
export type ImportRun = Static<typeof ImportRunSchema>

export const ImportReportSchema = Type.Composite([ImportRunSchema, Type.Object({
  rejects: Type.Array(RejectSchema, { description: 'Rejected cells in file order (first 1,000)' })
})], { title: 'ImportReport' })
export type ImportReport = Static<typeof ImportReportSchema>

export const ImportParamsSchema = Type.Object({ importId: ObjectIdString })

export const ImportListQuerySchema = PageQuerySchema
