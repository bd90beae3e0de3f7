import { headerKey, sheetDefinitions, sheetKindNamed, type ColumnMapping } from './sheets.js'

export class MappingError extends Error {
  override name = 'MappingError'
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads a column mapping file: `{"<sheet>": {"<source header>": "<seed header>"}}`, where a sheet is named by its
 * title ("External interactions") or kind ("interactions"). Every sheet and target header must exist.
 */
export function parseMapping (json: string): ColumnMapping {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (error) {
    throw new MappingError(`the mapping is not JSON: ${(error as Error).message}`)
  }
  if (!isPlainObject(parsed)) throw new MappingError('the mapping must be an object of sheets: {"Customers": {"Client Ref": "Customer_Id"}}')
  const mapping: ColumnMapping = {}
  for (const [sheetName, renames] of Object.entries(parsed)) {
    const kind = sheetKindNamed(sheetName)
    if (!kind) throw new MappingError(`the mapping names an unknown sheet "${sheetName}" (known: ${Object.values(sheetDefinitions).map((sheet) => sheet.title).join(', ')})`)
    if (!isPlainObject(renames)) throw new MappingError(`the mapping for "${sheetName}" must be an object of "source header": "target header"`)
    const targets = Object.values(sheetDefinitions[kind].columns)
    const sheetRenames: Record<string, string> = {}
    for (const [source, target] of Object.entries(renames)) {
      if (typeof target !== 'string' || !targets.some((header) => headerKey(header) === headerKey(target))) {
        throw new MappingError(`the mapping renames "${source}" to ${JSON.stringify(target)}, which is not a column of ${sheetDefinitions[kind].title} (${targets.join(', ')})`)
      }
      sheetRenames[source] = target
    }
    mapping[kind] = { ...mapping[kind], ...sheetRenames }
  }
  return mapping
}
