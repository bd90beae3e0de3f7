/** The three sheets of the seed workbook, and how a sheet's header row is matched to one of them. */

export type SheetKind = 'customers' | 'interactions' | 'topics'

interface SheetDefinition {
  title: string
  /** Field → the column header the seed workbook uses. */
  columns: Record<string, string>
  /** Fields whose columns must be present for a sheet to be recognised. */
  required: string[]
}

export const sheetDefinitions: Record<SheetKind, SheetDefinition> = {
  customers: {
    title: 'Customers',
    columns: { customerId: 'Customer_Id', occupation: 'Occupation', type: 'Type' },
    required: ['customerId']
  },
  interactions: {
    title: 'External interactions',
    columns: { date: 'Date Start', channel: 'Interaction', customerId: 'Customers' },
    required: ['date', 'channel', 'customerId']
  },
  topics: {
    title: 'Products of discussion',
    columns: { month: 'Date', product: 'Product' },
    required: ['month', 'product']
  }
}

export const sheetKinds = Object.keys(sheetDefinitions) as SheetKind[]

/** Column renames per sheet: `{"Customers": {"Client Ref": "Customer_Id"}}` (source header → the seed's header). */
export type ColumnMapping = Partial<Record<SheetKind, Record<string, string>>>

/** Headers compare without case, spaces or underscores: `Customer_Id`, `customer id` and `CUSTOMERID` are one header. */
export function headerKey (header: string): string {
  return header.toLowerCase().replace(/[\s_]+/g, '')
}

/** The sheet a name denotes (its title or kind, compared like headers), or undefined. */
export function sheetKindNamed (name: string): SheetKind | undefined {
  const key = headerKey(name)
  return sheetKinds.find((kind) => headerKey(kind) === key || headerKey(sheetDefinitions[kind].title) === key)
}

/** Field name → index of its column in the row. */
export type ColumnIndex = Record<string, number>

export type HeaderMatch = { ok: true, columns: ColumnIndex } | { ok: false, reason: string }

/** Finds each of the sheet's fields among the headers, after the mapping's renames. */
export function matchHeaders (kind: SheetKind, headers: string[], mapping: ColumnMapping = {}): HeaderMatch {
  const renames = new Map(Object.entries(mapping[kind] ?? {}).map(([source, target]) => [headerKey(source), headerKey(target)]))
  const fieldByHeader = new Map(Object.entries(sheetDefinitions[kind].columns).map(([field, header]) => [headerKey(header), field]))
  const columns: ColumnIndex = {}
  for (const [index, header] of headers.entries()) {
    const key = headerKey(header)
    if (key === '') continue
    const field = fieldByHeader.get(renames.get(key) ?? key)
    if (!field) continue
    if (field in columns) return { ok: false, reason: `two columns give ${sheetDefinitions[kind].columns[field]}: "${headers[columns[field] as number]}" and "${header}"` }
    columns[field] = index
  }
  const missing = sheetDefinitions[kind].required.filter((field) => !(field in columns))
  if (missing.length > 0) return { ok: false, reason: `missing column ${missing.map((field) => `"${sheetDefinitions[kind].columns[field]}"`).join(', ')}` }
  return { ok: true, columns }
}

/** The headers for a message: at most the first 10, each at most 40 characters (a message stays short whatever the file). */
function describeHeaders (headers: string[]): string {
  const named = headers.filter((header) => header !== '')
  const shown = named.slice(0, 10).map((header) => (header.length > 40 ? `${header.slice(0, 39)}…` : header))
  return `${JSON.stringify(shown).slice(0, -1)}${named.length > 10 ? `, … ${named.length - 10} more` : ''}]`
}

export type SheetDetection = { ok: true, kind: SheetKind, columns: ColumnIndex } | { ok: false, reason: string }

/** Which of the three sheets a header row belongs to (the one recognising most columns; a tie is ambiguous), or the forced kind. */
export function detectSheet (headers: string[], mapping: ColumnMapping = {}, forced?: SheetKind): SheetDetection {
  if (forced) {
    const match = matchHeaders(forced, headers, mapping)
    return match.ok ? { ok: true, kind: forced, columns: match.columns } : { ok: false, reason: `not a ${sheetDefinitions[forced].title} sheet: ${match.reason}` }
  }
  const matches = sheetKinds.flatMap((kind) => {
    const match = matchHeaders(kind, headers, mapping)
    return match.ok ? [{ kind, columns: match.columns }] : []
  })
  const width = (match: { columns: ColumnIndex }) => Object.keys(match.columns).length
  const widest = Math.max(0, ...matches.map(width))
  const best = matches.filter((match) => width(match) === widest)
  const [only] = best
  if (best.length === 1 && only) return { ok: true, kind: only.kind, columns: only.columns }
  if (best.length > 1) return { ok: false, reason: `headers match several sheets (${best.map((match) => sheetDefinitions[match.kind].title).join(', ')}): name one with --sheet` }
  const expected = sheetKinds.map((kind) => `${sheetDefinitions[kind].title} (${Object.values(sheetDefinitions[kind].columns).join(', ')})`).join('; ')
  return { ok: false, reason: `headers ${describeHeaders(headers)} match no sheet; expected one of: ${expected}` }
}
